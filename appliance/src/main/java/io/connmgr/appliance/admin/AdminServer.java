package io.connmgr.appliance.admin;

import io.connmgr.appliance.transport.tls.ApplianceTls;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The appliance's admin HTTP API: health and readiness probes, Prometheus metrics, and the device endpoints under
 * {@code /v1}. Runs on an event loop group owned by the caller; directory calls run on a small worker pool of its own
 * so that a slow store read never stalls an event loop.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    /** Directory calls are short store reads; a few threads keep the API responsive without competing with devices. */
    private static final int WORKER_THREADS = 4;
    private static final int WORKER_QUEUE = 256;

    private final AdminOptions options;
    private final EventLoopGroup group;
    private final Class<? extends ServerChannel> serverChannelClass;
    private final ThreadPoolExecutor workers;
    private final ChannelGroup connections = new DefaultChannelGroup("admin-connections", GlobalEventExecutor.INSTANCE);
    private final AdminChannelInitializer initializer;
    private Channel serverChannel;

    public AdminServer(AdminOptions options, DeviceDirectory directory, PrometheusMeterRegistry registry,
                       EventLoopGroup group, Class<? extends ServerChannel> serverChannelClass) {
        this(options, directory, registry, group, serverChannelClass, null);
    }

    /** @param backendApi the back-end endpoints and back-end bearer tokens; null for none */
    public AdminServer(AdminOptions options, DeviceDirectory directory, PrometheusMeterRegistry registry,
                       EventLoopGroup group, Class<? extends ServerChannel> serverChannelClass,
                       BackendApi backendApi) {
        this(options, directory, registry, group, serverChannelClass, backendApi, null, null);
    }

    /**
     * @param credentials fleet key rotation, device revocation and the admin failure limit; null for none
     * @param tls         the appliance's TLS: its reload endpoint, and HTTPS when {@code admin-tls} is on; null for
     *                    none
     */
    public AdminServer(AdminOptions options, DeviceDirectory directory, PrometheusMeterRegistry registry,
                       EventLoopGroup group, Class<? extends ServerChannel> serverChannelClass,
                       BackendApi backendApi, CredentialApi credentials, ApplianceTls tls) {
        this.options = Objects.requireNonNull(options, "options");
        this.group = Objects.requireNonNull(group, "group");
        this.serverChannelClass = Objects.requireNonNull(serverChannelClass, "serverChannelClass");
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(registry, "registry");
        this.workers = new ThreadPoolExecutor(WORKER_THREADS, WORKER_THREADS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(WORKER_QUEUE), workerThreads());
        this.workers.allowCoreThreadTimeOut(true);
        Router router = AdminRoutes.create(options, directory, registry, backendApi, credentials,
                tls == null ? null : tls::reload);
        BearerAuth auth = new BearerAuth(options.adminToken(),
                backendApi == null ? token -> java.util.Optional.empty() : backendApi.backends()::authenticateBearer,
                credentials == null ? null : credentials.adminFailures());
        this.initializer = new AdminChannelInitializer(router, auth, workers,
                new ResponseWriter(new AdminRequestMetrics(registry)), options.maxRequestBytes(),
                options.requestTimeout(), connections);
        if (tls != null && tls.config().admin()) {
            initializer.tls(tls);
        }
    }

    /**
     * Binds the listening socket.
     *
     * @throws IllegalStateException when the address cannot be bound (e.g. the port is taken), naming address and cause
     */
    public synchronized void start() throws InterruptedException {
        if (serverChannel != null) {
            throw new IllegalStateException("admin API already started");
        }
        ChannelFuture bound = new ServerBootstrap()
                .group(group)
                .channel(serverChannelClass)
                .option(ChannelOption.SO_BACKLOG, 128)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                // A client that does not read its responses makes the channel unwritable; the dispatcher then stops
                // reading its requests (AdminDispatcher), so these marks bound what waits for it.
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, io.netty.channel.WriteBufferWaterMark.DEFAULT)
                .childHandler(initializer)
                .bind(options.bindAddress(), options.port())
                .await();
        if (!bound.isSuccess()) {
            Throwable cause = bound.cause();
            throw new IllegalStateException("admin API cannot listen on " + options.bindAddress() + ":"
                    + options.port() + ": " + cause.getMessage()
                    + " (is another process using the port? set a different admin port)", cause);
        }
        serverChannel = bound.channel();
        log.info("admin API listening on {}", serverChannel.localAddress());
    }

    /** The bound port; differs from the options when they asked for port 0. */
    public synchronized int port() {
        if (serverChannel == null) {
            throw new IllegalStateException("admin API not started");
        }
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** Stops listening, closes open admin connections and stops the worker pool. The event loop group stays up. */
    @Override
    public synchronized void close() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
            serverChannel = null;
        }
        connections.close().awaitUninterruptibly();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(5, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadFactory workerThreads() {
        AtomicInteger counter = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, "admin-worker-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
