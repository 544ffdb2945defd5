package io.connmgr.loadtest.overload;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Streams whose back-end stops reading while the device's side sends without end: a firehose service beside the
 * devices writes as fast as it is let, and back-end connections through the appliance's SOCKS5 listener never read.
 * What the firehose got rid of in all shows how much the appliance let through before it stopped reading.
 */
final class StalledStreams implements AutoCloseable {
    private final ServerSocket firehose;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    final AtomicLong offered = new AtomicLong();
    final AtomicLong opened = new AtomicLong();
    final AtomicLong refused = new AtomicLong();

    StalledStreams() throws IOException {
        firehose = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("firehose").start(this::serve);
    }

    int firehosePort() {
        return firehose.getLocalPort();
    }

    private void serve() {
        while (!firehose.isClosed()) {
            try {
                Socket s = firehose.accept();
                sockets.add(s);
                Thread.ofVirtual().start(() -> {
                    byte[] chunk = new byte[64 * 1024];
                    try (s; OutputStream out = s.getOutputStream()) {
                        while (true) {
                            out.write(chunk);
                            offered.addAndGet(chunk.length);
                        }
                    } catch (IOException ignored) {
                        // the stream ended
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Opens a stream through the SOCKS5 listener (loopback is trusted: no credentials) and never reads it. */
    void open(int proxyPort, String deviceId, int port) {
        try {
            Socket s = new Socket();
            s.setReceiveBufferSize(16 * 1024);
            s.connect(new InetSocketAddress("127.0.0.1", proxyPort), 5000);
            s.setSoTimeout(30_000);
            sockets.add(s);
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(s.getInputStream());
            out.write(new byte[]{5, 1, 0});
            in.readFully(new byte[2]);
            byte[] host = deviceId.getBytes(StandardCharsets.US_ASCII);
            byte[] req = new byte[7 + host.length];
            req[0] = 5;
            req[1] = 1;
            req[3] = 3;
            req[4] = (byte) host.length;
            System.arraycopy(host, 0, req, 5, host.length);
            req[5 + host.length] = (byte) (port >> 8);
            req[6 + host.length] = (byte) port;
            out.write(req);
            byte[] reply = new byte[10];
            in.readFully(reply);
            if (reply[1] == 0) {
                opened.incrementAndGet();
            } else {
                refused.incrementAndGet();
                s.close();
            }
        } catch (IOException e) {
            refused.incrementAndGet();
        }
    }

    @Override
    public void close() {
        try {
            firehose.close();
        } catch (IOException ignored) {
            // going anyway
        }
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // going anyway
            }
        }
    }
}
