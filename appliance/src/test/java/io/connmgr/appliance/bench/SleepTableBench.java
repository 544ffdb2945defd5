package io.connmgr.appliance.bench;

import ch.qos.logback.classic.Level;
import io.connmgr.appliance.tier.sleep.ChannelParking;
import io.connmgr.appliance.tier.sleep.SleepLoop;
import io.connmgr.appliance.tier.sleep.SleepLoopOptions;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.util.concurrent.Future;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.LoggerFactory;

/**
 * Measures the sleep tier at scale: memory per parked connection and CPU per PING answered.
 *
 * <p>The server side (this process) accepts N connections with Netty native epoll, measures the live heap while
 * Netty holds them, detaches and parks them all, and measures again. The client sockets live in a child process
 * (the same class with {@code client} as first argument) because both ends of 15,000 connections would exceed the
 * 20,000-descriptor limit of one process. Clients bind to source addresses spread over 127.0.x.y.
 *
 * <p>Usage: {@code SleepTableBench [connections=15000] [pingRounds=10]}; run with
 * {@code -XX:+UseCompactObjectHeaders --enable-native-access=ALL-UNNAMED}.
 */
public final class SleepTableBench {
    private static final byte[] PING = {0x05, 0, 0, 0};
    private static final byte[] PONG = {0x06, 0, 0, 0};
    private static final PrintStream OUT = System.out;

