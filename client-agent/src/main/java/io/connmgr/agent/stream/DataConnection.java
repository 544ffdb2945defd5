package io.connmgr.agent.stream;

import io.connmgr.protocol.codec.FrameCodec;
import io.connmgr.protocol.codec.MalformedFrameException;
import io.connmgr.protocol.message.Frame;
import io.connmgr.protocol.message.Reject;
import io.connmgr.protocol.message.StreamAttach;
import io.connmgr.protocol.message.StreamOpenResult;
import io.connmgr.protocol.wire.FrameType;
import io.connmgr.protocol.wire.ReasonCode;
import io.connmgr.protocol.wire.StreamStatus;
import io.connmgr.protocol.wire.Wire;
import io.netty.buffer.Unpooled;

import java.io.DataInputStream;
import java.io.EOFException;
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

    /**
     * Connects (blocking, at most {@code connectTimeout}), writes STREAM_ATTACH, waits (as long again) for the
     * appliance to take the token, and hands over the socket: every byte on it from then on is the stream's.
     *
     * @throws IOException when the appliance refuses the token (unknown, expired or used) or does not answer
     */
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
            awaitAnswer(socket, connectTimeout);
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Reads the appliance's one-frame answer: STREAM_OPEN_RESULT OK, or REJECT with its reason. */
    private static void awaitAnswer(Socket socket, Duration timeout) throws IOException {
        int previous = socket.getSoTimeout();
        socket.setSoTimeout((int) Math.clamp(timeout.toMillis(), 1, Integer.MAX_VALUE));
        DataInputStream in = new DataInputStream(socket.getInputStream());
        int header = in.readInt();
        int type = header >>> 24;
        int length = header & Wire.MAX_LENGTH_FIELD;
        if (length > 1024) {
            throw new IOException("appliance answered the attach with a " + length + "-byte frame");
        }
        byte[] payload = in.readNBytes(length);
        if (payload.length != length) {
            throw new EOFException("appliance closed the data connection while answering the attach");
        }
        FrameType frameType = FrameType.fromCode(type);
        if (frameType != FrameType.STREAM_OPEN_RESULT && frameType != FrameType.REJECT) {
            throw new IOException("appliance answered the attach with frame type 0x%02x".formatted(type));
        }
        Frame answer;
        try {
            answer = FrameCodec.decode(frameType, Unpooled.wrappedBuffer(payload));
        } catch (MalformedFrameException e) {
            throw new IOException("appliance answered the attach with a malformed frame: " + e.getMessage());
        }
        switch (answer) {
            case StreamOpenResult r when r.status() == StreamStatus.OK -> socket.setSoTimeout(previous);
            case Reject r -> throw new IOException("appliance refused the data connection: "
                    + (ReasonCode.fromCode(r.reasonCode()) == null ? r.reasonCode() : ReasonCode.fromCode(r.reasonCode()))
                    + " " + r.message());
            default -> throw new IOException("appliance answered the attach with " + answer);
        }
    }
}
