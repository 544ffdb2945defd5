package io.connmgr.appliance;

import io.connmgr.appliance.admin.AdminOptions;
import io.connmgr.appliance.admin.AdminServer;
import io.connmgr.appliance.admission.AdmissionControl;
import io.connmgr.appliance.admin.BackendApi;
import io.connmgr.appliance.admin.CredentialApi;
import io.connmgr.appliance.auth.BackendAuthenticator;
import io.connmgr.appliance.auth.DeviceAuthenticator;
import io.connmgr.appliance.backend.BackendRegistry;
import io.connmgr.appliance.backend.DirectAddressBook;
import io.connmgr.appliance.backend.DirectReachability;
import io.connmgr.appliance.stream.DirectFirst;
import io.connmgr.appliance.messaging.MessagingService;
import io.connmgr.appliance.messaging.UplinkBus;
import io.connmgr.appliance.messaging.UplinkJournalWriter;
import io.connmgr.appliance.messaging.UplinkGate;
import io.connmgr.appliance.messaging.WebhookForwarder;
import io.connmgr.appliance.rpc.RpcService;
import io.connmgr.appliance.store.MessageStore;
import io.connmgr.appliance.auth.Credentials;
import io.connmgr.appliance.auth.RevokedSessionCheck;
import io.connmgr.appliance.auth.SecretFiles;
import io.connmgr.appliance.config.ApplianceConfig;
import io.connmgr.appliance.control.BackendGateway;
import io.connmgr.appliance.control.ServiceGateway;
import io.connmgr.appliance.control.ControlMetrics;
import io.connmgr.appliance.control.ControlOptions;
import io.connmgr.appliance.control.ControlServer;
import io.connmgr.appliance.devicelink.DeviceLinkInitializer;
import io.connmgr.appliance.devicelink.DeviceLinkPipelines;
import io.connmgr.appliance.devicelink.HandshakeService;
import io.connmgr.appliance.metrics.ApplianceMetrics;
import io.connmgr.appliance.proxy.ProxyServer;
import io.connmgr.appliance.transport.proxyprotocol.ProxyProtocolPolicies;
import io.connmgr.appliance.stream.StreamService;
import io.connmgr.appliance.session.TimeSource;
import io.connmgr.appliance.session.UplinkSink;
import io.connmgr.appliance.store.ApplianceStore;
import io.connmgr.appliance.store.StoreOptions;
import io.connmgr.appliance.store.rocksdb.RocksDbStore;
import io.connmgr.appliance.tier.ConnectionManager;
import io.connmgr.appliance.tier.PressureMonitor;
import io.connmgr.appliance.tier.sleep.SleepLoop;
import io.connmgr.appliance.tier.sleep.SleepLoopOptions;
import io.connmgr.appliance.transport.Transport;
import io.connmgr.appliance.transport.tls.ApplianceTls;
import io.connmgr.appliance.config.TlsConfig;
import java.util.function.Supplier;
import io.connmgr.protocol.wire.Wire;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.function.UnaryOperator;
import java.nio.file.Files;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One appliance: store, device listener, sleep loop, tier timers and admin API, started and drained in order.
 */
