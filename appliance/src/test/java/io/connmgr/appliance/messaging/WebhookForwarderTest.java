package io.connmgr.appliance.messaging;

import io.connmgr.protocol.message.Msg;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;

class WebhookForwarderTest {

    @Test
    void fullBacklog_dropsAndCountsNewMessages_insteadOfGrowing() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        // Not started: nothing drains the backlog.
        try (WebhookForwarder webhook = new WebhookForwarder(URI.create("http://127.0.0.1:9/none"), 2, 1, registry)) {
            for (int i = 1; i <= 5; i++) {
                webhook.accept("dev-1", new Msg(i, new byte[]{(byte) i}));
            }
            assertThat(registry.get("cm.webhook.backlog").gauge().value()).isEqualTo(2);
            assertThat(registry.get("cm.webhook.dropped").tag("reason", "backlog_full").counter().count())
                    .isEqualTo(3);
        }
    }

    @Test
    void uplinkBus_fansOut_andOneFailingSubscriberDoesNotStopTheOthers() throws Exception {
        UplinkBus bus = new UplinkBus();
        java.util.List<Long> seen = new java.util.ArrayList<>();
        bus.subscribe((id, msg) -> {
            throw new IllegalStateException("broken subscriber");
        });
        AutoCloseable handle = bus.subscribe((id, msg) -> seen.add(msg.seq()));
        bus.accept("dev-1", new Msg(1, new byte[0]));
        handle.close();
        bus.accept("dev-1", new Msg(2, new byte[0]));
        assertThat(seen).containsExactly(1L);
    }
}
