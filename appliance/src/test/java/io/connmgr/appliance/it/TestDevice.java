package io.connmgr.appliance.it;

import io.connmgr.protocol.codec.FrameCodec;
import io.connmgr.protocol.codec.MalformedFrameException;
import io.connmgr.protocol.message.Frame;
import io.connmgr.protocol.message.Hello;
import io.connmgr.protocol.message.Welcome;
import io.connmgr.protocol.wire.FrameType;
import io.connmgr.protocol.wire.Wire;
import io.netty.buffer.Unpooled;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * A device written the plain way, with a blocking socket and the codec, so tests see exactly the bytes on the wire.
 */
final class TestDevice implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    TestDevice(int port) throws IOException {
        this(plain(null, new InetSocketAddress("127.0.0.1", port), 0));
    }

    /** @param receiveBuffer SO_RCVBUF before connecting (bounds what the kernel reads for it); 0 = the default */
    TestDevice(int port, int receiveBuffer) throws IOException {
        this(plain(null, new InetSocketAddress("127.0.0.1", port), receiveBuffer));
    }

    /** Connects from {@code local} (any free port of it; null = the system's choice) to {@code appliance}. */
    TestDevice(InetSocketAddress local, InetSocketAddress appliance) throws IOException {
        this(plain(local, appliance, 0));
    }

    /** Over a socket already connected (a TLS one, say). */
    TestDevice(Socket connected) throws IOException {
        socket = connected;
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    private static Socket plain(InetSocketAddress local, InetSocketAddress appliance, int receiveBuffer)
            throws IOException {
        Socket s = new Socket();
        if (receiveBuffer > 0) {
            s.setReceiveBufferSize(receiveBuffer);
        }
        if (local != null) {
            s.bind(local);
        }
        s.connect(appliance, 5000);
        return s;
    }

    static Hello hello(String id, String token) {
        return new Hello(Wire.PROTOCOL_VERSION, 0, 0, id, token.getBytes(), null);
    }

    Welcome connect(String id, String token) throws IOException {
        send(hello(id, token));
        Frame f = read();
        if (!(f instanceof Welcome w)) {
            throw new AssertionError("expected WELCOME, got " + f);
        }
        return w;
    }

    /** A handshake offering {@code capabilities}, resuming the session of {@code resumeToken} when not null. */
    Welcome connect(String id, String token, int capabilities, byte[] resumeToken) throws IOException {
        send(new Hello(Wire.PROTOCOL_VERSION, 0, capabilities, id, token.getBytes(), resumeToken));
        Frame f = read();
        if (!(f instanceof Welcome w)) {
            throw new AssertionError("expected WELCOME, got " + f);
        }
        return w;
    }

    /** The next frame of {@code type}, skipping keep-alive answers. */
    <T extends Frame> T read(Class<T> type) throws IOException {
        while (true) {
            Frame f = read();
            if (type.isInstance(f)) {
                return type.cast(f);
            }
            if (!(f instanceof io.connmgr.protocol.message.Pong) && !(f instanceof io.connmgr.protocol.message.Ping)) {
                throw new AssertionError("expected " + type.getSimpleName() + ", got " + f);
            }
        }
    }

    void send(Frame f) throws IOException {
        sendRaw(FrameCodec.toBytes(f));
    }

    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    Frame read() throws IOException {
        int header = in.readInt();
        FrameType type = FrameType.fromCode(header >>> 24);
        byte[] payload = new byte[header & Wire.MAX_LENGTH_FIELD];
        in.readFully(payload);
        try {
            return FrameCodec.decode(type, Unpooled.wrappedBuffer(payload));
        } catch (MalformedFrameException e) {
            throw new IOException("appliance sent a malformed " + type + ": " + e.getMessage());
        }
    }

    byte[] readBytes(int n) throws IOException {
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    /** True when the appliance closed the connection (EOF or reset) before the read timeout. */
    boolean closedByPeer() throws IOException {
        try {
            return in.read() < 0;
        } catch (EOFException | java.net.SocketException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    int localPort() {
        return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
