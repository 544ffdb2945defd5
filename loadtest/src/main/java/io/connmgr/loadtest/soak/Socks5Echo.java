package io.connmgr.loadtest.soak;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * One stream through the appliance's SOCKS5 port the way a back-end opens one: connect to the proxy, CONNECT to
 * {@code deviceId:port} (no credentials: loopback is a trusted source), send {@code bytes}, read them back from the
 * device's echo service, close. Every step is bounded by {@code timeout}.
 */
final class Socks5Echo {
    private Socks5Echo() {
    }

    static void run(int proxyPort, String deviceId, int port, byte[] bytes, Duration timeout) throws IOException {
        int millis = (int) Math.max(1, timeout.toMillis());
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(millis);
            s.connect(new InetSocketAddress("127.0.0.1", proxyPort), millis);
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(s.getInputStream());
            out.write(new byte[] {0x05, 0x01, 0x00});
            out.flush();
            byte[] method = new byte[2];
            in.readFully(method);
            if (method[0] != 0x05 || method[1] != 0x00) {
                throw new IOException("SOCKS5 proxy refused the no-credentials method");
            }
            byte[] name = deviceId.getBytes(StandardCharsets.US_ASCII);
            byte[] req = new byte[7 + name.length];
            req[0] = 0x05;
            req[1] = 0x01;
            req[3] = 0x03;
            req[4] = (byte) name.length;
            System.arraycopy(name, 0, req, 5, name.length);
            req[5 + name.length] = (byte) (port >> 8);
            req[6 + name.length] = (byte) port;
            out.write(req);
            out.flush();
            byte[] head = new byte[4];
            in.readFully(head);
            if (head[1] != 0x00) {
                throw new Socks5Exception(head[1]);
            }
            int addr = switch (head[3]) {
                case 0x01 -> 4;
                case 0x04 -> 16;
                case 0x03 -> in.readUnsignedByte();
                default -> throw new IOException("SOCKS5 reply with address type " + head[3]);
            };
            in.readFully(new byte[addr + 2]);
            out.write(bytes);
            out.flush();
            byte[] echo = new byte[bytes.length];
            in.readFully(echo);
            if (!Arrays.equals(bytes, echo)) {
                throw new IOException("the echo differs from what was sent");
            }
        }
    }

    /** The proxy answered CONNECT with a failure code (0x04: device unreachable, ...). */
    static final class Socks5Exception extends IOException {
        Socks5Exception(int reply) {
            super("SOCKS5 CONNECT failed with reply 0x%02x".formatted(reply & 0xFF));
        }
    }
}
