package io.connmgr.loadtest.overload;

import io.connmgr.loadtest.fleet.FleetToken;
import io.connmgr.protocol.codec.FrameCodec;
import io.connmgr.protocol.message.Capabilities;
import io.connmgr.protocol.message.Hello;
import io.connmgr.protocol.wire.Wire;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * Devices that connect, complete their handshake and then never read again: whatever the appliance sends them (RPC
 * requests, downlink MSGs, stream opens) stays unanswered and fills the socket buffers. A small receive buffer keeps
 * the kernel from absorbing much, so the appliance's own bounds are what is measured.
 */
final class StalledDevices implements AutoCloseable {
    private final List<Socket> sockets = new ArrayList<>();
    private final List<String> ids = new ArrayList<>();

    static StalledDevices connect(int port, byte[] fleetKey, String prefix, int count) throws IOException {
        StalledDevices d = new StalledDevices();
        FleetToken tokens = new FleetToken(fleetKey);
        try {
            for (int i = 0; i < count; i++) {
                String id = prefix + "-" + i;
                Socket s = new Socket();
                s.setReceiveBufferSize(16 * 1024);
                s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                s.setSoTimeout(10_000);
                d.sockets.add(s);
                s.getOutputStream().write(FrameCodec.toBytes(new Hello(Wire.PROTOCOL_VERSION, 0,
                        Capabilities.RPC | Capabilities.STREAMS, id,
                        tokens.credential(id), null)));
                DataInputStream in = new DataInputStream(s.getInputStream());
                int header = in.readInt(); // WELCOME (or REJECT): its type is checked by what follows
                in.readFully(new byte[header & Wire.MAX_LENGTH_FIELD]);
                if ((header >>> 24) != io.connmgr.protocol.wire.FrameType.WELCOME.code()) {
                    throw new IOException(id + ": the appliance did not welcome a stalled device (frame type "
                            + (header >>> 24) + ")");
                }
                d.ids.add(id);
            }
            return d;
        } catch (IOException e) {
            d.close();
            throw e;
        }
    }

    List<String> ids() {
        return ids;
    }

    /** Devices whose connection the appliance has not closed (as far as this side knows without reading). */
    long connected() {
        return sockets.stream().filter(s -> !s.isClosed() && s.isConnected()).count();
    }

    @Override
    public void close() {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // going anyway
            }
        }
    }
}
