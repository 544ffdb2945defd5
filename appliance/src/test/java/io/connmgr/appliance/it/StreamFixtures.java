package io.connmgr.appliance.it;

import com.sun.net.httpserver.HttpServer;
import io.connmgr.appliance.auth.BackendAuthenticator;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** Local services for stream tests: an HTTP server, an echo server, a firehose; and back-end credentials. */
final class StreamFixtures {
    static final String BACKEND = "backend-1";
    static final String SECRET = "s3cret-token";

    private StreamFixtures() {
    }

    /** A back-end store of one: name and token in memory. */
    static BackendAuthenticator backends() {
        Map<String, String> tokens = Map.of(BACKEND, SECRET);
        return new BackendAuthenticator() {
            @Override
            public Optional<String> authenticate(String name, String token) {
                return SECRET.equals(tokens.get(name)) && token.equals(SECRET) ? Optional.of(name) : Optional.empty();
            }

            @Override
            public Optional<String> authenticateBearer(String token) {
                return Optional.empty();
            }
        };
    }

    static HttpServer http(String body) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        server.createContext("/", ex -> {
            ex.getResponseHeaders().add("Content-Type", "text/plain");
            ex.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return server;
    }

    /** Accepts connections and serves each on a virtual thread. */
    static final class Server implements AutoCloseable {
        final ServerSocket socket;
        final List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
        /** Bytes a firehose has written so far, all connections. */
        final java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();

        Server(java.util.function.Consumer<Socket> serve) throws IOException {
            socket = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket s = socket.accept();
                        accepted.add(s);
                        Thread.ofVirtual().start(() -> {
                            try (s) {
                                serve.accept(s);
                            } catch (IOException ignored) {
                                // the test closed it
                            }
                        });
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        int port() {
            return socket.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    static Server echo() throws IOException {
        return new Server(s -> {
            try {
                s.getInputStream().transferTo(s.getOutputStream());
                s.shutdownOutput();
            } catch (IOException ignored) {
                // peer went away
            }
        });
    }

    /** Writes {@code bytes} bytes to each connection, then closes. */
    static Server firehose(int bytes) throws IOException {
        Server[] self = new Server[1];
        self[0] = new Server(s -> {
            try {
                OutputStream out = s.getOutputStream();
                byte[] chunk = new byte[16 * 1024];
                for (int left = bytes; left > 0; left -= chunk.length) {
                    int n = Math.min(left, chunk.length);
                    out.write(chunk, 0, n);
                    self[0].written.addAndGet(n);
                }
                s.shutdownOutput();
                s.getInputStream().transferTo(OutputStream.nullOutputStream());
            } catch (IOException ignored) {
                // peer went away
            }
        });
        return self[0];
    }

    /**
     * A SOCKS5 CONNECT by hand, so tests see the exact reply codes. Returns the connected socket after a successful
     * reply; throws {@link SocksFailure} with the code otherwise.
     */
    static Socket socks(int proxyPort, String host, int port, String user, String password) throws IOException {
        Socket s = socksLogin(proxyPort, user, password);
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        req.writeBytes(new byte[]{5, 1, 0, 3, (byte) host.length()});
        req.writeBytes(host.getBytes(StandardCharsets.US_ASCII));
        req.write(port >> 8);
        req.write(port & 0xFF);
        s.getOutputStream().write(req.toByteArray());
        byte[] reply = new byte[10];
        new DataInputStream(s.getInputStream()).readFully(reply);
        if (reply[1] != 0) {
            s.close();
            throw new SocksFailure("connect", reply[1] & 0xFF);
        }
        return s;
    }

    /** A SOCKS5 connection past greeting and authentication, ready for its request. */
    static Socket socksAuthenticated(int proxyPort) throws IOException {
        return socksLogin(proxyPort, BACKEND, SECRET);
    }

    /** Greets with user/password authentication and logs in; {@link SocksFailure} (socket closed) if refused. */
    private static Socket socksLogin(int proxyPort, String user, String password) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", proxyPort), 5000);
        s.setSoTimeout(15_000);
        OutputStream out = s.getOutputStream();
        DataInputStream in = new DataInputStream(s.getInputStream());
        out.write(new byte[]{5, 1, 2});
        byte[] method = new byte[2];
        in.readFully(method);
        if (method[1] != 2) {
            s.close();
            throw new SocksFailure("method", method[1] & 0xFF);
        }
        ByteArrayOutputStream auth = new ByteArrayOutputStream();
        auth.write(1);
        auth.write(user.length());
        auth.writeBytes(user.getBytes(StandardCharsets.US_ASCII));
        auth.write(password.length());
        auth.writeBytes(password.getBytes(StandardCharsets.US_ASCII));
        out.write(auth.toByteArray());
        byte[] authReply = new byte[2];
        in.readFully(authReply);
        if (authReply[1] != 0) {
            s.close();
            throw new SocksFailure("auth", authReply[1] & 0xFF);
        }
        return s;
    }

    static final class SocksFailure extends IOException {
        final String phase;
        final int code;

        SocksFailure(String phase, int code) {
            super(phase + " failed with " + code);
            this.phase = phase;
            this.code = code;
        }
    }

    /** Skips the test, saying what to install, when a program it drives is missing. */
    static void assumeInstalled(String program) {
        boolean found = java.util.stream.Stream.of("/usr/bin/", "/bin/", "/usr/sbin/")
                .anyMatch(dir -> java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir + program)));
        org.junit.jupiter.api.Assumptions.assumeTrue(found,
                program + " is not installed; deploy/scripts/install-test-deps.sh installs it");
    }

    /** Runs a program and returns its standard output; fails the test on a timeout. */
    static Result run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", command));
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    record Result(int exit, String out) {
    }

    static byte[] readAll(InputStream in) throws IOException {
        return in.readAllBytes();
    }

    static List<String> args(String... a) {
        return new ArrayList<>(List.of(a));
    }
}
