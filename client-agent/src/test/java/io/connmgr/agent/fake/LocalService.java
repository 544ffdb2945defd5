package io.connmgr.agent.fake;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A real TCP service on loopback for the agent to connect to, on plain blocking sockets and virtual threads: an echo
 * server that half-closes after its client did, a sink that reads only once {@link #resume() resumed}, or a source
 * that writes a payload and half-closes. Records what every connection sent it.
 */
public final class LocalService implements AutoCloseable {

    /** One accepted connection. */
    public static final class Peer {
        public final Socket socket;
        private final ByteArrayOutputStream in = new ByteArrayOutputStream();
        private volatile boolean ended;
        private volatile boolean reset;

        Peer(Socket socket) {
            this.socket = socket;
        }

        public synchronized byte[] received() {
            return in.toByteArray();
        }

        /** The peer's input ended (end of stream or a reset). */
        public boolean ended() {
            return ended;
        }

        /** The input ended with a connection reset rather than an orderly end of stream. */
        public boolean reset() {
            return reset;
        }

        synchronized void add(byte[] b, int n) {
            in.write(b, 0, n);
        }
    }

    private enum Kind { ECHO, SINK, SOURCE }

    private final ServerSocket server;
    private final Kind kind;
    private final byte[] payload;
    private final CountDownLatch resumed = new CountDownLatch(1);
    private final List<Peer> peers = new CopyOnWriteArrayList<>();

    private LocalService(Kind kind, byte[] payload, int receiveBuffer) {
        this.kind = kind;
        this.payload = payload;
        try {
            server = new ServerSocket();
            if (receiveBuffer > 0) {
                server.setReceiveBufferSize(receiveBuffer); // inherited by accepted sockets
            }
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread.ofVirtual().start(this::acceptLoop);
    }

    public static LocalService echo() {
        return new LocalService(Kind.ECHO, null, 0);
    }

    /** Accepts but reads nothing until {@link #resume()}; a small receive buffer makes it stall sooner. */
    public static LocalService sink(int receiveBuffer) {
        return new LocalService(Kind.SINK, null, receiveBuffer);
    }

    /** Writes {@code payload}, half-closes, then reads until the end. */
    public static LocalService source(byte[] payload) {
        return new LocalService(Kind.SOURCE, payload, 0);
    }

    public int port() {
        return server.getLocalPort();
    }

    public List<Peer> peers() {
        return peers;
    }

    public void resume() {
        resumed.countDown();
    }

    /** A port nothing listens on (bound, then closed at once). */
    public static int closedPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Peer p : peers) {
            try {
                p.socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Peer peer = new Peer(s);
                peers.add(peer);
                Thread.ofVirtual().start(() -> serve(peer));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Peer peer) {
        try (Socket s = peer.socket) {
            if (kind == Kind.SOURCE) {
                s.getOutputStream().write(payload);
                s.shutdownOutput();
            }
            if (kind == Kind.SINK) {
                resumed.await();
            }
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) >= 0) {
                peer.add(buf, n);
                if (kind == Kind.ECHO) {
                    s.getOutputStream().write(buf, 0, n);
                }
            }
            if (kind == Kind.ECHO) {
                s.shutdownOutput();
            }
            peer.ended = true;
            // Keep the socket open until the other side closes too, so a half-close stays a half-close.
            while (in.read() >= 0) {
                // nothing more is expected
            }
        } catch (IOException e) {
            peer.reset = true;
            peer.ended = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
