package io.connmgr.loadtest.relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The device-side service of the relay benchmark: reads each connection to its end, then answers with the number of
 * bytes it read (8 bytes) and closes. One thread per connection; the benchmark runs one transfer at a time.
 */
final class CountingSink implements AutoCloseable {
    private final ServerSocketChannel server;
    private final Thread acceptor;

    CountingSink() throws IOException {
        server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        acceptor = Thread.ofPlatform().daemon().name("relay-sink").start(this::acceptLoop);
    }

    int port() throws IOException {
        return ((InetSocketAddress) server.getLocalAddress()).getPort();
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel c = server.accept();
                Thread.ofPlatform().daemon().name("relay-sink-conn").start(() -> drain(c));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private static void drain(SocketChannel c) {
        try (c) {
            ByteBuffer buf = ByteBuffer.allocateDirect(256 * 1024);
            long total = 0;
            for (int n; (n = c.read(buf)) >= 0; buf.clear()) {
                total += n;
            }
            c.write(ByteBuffer.allocate(8).putLong(0, total));
        } catch (IOException ignored) {
            // the source went away: its transfer reports the failure
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        acceptor.interrupt();
    }
}