    private SleepTableBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("client")) {
            Client.run(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            return;
        }
        int connections = args.length > 0 ? Integer.parseInt(args[0]) : 15_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(Level.WARN);
        new Server(connections, rounds).run();
    }

    /** This process: Netty acceptor, sleep loop, measurements. */
    private static final class Server {
        private final int connections;
        private final int rounds;
        private final Queue<EpollSocketChannel> accepted = new ConcurrentLinkedQueue<>();
        private final AtomicInteger peerClosed = new AtomicInteger();
        private final AtomicInteger woken = new AtomicInteger();

        Server(int connections, int rounds) {
            this.connections = connections;
            this.rounds = rounds;
        }

        void run() throws Exception {
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
            Channel server = new ServerBootstrap()
                    .group(group)
                    .channel(EpollServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childHandler(new ChannelInitializer<EpollSocketChannel>() {
                        @Override
                        protected void initChannel(EpollSocketChannel ch) {
                            accepted.add(ch);
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            SleepLoop loop = new SleepLoop(
                    new SleepLoopOptions(PING, PONG, 1024, connections + 1024, 512, Duration.ofSeconds(1)),
                    new SleepLoop.Listener() {
                        @Override
                        public void onWake(int fd, long deviceKey, byte[] pending) {
                            woken.incrementAndGet();
                        }

                        @Override
                        public void onClosed(long deviceKey, SleepLoop.CloseCause cause) {
                            if (cause == SleepLoop.CloseCause.PEER_CLOSED) {
                                peerClosed.incrementAndGet();
                            }
                        }
                    }, InstantSource.system());
            loop.start();

            long baseline = liveHeap();
            java.util.Map<String, Long> baselineHistogram = histogram();
            Process child = startClient(port);
            BufferedReader childOut = new BufferedReader(
                    new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII));
            PrintStream childIn = new PrintStream(child.getOutputStream(), true, StandardCharsets.US_ASCII);
            expect(childOut, "CONNECTED");
            waitFor(() -> accepted.size() == connections, "all connections accepted");
            long heldByNetty = liveHeap();

            List<Future<Integer>> detaching = new ArrayList<>(connections);
            for (EpollSocketChannel ch : accepted) {
                detaching.add(ChannelParking.detach(ch));
            }
            accepted.clear();
            long key = 0;
            for (Future<Integer> fd : detaching) {
                if (!loop.park(fd.get(10, TimeUnit.SECONDS), key++, TimeUnit.HOURS.toMillis(1))) {
                    throw new IllegalStateException("park refused at " + key);
                }
            }
            detaching = null;
            long parked = liveHeap();
            java.util.Map<String, Long> parkedHistogram = histogram();
            printGrowth("baseline -> parked", baselineHistogram, parkedHistogram);

            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long loopThreadId = loopThreadId();
            long cpuBefore = threads.getThreadCpuTime(loopThreadId);
            long userBefore = threads.getThreadUserTime(loopThreadId);
            long pingsBefore = loop.pingsAnswered();
            childIn.println("BURST");
            String burst = expect(childOut, "DONE");
            long burstCpu = threads.getThreadCpuTime(loopThreadId) - cpuBefore;
            long burstUser = threads.getThreadUserTime(loopThreadId) - userBefore;
            long burstPings = loop.pingsAnswered() - pingsBefore;

            cpuBefore = threads.getThreadCpuTime(loopThreadId);
            userBefore = threads.getThreadUserTime(loopThreadId);
            pingsBefore = loop.pingsAnswered();
            childIn.println("SERIAL");
            String serial = expect(childOut, "DONE");
            long serialCpu = threads.getThreadCpuTime(loopThreadId) - cpuBefore;
            long serialUser = threads.getThreadUserTime(loopThreadId) - userBefore;
            long serialPings = loop.pingsAnswered() - pingsBefore;

            OUT.printf("connections                         %d%n", connections);
            OUT.printf("sleep table bytes                   %d (%.1f per parked connection)%n",
                    loop.tableBytes(), (double) loop.tableBytes() / connections);
            OUT.printf("live heap, baseline                 %d%n", baseline);
            OUT.printf("live heap, held by Netty            %d (+%.0f per connection)%n",
                    heldByNetty, (double) (heldByNetty - baseline) / connections);
            OUT.printf("live heap, parked                   %d (+%.1f per connection)%n",
                    parked, (double) (parked - baseline) / connections);
            OUT.printf("burst: %d pings (%d rounds, all sockets then all replies), client %s%n",
                    burstPings, rounds, burst);
            printCpu(burstCpu, burstUser, burstPings);
            OUT.printf("serial: %d pings (one round trip at a time), client %s%n", serialPings, serial);
            printCpu(serialCpu, serialUser, serialPings);
            OUT.printf("wakes during the run                %d%n", woken.get());

            childIn.println("CLOSE");
            child.waitFor(60, TimeUnit.SECONDS);
            waitFor(() -> loop.size() == 0, "every parked socket to report the peer's close");
            long afterClose = liveHeap();
            printGrowth("all closed -> parked", histogram(), parkedHistogram);
            OUT.printf("peer closes reported                %d, table size now %d%n", peerClosed.get(), loop.size());
            // Same loaded classes and grown arrays, no connections: the difference is per-connection objects.
            OUT.printf("live heap, all closed               %d (parked minus this: %.1f per connection)%n",
                    afterClose, (double) (parked - afterClose) / connections);
            loop.close();
            server.close().sync();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }

        /** Bytes per class from the JVM's class histogram (live objects: it runs a full GC first). */
        private static java.util.Map<String, Long> histogram() throws Exception {
            if (!Boolean.getBoolean("bench.histogram")) {
                return java.util.Map.of();
            }
            String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "gcClassHistogram", new Object[] {null}, new String[] {String[].class.getName()});
            java.util.Map<String, Long> bytes = new java.util.HashMap<>();
            for (String line : text.split("\n")) {
                String[] cols = line.trim().split("\\s+");
                if (cols.length >= 4 && cols[0].endsWith(":")) {
                    bytes.put(cols[3], Long.parseLong(cols[2]));
                }
            }
            return bytes;
        }

        private static void printGrowth(String title, java.util.Map<String, Long> before,
                                        java.util.Map<String, Long> after) {
            if (!after.isEmpty()) {
                OUT.println("class histogram growth, " + title);
            }
            after.entrySet().stream()
                    .map(e -> java.util.Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                    .filter(e -> e.getValue() > 0)
                    .sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed())
                    .limit(15)
                    .forEach(e -> OUT.printf("  heap growth %10d  %s%n", e.getValue(), e.getKey()));
        }

        private static void printCpu(long cpuNanos, long userNanos, long pings) {
            OUT.printf("  sleep-loop CPU                    %.1f ms: %.2f us per PING (user %.2f, kernel %.2f)%n",
                    cpuNanos / 1e6, cpuNanos / 1e3 / pings, userNanos / 1e3 / pings,
                    (cpuNanos - userNanos) / 1e3 / pings);
        }

        private Process startClient(int port) throws IOException {
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            return new ProcessBuilder(java.toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                    SleepTableBench.class.getName(), "client", Integer.toString(port),
                    Integer.toString(connections), Integer.toString(rounds))
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
        }

        private static long loopThreadId() {
            return Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("sleep-loop"))
                    .findFirst().orElseThrow().threadId();
        }

        /** Live heap after full collections; repeated until two readings agree within 64 KB. */
        private static long liveHeap() {
            long previous = Long.MAX_VALUE;
            for (int i = 0; i < 10; i++) {
                System.gc();
                long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                if (Math.abs(previous - used) < 64 * 1024) {
                    return used;
                }
                previous = used;
            }
            return previous;
        }

        private static String expect(BufferedReader in, String prefix) throws IOException {
            String line = in.readLine();
            if (line == null || !line.startsWith(prefix)) {
                throw new IllegalStateException("client said " + line + ", expected " + prefix);
            }
            return line.substring(prefix.length()).trim();
        }

        private static void waitFor(java.util.function.BooleanSupplier condition, String what)
                throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!condition.getAsBoolean()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("timed out waiting for " + what);
                }
                Thread.sleep(10);
            }
        }
    }

    /** Child process: holds the client sockets and sends the pings on command from its stdin. */
    private static final class Client {
        static void run(int port, int connections, int rounds) throws IOException {
            InetSocketAddress target = new InetSocketAddress("127.0.0.1", port);
            SocketChannel[] sockets = new SocketChannel[connections];
            for (int i = 0; i < connections; i++) {
                SocketChannel socket = SocketChannel.open();
                socket.bind(new InetSocketAddress("127.0." + (1 + i / 250) + "." + (1 + i % 250), 0));
                socket.connect(target);
                sockets[i] = socket;
            }
            OUT.println("CONNECTED");
            BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
            ByteBuffer ping = ByteBuffer.wrap(PING);
            ByteBuffer reply = ByteBuffer.allocate(PONG.length);
            String command;
            while ((command = commands.readLine()) != null) {
                long start = System.nanoTime();
                switch (command) {
                    case "BURST" -> {
                        for (int r = 0; r < rounds; r++) {
                            for (SocketChannel socket : sockets) {
                                write(socket, ping);
                            }
                            for (SocketChannel socket : sockets) {
                                expectPong(socket, reply);
                            }
                        }
                        OUT.printf("DONE %.0f ms%n", (System.nanoTime() - start) / 1e6);
                    }
                    case "SERIAL" -> {
                        for (SocketChannel socket : sockets) {
                            write(socket, ping);
                            expectPong(socket, reply);
                        }
                        OUT.printf("DONE %.0f ms%n", (System.nanoTime() - start) / 1e6);
                    }
                    case "CLOSE" -> {
                        for (SocketChannel socket : sockets) {
                            socket.close();
                        }
                        return;
                    }
                    default -> throw new IllegalArgumentException(command);
                }
            }
        }

        private static void write(SocketChannel socket, ByteBuffer bytes) throws IOException {
            bytes.rewind();
            while (bytes.hasRemaining()) {
                socket.write(bytes);
            }
        }

        private static void expectPong(SocketChannel socket, ByteBuffer reply) throws IOException {
            reply.clear();
            while (reply.hasRemaining()) {
                if (socket.read(reply) < 0) {
                    throw new IOException("server closed a sleeping connection");
                }
            }
            if (!Arrays.equals(reply.array(), PONG)) {
                throw new IOException("expected PONG, got " + Arrays.toString(reply.array()));
            }
        }
    }
}
