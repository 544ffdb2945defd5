package io.connmgr.agent;

import io.connmgr.agent.control.ConnectionState;
import io.connmgr.agent.control.DisconnectCause;
import io.connmgr.agent.control.StateChange;
import io.connmgr.protocol.message.Welcome;
import io.connmgr.protocol.wire.ReasonCode;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class StateLogLineTest {

    @Test
    void connected_showsKeepAliveAndResume() {
        var welcome = new Welcome(1, false, 60, 1 << 20, 1, 0, new byte[16]);

        String line = StateLogLine.format(new StateChange(ConnectionState.CONNECTED, 0, welcome, null, null),
                "127.0.0.1:7700", "dev-1");

        assertThat(line).isEqualTo("state=CONNECTED appliance=127.0.0.1:7700 device=dev-1 keepalive=60s resumed=false");
    }

    @Test
    void backingOff_showsDelayCauseAndReason_onOneLine() {
        var cause = new DisconnectCause(DisconnectCause.Kind.GOAWAY, ReasonCode.SHUTTING_DOWN, Duration.ofSeconds(5),
                "goaway: SHUTTING_DOWN (bye\nstate=FORGED \"x\")");

        String line = StateLogLine.format(new StateChange(ConnectionState.BACKING_OFF, 0, null,
                Duration.ofMillis(5250), cause), "cm:7700", "dev-1");

        assertThat(line).isEqualTo("state=BACKING_OFF appliance=cm:7700 device=dev-1 retry_in=5.250s cause=GOAWAY"
                + " reason=SHUTTING_DOWN reconnect_after=5.000s detail=\"goaway: SHUTTING_DOWN (bye state=FORGED 'x')\"");
        assertThat(line).doesNotContain("\n");
    }

    @Test
    void onDemand_connectedWhenToldToStay_andDormant_sayWhy() {
        var welcome = new Welcome(1, true, 60, 1 << 20, 1, 0, new byte[16], true);
        var quiet = new DisconnectCause(DisconnectCause.Kind.ON_DEMAND_QUIET, null, Duration.ZERO,
                "on demand: nothing to do for 30000 ms");

        assertThat(StateLogLine.format(new StateChange(ConnectionState.CONNECTED, 0, welcome, null, null), "cm:1", "d"))
                .isEqualTo("state=CONNECTED appliance=cm:1 device=d keepalive=60s resumed=true stay_connected=true");
        assertThat(StateLogLine.format(new StateChange(ConnectionState.DORMANT, 0, null, Duration.ofMinutes(15), quiet),
                "cm:1", "d")).isEqualTo("state=DORMANT appliance=cm:1 device=d reconnect_in=900.000s"
                + " cause=ON_DEMAND_QUIET detail=\"on demand: nothing to do for 30000 ms\"");
    }

    @Test
    void connecting_showsTheAttempt() {
        assertThat(StateLogLine.format(new StateChange(ConnectionState.CONNECTING, 3, null, null, null), "cm:1", "d"))
                .isEqualTo("state=CONNECTING appliance=cm:1 device=d attempt=3");
    }
}
