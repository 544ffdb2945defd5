package io.connmgr.protocol.client;

import io.connmgr.protocol.backend.BackendFrame;
import io.connmgr.protocol.wire.StreamStatus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayDeque;

/**
 * A byte stream to a port on a device, through the control channel. {@link #input()} and {@link #output()} block;
 * use them from application threads, never from an event loop. The receive window is returned to the appliance as the
 * application reads (once half of it has been consumed), so a slow reader stops only its own stream, and this side
 * never holds more than one window of received bytes: data beyond it resets the stream ({@code FLOW_CONTROL_ERROR}).
 *
 * <p>Closing the output half-closes the stream; it ends once the device side has closed too and everything it sent
 * was read, or at a reset from either side.
 */
public final class BackendStream implements AutoCloseable {
    private static final int MAX_CHUNK = 16 * 1024;

    private final int id;
    private final Channel channel;
    private final int window;
    private final Runnable ended;
    private final ArrayDeque<byte[]> received = new ArrayDeque<>();
    private byte[] current;
    private int currentPos;
    private int consumed;
    /** Bytes the appliance may still send before this side grants more. */
    private long receiveCredit;
    private long sendCredit;
    private boolean remoteFin;
    private boolean localFin;
    private String resetReason;
    private final Input input = new Input();
    private final Output output = new Output();

    /** @param ended runs once when the stream is over (both sides closed, or a reset), so its client forgets it */
    BackendStream(int id, Channel channel, int window, Runnable ended) {
        this.id = id;
        this.channel = channel;
        this.window = window;
        this.receiveCredit = window;
        this.ended = ended;
    }

    public int id() {
        return id;
    }

    public InputStream input() {
        return input;
    }

    public OutputStream output() {
        return output;
    }

    /** Aborts both directions (STREAM_RESET CANCELLED). */
    public void reset() {
        reset(StreamStatus.CANCELLED, "reset by this side");
    }

    private void reset(StreamStatus status, String reason) {
        synchronized (this) {
            if (resetReason != null) {
                return;
            }
            resetReason = reason;
            dropReceived();
            notifyAll();
        }
        ended.run();
        channel.writeAndFlush(new BackendFrame.StreamReset(id, status));
    }

    /** Half-closes the output; the input stays readable until the device side closes too. */
    @Override
    public void close() throws IOException {
        output.close();
    }

    synchronized void opened(long initialCredit) {
        sendCredit = initialCredit;
        notifyAll();
    }

    void onData(BackendFrame.StreamData d) {
        boolean overrun;
        try {
            ByteBuf data = d.data();
            int n = data.readableBytes();
            synchronized (this) {
                if (resetReason != null || remoteFin) {
                    return; // in flight when this side ended it: nobody reads it any more
                }
                overrun = n > receiveCredit;
                if (!overrun) {
                    receiveCredit -= n;
                    if (n > 0) {
                        byte[] bytes = new byte[n];
                        data.readBytes(bytes);
                        received.addLast(bytes);
                    }
                    remoteFin = d.fin();
                    notifyAll();
                }
            }
        } finally {
            d.release();
        }
        if (overrun) {
            reset(StreamStatus.FLOW_CONTROL_ERROR, "the appliance sent beyond the window");
        } else {
            endIfDone();
        }
    }

    synchronized void onWindow(long increment) {
        sendCredit += increment;
        notifyAll();
    }

    synchronized void onReset(String reason) {
        if (resetReason == null) {
            resetReason = reason;
            dropReceived();
        }
        notifyAll();
    }

    private void dropReceived() {
        received.clear();
        current = null;
    }

    /** Over once both sides sent FIN and every byte was read. */
    private void endIfDone() {
        boolean over;
        synchronized (this) {
            over = localFin && remoteFin && current == null && received.isEmpty() && resetReason == null;
        }
        if (over) {
            ended.run();
        }
    }

    private final class Input extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            int n;
            int grant = 0;
            synchronized (BackendStream.this) {
                while (current == null) {
                    current = received.pollFirst();
                    currentPos = 0;
                    if (current != null) {
                        break;
                    }
                    if (resetReason != null) {
                        throw new IOException("stream reset: " + resetReason);
                    }
                    if (remoteFin) {
                        endIfDone();
                        return -1;
                    }
                    waitInterruptibly();
                }
                n = Math.min(len, current.length - currentPos);
                System.arraycopy(current, currentPos, b, off, n);
                currentPos += n;
                if (currentPos == current.length) {
                    current = null;
                }
                consumed += n;
                if (consumed >= window / 2 && !remoteFin) {
                    grant = consumed;
                    receiveCredit += grant;
                    consumed = 0;
                }
            }
            if (grant > 0) {
                channel.writeAndFlush(new BackendFrame.StreamWindow(id, grant));
            }
            return n;
        }
    }

    private final class Output extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                int n;
                synchronized (BackendStream.this) {
                    while (sendCredit == 0 && resetReason == null && !localFin) {
                        waitInterruptibly();
                    }
                    if (resetReason != null) {
                        throw new IOException("stream reset: " + resetReason);
                    }
                    if (localFin) {
                        throw new IOException("stream output closed");
                    }
                    n = (int) Math.min(Math.min(len, MAX_CHUNK), sendCredit);
                    sendCredit -= n;
                }
                // One copy of this chunk: the caller may reuse its array as soon as write returns.
                channel.writeAndFlush(new BackendFrame.StreamData(id, false, Unpooled.copiedBuffer(b, off, n)));
                off += n;
                len -= n;
            }
        }

        @Override
        public void close() {
            synchronized (BackendStream.this) {
                if (localFin || resetReason != null) {
                    return;
                }
                localFin = true;
                BackendStream.this.notifyAll();
            }
            channel.writeAndFlush(new BackendFrame.StreamData(id, true, Unpooled.EMPTY_BUFFER));
            endIfDone();
        }
    }

    private void waitInterruptibly() throws IOException {
        try {
            wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException();
        }
    }
}
