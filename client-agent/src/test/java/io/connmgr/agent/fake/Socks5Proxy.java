package io.connmgr.agent.fake;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A tiny SOCKS5 proxy for tests (RFC 1928 CONNECT, RFC 1929 user/password): requires the configured user and
 * password, connects to the target and copies bytes both ways. Records every target as {@code host:port}.
 */
public final class Socks5Proxy implements AutoCloseable {
    private final ServerSocket server;
    private final String user;
    private final String password;
    private final List<String> targets = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    public Socks5Proxy(String user, String password) {
        this.user = user;
        this.password = password;
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread.ofVirtual().start(this::acceptLoop);
    }

    public int port() {
        return server.getLocalPort();
    }

    public List<String> targets() {
        return targets;
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
            DataInputStream in = new DataInputStream(client.getInputStream());
            OutputStream out = client.getOutputStream();
            in.readUnsignedByte(); // version 5
            byte[] methods = in.readNBytes(in.readUnsignedByte());
            boolean offersPassword = new String(methods, StandardCharsets.ISO_8859_1).indexOf(2) >= 0;
            if (!offersPassword) {
                out.write(new byte[]{5, (byte) 0xFF});
                client.close();
                return;
            }
            out.write(new byte[]{5, 2});
            in.readUnsignedByte(); // auth version 1
            String u = new String(in.readNBytes(in.readUnsignedByte()), StandardCharsets.UTF_8);
            String p = new String(in.readNBytes(in.readUnsignedByte()), StandardCharsets.UTF_8);
            if (!u.equals(user) || !p.equals(password)) {
                out.write(new byte[]{1, 1});
                client.close();
                return;
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
            int port = in.readUnsignedShort();
            targets.add(host + ":" + port);
            Socket target = new Socket();
            sockets.add(target);
            target.connect(new InetSocketAddress(host, port), 5000);
            out.write(new byte[]{5, 0, 0, 1, 0, 0, 0, 0, 0, 0});
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
