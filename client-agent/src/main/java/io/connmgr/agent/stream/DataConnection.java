package io.connmgr.agent.stream;

import io.connmgr.protocol.codec.FrameCodec;
import io.connmgr.protocol.message.StreamAttach;
import io.connmgr.protocol.wire.Wire;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/**
 * For a local application told by a {@link ConnectRequestHandler} (or by the agent's {@code --on-connect-request-*}
 * notification) to dial in: opens the data connection to the appliance and presents the token. Every byte read from
 * or written to the returned socket afterwards belongs to the back-end's stream; closing it ends the stream.
 *
 * <pre>{@code
 * try (Socket s = DataConnection.attach(host, port, token, Duration.ofSeconds(10))) {
 *     serve(s.getInputStream(), s.getOutputStream());
 * }
 * }</pre>
 *
 * <p>If the appliance does not know the token it answers with a REJECT frame and closes; the application sees that as
 * a few bytes followed by end of stream. The connection is direct: this helper does not go through the agent's
 * {@code via} proxy.
 */
public final class DataConnection {

    private DataConnection() {
    }

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    /** {@link #attach(String, int, byte[], Duration)} with a 10 s connect timeout. */
    public static Socket attach(String host, int port, byte[] token) throws IOException {
        return attach(host, port, token, DEFAULT_CONNECT_TIMEOUT);
    }

    /** Connects (blocking, at most {@code connectTimeout}), writes STREAM_ATTACH, and hands over the socket. */
    public static Socket attach(String host, int port, byte[] token, Duration connectTimeout) throws IOException {
        if (token.length < 1 || token.length > Wire.MAX_STREAM_TOKEN_BYTES) {
            throw new IllegalArgumentException("token must be 1.." + Wire.MAX_STREAM_TOKEN_BYTES + " bytes");
        }
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), (int) Math.min(Integer.MAX_VALUE,
                    connectTimeout.toMillis()));
            OutputStream out = socket.getOutputStream();
            out.write(FrameCodec.toBytes(new StreamAttach(token)));
            out.flush();
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }
}
