package io.connmgr.loadtest.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LiveWorkersTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode reply(int devices, long connected, long attempts, long failed, long fullAt) {
        return JSON.createObjectNode().put("op", "counters").put("devices", devices).put("connected", connected)
                .put("attempts", attempts).put("failed", failed).put("lost", 2).put("pongs", 7)
                .put("full_at_ms", fullAt).put("last_problem", "");
    }

    @Test
    void countersAddUpOverTheWorkers() {
        LiveWorkers.Totals t = LiveWorkers.sum(List.of(reply(100, 100, 130, 30, 5_000), reply(99, 99, 99, 0, 7_000)));
        assertThat(t.devices()).isEqualTo(199);
        assertThat(t.connected()).isEqualTo(199);
        assertThat(t.attempts()).isEqualTo(229);
        assertThat(t.failed()).isEqualTo(30);
        assertThat(t.lost()).isEqualTo(4);
        assertThat(t.pongs()).isEqualTo(14);
        assertThat(t.allBack()).isTrue();
        assertThat(t.lastFullAtMillis()).isEqualTo(7_000);
        assertThat(t.columns()).containsEntry("connected", 199L).containsKeys("attempts", "failed", "lost", "pongs");
    }

    @Test
    void oneWorkerShortMeansNotAllBack() {
        assertThat(LiveWorkers.sum(List.of(reply(100, 100, 100, 0, 5_000), reply(100, 99, 100, 0, 6_000)))
                .allBack()).isFalse();
    }

    @Test
    void aWorkerThatHasNotBeenAllUpSinceTheMarkIsNotBack() {
        // Connected as many as it holds, but no device has come back since the mark: the storm has not reached it.
        assertThat(LiveWorkers.sum(List.of(reply(100, 100, 100, 0, 5_000), reply(100, 100, 100, 0, 0)))
                .allBack()).isFalse();
    }

    @Test
    void noWorkersIsNotAllBack() {
        assertThat(LiveWorkers.sum(List.of()).allBack()).isFalse();
    }
}
