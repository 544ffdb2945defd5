package io.connmgr.loadtest.relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/** One bulk copy from a source socket to the {@link CountingSink}, directly or through a relay. */
final class Transfer {
    private static final int CHUNK = 256 * 1024;

    private Transfer() {
    }

    /** How the source reaches the sink. */
    sealed interface Route permits Direct, Socks5 {
    }

    /** Straight to {@code port}, or to a TCP relay (HAProxy) listening there. */
    record Direct(int port) implements Route {
    }

    /** Through a SOCKS5 proxy without credentials (the appliance trusts loopback) to {@code host:port}. */
    record Socks5(int proxyPort, String host, int port) implements Route {
    }

    /** Sends {@code bytes}, half-closes, waits for the sink's count; returns the elapsed nanoseconds. */
    static long run(Route route, long bytes) throws IOException {
        long start = System.nanoTime();
        try (SocketChannel c = SocketChannel.open()) {
            c.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            switch (route) {
                case Direct d -> c.connect(new InetSocketAddress("127.0.0.1", d.port()));
                case Socks5 s -> {
                    c.connect(new InetSocketAddress("127.0.0.1", s.proxyPort()));
                    socks5Connect(c, s.host(), s.port());
                }
            }
            ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
            for (int i = 0; i < CHUNK; i++) {
                chunk.put(i, (byte) i);
            }
            long left = bytes;
            while (left > 0) {
                chunk.clear().limit((int) Math.min(CHUNK, left));
                while (chunk.hasRemaining()) {
                    left -= c.write(chunk);
                }
            }
            c.shutdownOutput();
            ByteBuffer count = ByteBuffer.allocate(8);
            while (count.hasRemaining() && c.read(count) >= 0) {
                // until the sink's 8-byte answer
            }
            if (count.hasRemaining() || count.getLong(0) != bytes) {
                throw new IOException("sink counted " + (count.hasRemaining() ? "nothing" : count.getLong(0))
                        + " of " + bytes + " bytes");
            }
        }
        return System.nanoTime() - start;
    }

    private static void socks5Connect(SocketChannel c, String host, int port) throws IOException {
        write(c, new byte[] {0x05, 0x01, 0x00});
        byte[] method = read(c, 2);
        if (method[1] != 0x00) {
            throw new IOException("SOCKS5 proxy refused the no-credentials method (is loopback a trusted source?)");
        }
        byte[] name = host.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer req = ByteBuffer.allocate(7 + name.length)
                .put((byte) 0x05).put((byte) 0x01).put((byte) 0x00).put((byte) 0x03).put((byte) name.length).put(name)
                .putShort((short) port);
        write(c, req.array());
        byte[] reply = read(c, 10);
        if (reply[1] != 0x00) {
            throw new IOException("SOCKS5 CONNECT failed with reply 0x%02x".formatted(reply[1]));
        }
    }

    private static void write(SocketChannel c, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    private static byte[] read(SocketChannel c, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                throw new IOException("proxy closed during the SOCKS5 handshake");
            }
        }
        return b.array();
    }
}
