package io.connmgr.agent;

import io.connmgr.agent.control.DisconnectCause;
import io.connmgr.agent.control.StateChange;
import io.connmgr.protocol.message.Welcome;

import java.time.Duration;

/**
 * One log line per state change, as {@code key=value} pairs that grep and log shippers split without a parser:
 * {@code state=CONNECTED appliance=127.0.0.1:7700 device=dev-1 keepalive=60s resumed=false}. Holds no credential, so
 * none can reach the log.
 */
final class StateLogLine {

    private StateLogLine() {
    }

    static String format(StateChange change, String appliance, String deviceId) {
        StringBuilder line = new StringBuilder(128)
                .append("state=").append(change.state())
                .append(" appliance=").append(appliance)
                .append(" device=").append(deviceId);
        switch (change.state()) {
            case CONNECTING -> line.append(" attempt=").append(change.attempt());
            case CONNECTED -> {
                Welcome w = change.welcome();
                line.append(" keepalive=").append(w.keepAliveSeconds()).append('s')
                        .append(" resumed=").append(w.resumed());
                if (w.stayConnected()) {
                    line.append(" stay_connected=true");
                }
            }
            case DORMANT -> {
                line.append(" reconnect_in=").append(seconds(change.delay()));
                cause(line, change.cause());
            }
            case BACKING_OFF -> {
                line.append(" retry_in=").append(seconds(change.delay()));
                cause(line, change.cause());
            }
            case CLOSED -> cause(line, change.cause());
            case NEW -> { }
        }
        return line.toString();
    }

    private static void cause(StringBuilder line, DisconnectCause cause) {
        if (cause == null) {
            return;
        }
        line.append(" cause=").append(cause.kind());
        if (cause.reason() != null) {
            line.append(" reason=").append(cause.reason());
        }
        if (!cause.reconnectAfter().isZero()) {
            line.append(" reconnect_after=").append(seconds(cause.reconnectAfter()));
        }
        // Text from the network: quoted and flattened so that it cannot forge a second log line.
        line.append(" detail=\"").append(cause.detail().replace('"', '\'').replaceAll("\\p{Cntrl}", " ")).append('"');
    }

    private static String seconds(Duration d) {
        return "%.3fs".formatted(d.toMillis() / 1000.0);
    }
}