public final class Appliance implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Appliance.class);
    private static final int SLEEP_TABLE_INITIAL_CAPACITY = 1024;
    private static final int SLEEP_READ_BUFFER_BYTES = 512;
    private static final long MESSAGE_SWEEP_SECONDS = 30;

    private final ApplianceConfig config;
    private final ApplianceMetrics metrics;
    private final TimeSource time;
    private final UplinkSink uplinkSink;
    private ApplianceStore store;
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private EventLoopGroup adminGroup;
    private ExecutorService storeReads;
    private ExecutorService sessionWrites;
    private ScheduledExecutorService timers;
    private SleepLoop sleepLoop;
    private ConnectionManager manager;
    private AdminServer admin;
    private Credentials credentials;
    private BackendRegistry backends;
    private MessagingService messaging;
    private RpcService rpc;
    private final UplinkBus uplinkBus = new UplinkBus();
    private WebhookForwarder webhook;
    private UplinkJournalWriter uplinkJournal;
    private UnaryOperator<MessageStore> messageStoreDecorator = UnaryOperator.identity();
    private UnaryOperator<ApplianceStore> sessionStoreDecorator = UnaryOperator.identity();
    private Channel deviceListener;
    /** Null until start: then the back-end registry, unless a test gave its own. */
    private BackendAuthenticator backendAuthenticator;
    private StreamService streams;
    private ProxyServer proxy;
    private DirectAddressBook directAddresses;
    private DirectFirst directFirst;
    private ControlServer control;
    /** Null until start: then the appliance's own services, unless a test gave its own. */
    private BackendGateway backendGateway;
    private volatile boolean ready;
    private volatile boolean stopped;
    // ---- TLS (docs/security.md): null when no listener speaks it
    private ApplianceTls tls;
    private Supplier<TlsConfig> tlsSettings;
    private Channel deviceTlsListener;

    public Appliance(ApplianceConfig config) {
        this(config, new ApplianceMetrics(), TimeSource.SYSTEM, UplinkSink.DISCARD);
    }

    public Appliance(ApplianceConfig config, ApplianceMetrics metrics, TimeSource time, UplinkSink uplinkSink) {
        this.config = config;
        this.metrics = metrics;
        this.time = time;
        this.uplinkSink = uplinkSink;
        uplinkBus.subscribe(uplinkSink);
    }

    /** Wraps the message store before use; tests use it to observe or hold its writes. Call before start. */
    public Appliance withMessageStore(UnaryOperator<MessageStore> decorator) {
        this.messageStoreDecorator = decorator;
        return this;
    }

    /**
     * Wraps the store as the connection manager sees it (sessions saved for sleep, read on wake); tests use it to
     * observe or hold session writes. Call before start.
     */
    public Appliance withSessionStore(UnaryOperator<ApplianceStore> decorator) {
        this.sessionStoreDecorator = decorator;
        return this;
    }

    /**
     * Checks back-end credentials for the proxy listener and the control channel instead of the appliance's own
     * back-end registry (tests). Before {@link #start()}.
     */
    public Appliance backendAuthenticator(BackendAuthenticator authenticator) {
        this.backendAuthenticator = authenticator;
        return this;
    }

    /**
     * What the back-end control channel serves and whom it admits instead of the appliance's own services (tests);
     * call before {@link #start()}.
     */
    public Appliance withControlChannel(BackendGateway gateway, BackendAuthenticator authenticator) {
        this.backendGateway = gateway;
        this.backendAuthenticator = authenticator;
        return this;
    }

    /**
     * Where a TLS reload reads the TLS settings again (the configuration file, from {@link ApplianceMain}); without
     * it a reload reads only the files named at start. Call before {@link #start()}.
     */
    public Appliance withTlsSettings(Supplier<TlsConfig> settings) {
        this.tlsSettings = settings;
        return this;
    }

    /** Reads the TLS certificate, key and CA again (SIGHUP, POST /v1/admin/tls/reload); null without TLS. */
    public ApplianceTls.Reload reloadTls() {
        return tls == null ? null : tls.reload();
    }

    public Appliance start() throws InterruptedException {
        try {
            Files.createDirectories(config.dataDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create data dir " + config.dataDir() + ": " + e.getMessage(), e);
        }
        store = RocksDbStore.open(config.dataDir().resolve("store"),
                new StoreOptions(config.storeMoveAsideIfCorrupt(), config.storeCacheSize(),
                        StoreOptions.DEFAULT_SESSION_WRITE_BUFFER_BYTES), metrics.meterRegistry());
        credentials = Credentials.open(config, time, metrics.meterRegistry());
        String adminToken = SecretFiles.adminToken(config.dataDir());

        Transport transport = Transport.detect();
        bossGroup = transport.newGroup(1, "device-accept");
        workerGroup = transport.newGroup(config.ioThreads(), "device-io");
        adminGroup = transport.newGroup(1, "admin-io");
        storeReads = Executors.newFixedThreadPool(4, new DefaultThreadFactory("store-read", true));
        sessionWrites = Executors.newSingleThreadExecutor(new DefaultThreadFactory("store-write", true));
        timers = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("tier-timers", true));

        SleepLoopForwarder forwarder = new SleepLoopForwarder();
        if (transport.isEpoll() && config.sleepEnabled()) {
            sleepLoop = new SleepLoop(new SleepLoopOptions(Wire.ping(), Wire.pong(), SLEEP_TABLE_INITIAL_CAPACITY,
                    config.sleepMaxEntries(), SLEEP_READ_BUFFER_BYTES, Duration.ofSeconds(1)),
                    forwarder, InstantSource.system());
            metrics.bindSleepLoop(sleepLoop);
        }
        uplinkJournal = new UplinkJournalWriter(store.uplinks(), uplinkBus, time, config.messaging().webhookBacklog(),
                metrics.meterRegistry());
        manager = new ConnectionManager(config, sessionStoreDecorator.apply(store), sleepLoop, workerGroup, storeReads,
                sessionWrites, metrics, time, new PressureMonitor(config.pressureHeapPercent(),
                config.pressureMaxAwake()), timers, uplinkJournal);
        forwarder.target = manager;
        manager.addObserver(new RevokedSessionCheck(credentials.revocations(), manager::revoke));
        manager.recoverSessions();
        directAddresses = new DirectAddressBook(store, InstantSource.system()).load();
        backends = new BackendRegistry(store.backends(), time);
        if (backendAuthenticator == null) {
            backendAuthenticator = backends;
        }
        messaging = new MessagingService(config.messaging(), config.maxFrameSize(),
                messageStoreDecorator.apply(store.messages()), manager, time, metrics.meterRegistry());
        messaging.recover();
        manager.addObserver(messaging);
        rpc = new RpcService(config.messaging(), config.maxFrameSize(), manager, timers, metrics.meterRegistry());
        manager.addObserver(rpc);
        if (!config.messaging().webhookUrl().isEmpty()) {
            webhook = new WebhookForwarder(URI.create(config.messaging().webhookUrl()), uplinkJournal,
                    config.messaging().webhookMaxAttempts(), metrics.meterRegistry()).start();
        }
        DeviceLinkPipelines pipelines = new DeviceLinkPipelines(manager,
                new HandshakeService(new DeviceAuthenticator(credentials.fleetKeys(), store,
                        credentials.revocations()), store, directAddresses, credentials.deviceFailures()), metrics,
                storeReads, time, config.maxFrameSize(), config.handshakeTimeout().toMillis(),
                AdmissionControl.create(config.admission(), config.maxPendingHandshakes(), time,
                        metrics.meterRegistry()));
        manager.attachPipelines(pipelines);
        // Backpressure and caps: appliance-wide message limits, and devices paused while uplink subscribers are behind.
        messaging.limitTotals(config.backpressure().messageQueueMaxTotal(), config.backpressure().messageStorePendingMax());
        pipelines.attachUplinkGate(new UplinkGate(uplinkJournal::behind, metrics.meterRegistry()));
        streams = new StreamService(manager, storeReads, metrics, StreamService.Options.of(config, transport.isEpoll()));
        DirectReachability reachability = new DirectReachability(manager, store,
                config.messaging().directFailThreshold(), metrics.meterRegistry());
        directFirst = new DirectFirst(streams, directAddresses, reachability, store,
                config.messaging().directConnectTimeout(), config.messaging().directNetworks(), metrics.meterRegistry());
        if (backendGateway == null) {
            backendGateway = new ServiceGateway(config, manager, messaging, rpc, uplinkBus, storeReads,
                    InstantSource.system(), streams, adminGroup);
        }
        manager.addObserver(streams);
        pipelines.attachStreams(streams);
        if (config.tls().anyListener()) {
            try {
                tls = new ApplianceTls(tlsSettings != null ? tlsSettings : config::tls, config.handshakeTimeout(),
                        metrics.meterRegistry());
            } catch (IllegalStateException e) {
                close();
                throw e;
            }
            pipelines.attachCertificateIdentity(tls::deviceIdentity);
        }
        if (sleepLoop != null) {
            sleepLoop.start();
        }

        // PROXY protocol: each listener takes a header from the balancers it trusts, within the handshake deadline.
        ProxyProtocolPolicies proxyProtocol = ProxyProtocolPolicies.of(config.proxyProtocol(),
                config.handshakeTimeout(), metrics.meterRegistry());
        ServerBootstrap b = new ServerBootstrap().group(bossGroup, workerGroup)
                .channel(transport.serverChannelClass())
                .childHandler(new DeviceLinkInitializer(pipelines, metrics)
                        .withProxyProtocol(proxyProtocol.device()));
        transport.configureDeviceListener(b, config);
        try {
            deviceListener = b.bind(config.bindAddress(), config.devicePort()).sync().channel();
        } catch (Exception e) {
            close();
            throw new IllegalStateException("cannot listen for devices on " + config.bindAddress() + ":"
                    + config.devicePort() + ": " + e.getMessage(), e);
        }
        if (config.tls().devicePort() >= 0) {
            ServerBootstrap tb = new ServerBootstrap().group(bossGroup, workerGroup)
                    .channel(transport.serverChannelClass())
                    .childHandler(new DeviceLinkInitializer(pipelines, metrics, tls));
            transport.configureDeviceListener(tb, config);
            try {
                deviceTlsListener = tb.bind(config.bindAddress(), config.tls().devicePort()).sync().channel();
            } catch (Exception e) {
                close();
                throw new IllegalStateException("cannot listen for devices over TLS on " + config.bindAddress() + ":"
                        + config.tls().devicePort() + ": " + e.getMessage(), e);
            }
        }

        admin = new AdminServer(new AdminOptions(config.adminBindAddress(), config.adminPort(), adminToken,
                Math.max(AdminOptions.DEFAULT_MAX_REQUEST_BYTES, config.maxFrameSize()))
                .withRequestTimeout(config.adminRequestTimeout()),
                // not ready while the store cannot write (disk full, I/O error): see RocksDbStore.writable
                new DeviceDirectoryService(manager, store, config,
                        () -> ready && !(store instanceof RocksDbStore rocks && !rocks.writable())), metrics.registry(),
                adminGroup, transport.serverChannelClass(),
                new BackendApi(config, backends, messaging, rpc, manager, store, reachability),
                new CredentialApi(credentials.fleetKeys(), credentials.revocations(), manager::revoke,
                        credentials.backendConnections(), credentials.adminFailures()), tls);
        try {
            admin.start();
        } catch (RuntimeException e) {
            close();
            throw e;
        }

        if (config.proxyEnabled()) {
            try {
                proxy = new ProxyServer(config.proxyBindAddress(), config.proxyPort(), streams, directFirst,
                        backendAuthenticator,
                        config.proxyTrustedSources(), storeReads, bossGroup, workerGroup, transport.serverChannelClass(),
                        credentials.proxyGuard()).withProxyProtocol(proxyProtocol.proxy())
                        .withTls(config.tls().proxy() ? tls : null)
                        .requestTimeout(config.proxyRequestTimeout()).start();
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        if (config.controlPort() >= 0) {
            try {
                control = new ControlServer(ControlOptions.defaults(config.controlBindAddress(), config.controlPort(),
                        config.maxFrameSize(), config.handshakeTimeout()), backendGateway, backendAuthenticator,
                        storeReads, new ControlMetrics(metrics.meterRegistry()), credentials.controlGuard())
                        .withProxyProtocol(proxyProtocol.control())
                        .withTls(config.tls().control() ? tls : null).start(adminGroup, adminGroup,
                        transport.serverChannelClass());
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        long sweepMillis = config.sweepInterval().toMillis();
        timers.scheduleWithFixedDelay(guarded("tier sweep", manager::sweep), sweepMillis, sweepMillis,
                TimeUnit.MILLISECONDS);
        long pressureMillis = config.pressureCheckInterval().toMillis();
        timers.scheduleWithFixedDelay(guarded("pressure check", manager::relievePressure), pressureMillis,
                pressureMillis, TimeUnit.MILLISECONDS);
        long expiryMillis = Math.clamp(config.sessionExpiry().toMillis() / 10, 1000, 600_000);
        timers.scheduleWithFixedDelay(() -> storeReads.execute(guarded("session expiry", manager::expireSessions)),
                expiryMillis, expiryMillis, TimeUnit.MILLISECONDS);
        timers.scheduleWithFixedDelay(guarded("message sweep", () -> messaging.sweep()), MESSAGE_SWEEP_SECONDS,
                MESSAGE_SWEEP_SECONDS, TimeUnit.SECONDS);
        ready = true;
        log.info("appliance ready: devices on {}:{}{}, admin API on {}:{}{} (bearer token in {}), data in {}, "
                        + "transport {}, sleep tier {}",
                config.bindAddress(), devicePort(), deviceTlsListener == null ? "" : " and TLS :" + deviceTlsPort(),
                config.adminBindAddress(), adminPort(), tls != null && config.tls().admin() ? " (HTTPS)" : "",
                config.dataDir().resolve(SecretFiles.ADMIN_TOKEN), config.dataDir(),
                transport.isEpoll() ? "epoll" : "nio", sleepLoop != null ? "on" : "off (connections stop at IDLE)");
        return this;
    }

    private static Runnable guarded(String what, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.warn("{} failed: {}", what, e.toString(), e);
            }
        };
    }

    /**
     * Graceful shutdown, each step bounded by the drain deadline: not ready, stop accepting, GOAWAY to every device
     * at the eviction rate, flush the store, stop.
     */
    public void drain() {
        if (stopped) {
            return;
        }
        long deadline = System.nanoTime() + config.drainDeadline().toNanos();
        log.info("draining: readiness off, no new devices, telling {} awake and {} sleeping devices to come back later",
                manager.awakeCount(), manager.sleeping());
        ready = false;
        manager.stopAccepting();
        if (deviceListener != null) {
            deviceListener.close().awaitUninterruptibly(remaining(deadline), TimeUnit.NANOSECONDS);
        }
        if (deviceTlsListener != null) {
            deviceTlsListener.close().awaitUninterruptibly(remaining(deadline), TimeUnit.NANOSECONDS);
        }
        try {
            int told = manager.evictAll(config.evictionRate(), Duration.ofNanos(remaining(deadline)));
            log.info("drain: told {} devices to reconnect later", told);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
    }

    private static long remaining(long deadlineNanos) {
        return Math.max(0, deadlineNanos - System.nanoTime());
    }

    @Override
    public void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        ready = false;
        if (timers != null) {
            timers.shutdownNow();
        }
        if (control != null) {
            control.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (directFirst != null) {
            directFirst.close();
        }
        if (deviceListener != null) {
            deviceListener.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (deviceTlsListener != null) {
            deviceTlsListener.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (sleepLoop != null) {
            sleepLoop.close();
        }
        shutdown(bossGroup);
        shutdown(workerGroup);
        shutdown(adminGroup);
        awaitQuiet(sessionWrites);
        awaitQuiet(storeReads);
        if (webhook != null) {
            webhook.close();
        }
        if (uplinkJournal != null) {
            uplinkJournal.close();
        }
        if (messaging != null) {
            messaging.close();
        }
        if (store != null) {
            try {
                store.flush();
            } catch (RuntimeException e) {
                log.warn("store flush failed: {}", e.toString());
            }
            store.close();
        }
        log.info("appliance stopped");
    }

    private static void shutdown(EventLoopGroup group) {
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    private static void awaitQuiet(ExecutorService executor) {
        if (executor == null) {
            return;
        }
        executor.shutdown();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public int devicePort() {
        return ((InetSocketAddress) deviceListener.localAddress()).getPort();
    }

    /** Port of the device listener over TLS; -1 when there is none. */
    public int deviceTlsPort() {
        return deviceTlsListener == null ? -1 : ((InetSocketAddress) deviceTlsListener.localAddress()).getPort();
    }

    /** The appliance's TLS; null when no listener speaks it. */
    public ApplianceTls tls() {
        return tls;
    }

    /** Port of the back-end proxy listener; -1 when it is disabled. */
    public int proxyPort() {
        return proxy == null ? -1 : proxy.port();
    }

    public StreamService streams() {
        return streams;
    }

    /** Port of the back-end control channel, or -1 when it is disabled. */
    public int controlPort() {
        return control != null ? control.port() : -1;
    }

    public ControlServer control() {
        return control;
    }

    public int adminPort() {
        return admin.port();
    }

    public boolean ready() {
        return ready;
    }

    public ApplianceMetrics metrics() {
        return metrics;
    }

    public ConnectionManager manager() {
        return manager;
    }

    public ApplianceStore store() {
        return store;
    }

    public ApplianceConfig config() {
        return config;
    }

    /** Checks back-end credentials (proxy, REST, control channel). */
    public BackendAuthenticator backendAuthenticator() {
        return backendAuthenticator;
    }

    /** Fleet keys, revocations and failure limits; null before start. */
    public Credentials credentials() {
        return credentials;
    }

    public BackendRegistry backends() {
        return backends;
    }

    public MessagingService messaging() {
        return messaging;
    }

    public RpcService rpc() {
        return rpc;
    }

    /** Every accepted uplink message; subscribe to receive them. */
    public UplinkBus uplinkBus() {
        return uplinkBus;
    }

    /** The sleep loop starts before the connection manager exists; this hands its events on once it does. */
    private static final class SleepLoopForwarder implements SleepLoop.Listener {
        private volatile SleepLoop.Listener target;

        @Override
        public void onWake(int fd, long deviceKey, byte[] pending) {
            target.onWake(fd, deviceKey, pending);
        }

        @Override
        public void onClosed(long deviceKey, SleepLoop.CloseCause cause) {
            target.onClosed(deviceKey, cause);
        }

        @Override
        public void leaving(long deviceKey) {
            target.leaving(deviceKey);
        }
    }
}
