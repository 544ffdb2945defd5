package io.connmgr.agent.stream;

import java.util.HexFormat;

/**
 * One CONNECT_REQUEST, with where to dial.
 *
 * @param requestId     the appliance's id of the request
 * @param port          the device-side port the back-end asked for (one of the exposed ports)
 * @param token         the one-time token to present in STREAM_ATTACH
 * @param origin        who asked: the back-end credential's name
 * @param applianceHost the appliance's device-link host, as the client was configured
 * @param appliancePort the appliance's device-link port
 */
public record ConnectRequestInfo(long requestId, int port, byte[] token, String origin, String applianceHost,
                                 int appliancePort) {

    public ConnectRequestInfo {
        token = token.clone();
    }

    @Override
    public byte[] token() {
        return token.clone();
    }

    /** The token in lower-case hex, as the agent passes it to programs ({@code CM_STREAM_TOKEN}). */
    public String tokenHex() {
        return HexFormat.of().formatHex(token);
    }

    @Override
    public String toString() {
        return "ConnectRequest[id=" + requestId + ", port=" + port + ", origin=" + origin + "]";
    }
}
