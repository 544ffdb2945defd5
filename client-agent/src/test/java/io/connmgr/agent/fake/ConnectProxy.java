package io.connmgr.agent.fake;

import java.io.ByteArrayOutputStream;
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
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A tiny HTTP CONNECT proxy for tests: reads the request head, connects to the target, answers 200 and copies bytes
 * both ways. Records every request line and Proxy-Authorization header it saw.
 */
public final class ConnectProxy implements AutoCloseable {
    private final ServerSocket server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    public ConnectProxy() {
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

    /** Request lines, such as {@code CONNECT 127.0.0.1:7700 HTTP/1.1}. */
    public List<String> requests() {
        return requests;
    }

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
            InputStream in = client.getInputStream();
            String head = readHead(in);
            String[] lines = head.split("\r\n");
            requests.add(lines[0]);
            for (String line : lines) {
                if (line.toLowerCase().startsWith("proxy-authorization:")) {
                    authorizations.add(line.substring(line.indexOf(':') + 1).trim());
                }
            }
            String[] parts = lines[0].split(" ");
            int colon = parts[1].lastIndexOf(':');
            Socket target = new Socket();
            sockets.add(target);
            target.connect(new InetSocketAddress(parts[1].substring(0, colon),
                    Integer.parseInt(parts[1].substring(colon + 1))), 5000);
            OutputStream out = client.getOutputStream();
            out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
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
