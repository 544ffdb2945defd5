package io.connmgr.appliance.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client that sends its bytes one at a time on a fixed schedule (a slowloris), and reads whatever the server
 * answers until the server closes. No sleeping: a scheduled executor writes, the test thread blocks in read with a
 * bounded socket timeout.
 */
final class SlowClient implements AutoCloseable {
    private final Socket socket = new Socket();
    private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor();
    private final AtomicInteger sent = new AtomicInteger();
    private long connectedNanos;

    /** What the server sent, and how long after connecting it closed the connection. */
    record Answer(byte[] bytes, Duration closedAfter, int bytesSent) {
        String text() {
            return new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    SlowClient(int port) throws IOException {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        connectedNanos = System.nanoTime();
    }

    /** Sends {@code fast} at once, then {@code slow} one byte every {@code every}; never anything more. */
    SlowClient send(byte[] fast, byte[] slow, Duration every) throws IOException {
        OutputStream out = socket.getOutputStream();
        if (fast.length > 0) {
            out.write(fast);
            out.flush();
        }
        AtomicInteger next = new AtomicInteger();
        ScheduledFuture<?>[] task = new ScheduledFuture<?>[1];
        task[0] = writer.scheduleAtFixedRate(() -> {
            int i = next.getAndIncrement();
            if (i >= slow.length) {
                task[0].cancel(false);
                return;
            }
            try {
                out.write(slow[i]);
                out.flush();
                sent.incrementAndGet();
            } catch (IOException closed) {
                task[0].cancel(false);
            }
        }, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Reads until the server closes, for at most {@code limit}; fails if it is still open then. */
    Answer awaitClose(Duration limit) throws IOException {
        socket.setSoTimeout((int) limit.toMillis());
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                got.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("server still holds the connection after " + limit + "; it sent "
                    + got.size() + " bytes");
        } catch (java.net.SocketException reset) {
            // a reset after the answer counts as closed
        }
        return new Answer(got.toByteArray(), Duration.ofNanos(System.nanoTime() - connectedNanos), sent.get());
    }

    @Override
    public void close() throws IOException {
        writer.shutdownNow();
        socket.close();
    }
}
