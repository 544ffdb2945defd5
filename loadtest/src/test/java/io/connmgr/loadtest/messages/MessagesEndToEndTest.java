package io.connmgr.loadtest.messages;

import io.connmgr.loadtest.backend.ReportChecks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.connmgr.loadtest.backend.ReportChecks.count;
import static org.assertj.core.api.Assertions.assertThat;

/** A small real {@code messages} run: 50 active devices, a thousand pushes, then fifty one at a time. */
class MessagesEndToEndTest {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aSmallRunProducesACompleteAndConsistentReport(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("messages.json");
        Map<String, Object> r = ReportChecks.run(out, "messages", "--devices", "50", "--messages", "1000",
                "--in-flight", "64", "--serial-messages", "50", "--uplinks", "500", "--sample-interval", "250ms", "--out",
                out.toString());

        for (String phase : new String[] {"messages", "messages_serial"}) {
            long sent = count(r, phase + "_sent_count");
            long accepted = count(r, phase + "_accepted_count");
            long delivered = count(r, phase + "_delivered_count");
            assertThat(sent).as(phase + " sent").isEqualTo(phase.equals("messages") ? 1000 : 50);
            assertThat(accepted + count(r, phase + "_failed_count")).as(phase + " answered").isEqualTo(sent);
            assertThat(accepted).as(phase + " accepted").isEqualTo(sent);
            assertThat(delivered).as(phase + " delivered").isEqualTo(accepted);
            assertThat(count(r, phase + "_undelivered_count")).isZero();
            ReportChecks.latency(r, phase + "_accept", accepted);
            ReportChecks.latency(r, phase + "_end_to_end", delivered);
            assertThat(((Number) ReportChecks.figures(r).get(phase + "_accepted_per_s")).doubleValue()).isPositive();
            assertThat(((Number) ReportChecks.figures(r).get(phase + "_delivered_per_s")).doubleValue())
                    .isPositive();
        }
        assertThat(count(r, "uplinks_sent_count")).isEqualTo(500);
        assertThat(count(r, "uplinks_acked_count")).as("every uplink acknowledged").isEqualTo(500);
        ReportChecks.latency(r, "uplinks_ack", 500);
        assertThat(ReportChecks.errors(r)).isEmpty();
        ReportChecks.series(r, "messages_accepted", "messages_serial_delivered", "messages_delivered");
    }
}
