package io.connmgr.appliance.it;

import io.connmgr.protocol.backend.BackendCodec;
import io.connmgr.protocol.backend.BackendFrame;
import io.connmgr.protocol.backend.BackendFrameType;
import io.connmgr.protocol.backend.BackendWire;
import io.connmgr.protocol.codec.MalformedFrameException;
import io.connmgr.protocol.wire.Wire;
import io.netty.buffer.Unpooled;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

/** A back-end on the control channel at the byte level: sends HELLO, reads whatever frames come back. */
final class RawControl implements AutoCloseable {
    private final Socket socket = new Socket();
    private final DataInputStream in;

    RawControl(int port) throws IOException {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
    }

    BackendFrame hello(String name, String token) throws IOException {
        socket.getOutputStream().write(BackendCodec.toBytes(new BackendFrame.Hello(BackendWire.VERSION, 0, name,
                token.getBytes(StandardCharsets.UTF_8))));
        socket.getOutputStream().flush();
        return read();
    }

    BackendFrame read() throws IOException {
        int header = in.readInt();
        byte[] payload = new byte[header & Wire.MAX_LENGTH_FIELD];
        in.readFully(payload);
        try {
            return BackendCodec.decode(BackendFrameType.fromCode(header >>> 24), Unpooled.wrappedBuffer(payload));
        } catch (MalformedFrameException e) {
            throw new IOException(e);
        }
    }

    /** The next frame that is not a keep-alive PING. */
    BackendFrame readSkippingPings() throws IOException {
        for (int i = 0; i < 100; i++) {
            BackendFrame f = read();
            if (!(f instanceof BackendFrame.Ping)) {
                return f;
            }
        }
        throw new AssertionError("only PINGs");
    }

    boolean closedByPeer() throws IOException {
        try {
            return in.read() < 0;
        } catch (EOFException | SocketException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
