package io.connmgr.agent.fake;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A tiny outbound proxy for tests, speaking HTTP CONNECT or SOCKS5 (RFC 1928 CONNECT, RFC 1929 user/password): runs
 * the protocol's handshake, connects to the target, answers success and copies bytes both ways. Records every target
 * as {@code host:port} and, for HTTP, every request line and Proxy-Authorization header it saw.
 */
public final class FakeProxy implements AutoCloseable {
    private static final byte[] HTTP_ESTABLISHED =
            "HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SOCKS5_SUCCEEDED = {5, 0, 0, 1, 0, 0, 0, 0, 0, 0};

    /** Where a client asked to go, and the bytes that tell it the tunnel is open. */
    private record Tunnel(String host, int port, byte[] established) {
    }

    /** Reads a client's request; null when the proxy refused it (the refusal already written). */
    private interface Handshake {
        Tunnel accept(FakeProxy proxy, InputStream in, OutputStream out) throws IOException;
    }

    private final ServerSocket server;
    private final Handshake handshake;
    private final List<String> targets = new CopyOnWriteArrayList<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    private FakeProxy(Handshake handshake) {
        this.handshake = handshake;
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread.ofVirtual().start(this::acceptLoop);
    }

    /** An HTTP CONNECT proxy that lets everyone through. */
    public static FakeProxy httpConnect() {
        return new FakeProxy((proxy, in, out) -> proxy.connectRequest(in));
    }

    /** A SOCKS5 proxy that requires this user and password. */
    public static FakeProxy socks5(String user, String password) {
        return new FakeProxy((proxy, in, out) -> socks5Request(new DataInputStream(in), out, user, password));
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Every target connected to, as {@code host:port}. */
    public List<String> targets() {
        return targets;
    }

    /** HTTP request lines, such as {@code CONNECT 127.0.0.1:7700 HTTP/1.1}. */
    public List<String> requests() {
        return requests;
    }

    /** HTTP Proxy-Authorization values, such as {@code Basic …}. */
    public List<String> authorizations() {
        return authorizations;
    }

    @Override
    public void close() {
        try {
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                sockets.add(client);
                Thread.ofVirtual().start(() -> serve(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try {
            OutputStream out = client.getOutputStream();
            Tunnel tunnel = handshake.accept(this, client.getInputStream(), out);
            if (tunnel == null) {
                client.close();
                return;
            }
            targets.add(tunnel.host() + ":" + tunnel.port());
            Socket target = new Socket();
            sockets.add(target);
            target.connect(new InetSocketAddress(tunnel.host(), tunnel.port()), 5000);
            out.write(tunnel.established());
            out.flush();
            Thread.ofVirtual().start(() -> copy(target, client));
            copy(client, target);
        } catch (IOException | RuntimeException e) {
            try {
                client.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private Tunnel connectRequest(InputStream in) throws IOException {
        String[] lines = readHead(in).split("\r\n");
        requests.add(lines[0]);
        for (String line : lines) {
            if (line.toLowerCase(Locale.ROOT).startsWith("proxy-authorization:")) {
                authorizations.add(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        String authority = lines[0].split(" ")[1];
        int colon = authority.lastIndexOf(':');
        return new Tunnel(authority.substring(0, colon), Integer.parseInt(authority.substring(colon + 1)),
                HTTP_ESTABLISHED);
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("end of stream in the request head");
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    private static Tunnel socks5Request(DataInputStream in, OutputStream out, String user, String password)
            throws IOException {
        in.readUnsignedByte(); // version 5
        byte[] methods = in.readNBytes(in.readUnsignedByte());
        boolean offersPassword = new String(methods, StandardCharsets.ISO_8859_1).indexOf(2) >= 0;
        if (!offersPassword) {
            out.write(new byte[]{5, (byte) 0xFF});
            return null;
        }
        out.write(new byte[]{5, 2});
        in.readUnsignedByte(); // auth version 1
        String u = new String(in.readNBytes(in.readUnsignedByte()), StandardCharsets.UTF_8);
        String p = new String(in.readNBytes(in.readUnsignedByte()), StandardCharsets.UTF_8);
        if (!u.equals(user) || !p.equals(password)) {
            out.write(new byte[]{1, 1});
            return null;
        }
        out.write(new byte[]{1, 0});
        in.readUnsignedByte(); // version
        in.readUnsignedByte(); // command: CONNECT
        in.readUnsignedByte(); // reserved
        String host = switch (in.readUnsignedByte()) {
            case 1 -> InetAddress.getByAddress(in.readNBytes(4)).getHostAddress();
            case 3 -> new String(in.readNBytes(in.readUnsignedByte()), StandardCharsets.UTF_8);
            case 4 -> InetAddress.getByAddress(in.readNBytes(16)).getHostAddress();
            default -> throw new IOException("bad address type");
        };
        return new Tunnel(host, in.readUnsignedShort(), SOCKS5_SUCCEEDED);
    }

    private static void copy(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
            to.shutdownOutput();
        } catch (IOException e) {
            try {
                to.close();
                from.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
