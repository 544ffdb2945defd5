package io.connmgr.appliance.tier;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.connmgr.appliance.transport.ClientAddress;
import io.connmgr.appliance.admin.DeviceDirectory.TierRequestResult;
import io.connmgr.appliance.auth.SecretFiles;
import io.connmgr.appliance.config.ApplianceConfig;
import io.connmgr.appliance.devicelink.DeviceLinkPipelines;
import io.connmgr.appliance.devicelink.Farewell;
import io.connmgr.appliance.devicelink.HandshakeService;
import io.connmgr.appliance.metrics.ApplianceMetrics;
import io.connmgr.appliance.session.DeviceKeys;
import io.connmgr.appliance.session.DeviceSession;
import io.connmgr.appliance.session.EffectiveSettings;
import io.connmgr.appliance.session.Tier;
import io.connmgr.appliance.session.SessionObserver;
import io.connmgr.appliance.session.TierCause;
import io.connmgr.appliance.session.TimeSource;
import io.connmgr.appliance.session.UplinkJournal;
import io.connmgr.appliance.store.ApplianceStore;
import io.connmgr.appliance.store.DeviceSettings;
import io.connmgr.appliance.store.SessionRecord;
import io.connmgr.appliance.store.SessionState;
import io.connmgr.appliance.tier.sleep.ChannelParking;
import io.connmgr.appliance.tier.sleep.SleepLoop;
import io.connmgr.protocol.codec.FrameCodec;
import io.connmgr.protocol.message.Ack;
import io.connmgr.protocol.message.Cmd;
import io.connmgr.protocol.message.CmdResult;
import io.connmgr.protocol.message.GoAway;
import io.connmgr.protocol.message.Hello;
import io.connmgr.protocol.message.Msg;
import io.connmgr.protocol.message.Reject;
import io.connmgr.protocol.message.RpcResponse;
import io.connmgr.protocol.message.Welcome;
import io.connmgr.protocol.message.Capabilities;
import io.connmgr.protocol.wire.CmdOpcode;
import io.connmgr.protocol.wire.CmdStatus;
import io.connmgr.protocol.wire.ReasonCode;
import io.connmgr.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Owns every device connection and is the one place where a connection changes tier. Transitions of one connection
 * run on its channel's event loop; store work runs on the store executors and comes back to that loop.
 */
public final class ConnectionManager implements SleepLoop.Listener {
    private static final Logger log = LoggerFactory.getLogger(ConnectionManager.class);
    /** Uplink MSGs of one device accepted but not yet journaled, beyond which the device is not read. */
    static final int MAX_UNJOURNALED_UPLINKS = 64;
    private static final ChannelInitializer<Channel> NO_HANDLERS = new ChannelInitializer<>() {
        @Override
        protected void initChannel(Channel ch) {
            // The session is loaded before any handler is installed; autoRead stays off until then.
        }
    };

    private final ApplianceConfig config;
    private final ApplianceStore store;
    private final SleepLoop sleepLoop;
    private final EventLoopGroup workers;
    private final Executor storeReads;
    private final Executor sessionWrites;
    private final ApplianceMetrics metrics;
    private final TimeSource time;
    private final TierPolicy policy;
    private final PressureMonitor pressure;
    private final UplinkJournal uplinkJournal;
    private final Cache<String, SessionRecord> sessionCache;
    private final ConcurrentHashMap<String, DeviceSession> awake = new ConcurrentHashMap<>();
    private final AtomicLong active = new AtomicLong();
    private final AtomicLong idle = new AtomicLong();
    private final AtomicLong disconnected = new AtomicLong();
    private final AtomicBoolean pressureCheckQueued = new AtomicBoolean();
    private final Executor monitor;
    private volatile boolean accepting = true;
    private DeviceLinkPipelines pipelines;
    /** WELCOME's capabilities: commands, and what the registered services serve. */
    private volatile int servedCapabilities = Capabilities.CM_COMMANDS;
    private final List<SessionObserver> observers = new java.util.concurrent.CopyOnWriteArrayList<>();
    /**
     * Device keys whose socket is on its way between Netty and the sleep table (being parked or being woken), with
     * how many such moves are under way: for that moment the device is neither awake nor parked.
     */
    private final ConcurrentHashMap<Long, Integer> inTransit = new ConcurrentHashMap<>();
    /** Wakes asked for while a device's socket was in transit; run when it arrives. */
    private final ConcurrentHashMap<Long, PendingWake> wakeAfterTransit = new ConcurrentHashMap<>();

    private record PendingWake(String deviceId, CompletableFuture<TierRequestResult> done) {
    }

    /**
     * @param sleepLoop     null where sockets cannot be parked; connections then stop at IDLE
     * @param storeReads    runs store reads (handshakes, wakes); may be a pool
     * @param sessionWrites runs store writes of sessions and settings; single-threaded, so writes for one device
     *                      land in the order they were made
     * @param monitor       runs the performance monitor when a new connection crosses the awake limit
     */
    public ConnectionManager(ApplianceConfig config, ApplianceStore store, SleepLoop sleepLoop,
                             EventLoopGroup workers, Executor storeReads, Executor sessionWrites,
                             ApplianceMetrics metrics, TimeSource time, PressureMonitor pressure,
                             Executor monitor, UplinkJournal uplinkJournal) {
        this.monitor = monitor;
        this.config = config;
        this.store = store;
        this.sleepLoop = sleepLoop;
        this.workers = workers;
        this.storeReads = storeReads;
        this.sessionWrites = sessionWrites;
        this.metrics = metrics;
        this.time = time;
        this.pressure = pressure;
        this.uplinkJournal = uplinkJournal;
        this.policy = new TierPolicy(sleepLoop != null, config.silentKeepAlives());
        this.sessionCache = Caffeine.newBuilder().maximumSize(config.sessionCacheSize()).build();
        metrics.gauge("cm.connections", "Device connections by tier", active, AtomicLong::get, "tier", "active");
        metrics.gauge("cm.connections", "Device connections by tier", idle, AtomicLong::get, "tier", "idle");
        metrics.gauge("cm.connections", "Device connections by tier", this,
                m -> m.sleepLoop == null ? 0 : m.sleepLoop.size(), "tier", "sleep");
        metrics.gauge("cm.sessions.disconnected", "Sessions waiting in the store for their device to resume",
                disconnected, AtomicLong::get);
    }

    public void attachPipelines(DeviceLinkPipelines pipelines) {
        this.pipelines = pipelines;
    }

    /** Registers a service to be told when sessions wake, sleep, end, and what they acknowledge or answer. */
    public void addObserver(SessionObserver observer) {
        observers.add(observer);
        servedCapabilities |= observer.welcomeCapabilities();
    }

    public boolean accepting() {
        return accepting;
    }

    public long violationReconnectAfterMillis() {
        return config.reconnectAfterMax().toMillis();
    }

    // ---------------------------------------------------------------- start-up

    /**
     * Sessions that were asleep when the appliance stopped have lost their sockets: they wait as DISCONNECTED for
     * their devices to resume. Expired ones are removed.
     */
    public void recoverSessions() {
        long now = time.currentTimeMillis();
        long expiry = config.sessionExpiry().toMillis();
        List<SessionRecord> toRewrite = new ArrayList<>();
        List<String> expired = new ArrayList<>();
        long[] waiting = {0};
        store.forEachSession(r -> {
            if (now - r.sinceMillis() > expiry) {
                expired.add(r.deviceId());
            } else {
                waiting[0]++;
                if (r.state() != SessionState.DISCONNECTED) {
                    toRewrite.add(withState(r, SessionState.DISCONNECTED, r.sinceMillis()));
                }
            }
        });
        toRewrite.forEach(store::saveSession);
        expired.forEach(store::deleteSession);
        disconnected.set(waiting[0]);
        log.info("recovered {} sessions waiting for their devices ({} were connected or asleep), removed {} expired",
                waiting[0], toRewrite.size(), expired.size());
    }

    /** Removes sessions whose devices have stayed away longer than session-expiry. Runs on a store thread. */
    public void expireSessions() {
        long cutoff = time.currentTimeMillis() - config.sessionExpiry().toMillis();
        String cursor = null;
        int removed = 0;
        while (true) {
            List<SessionRecord> page = store.listSessions(cursor, 1000);
            if (page.isEmpty()) {
                break;
            }
            for (SessionRecord r : page) {
                if (r.state() == SessionState.DISCONNECTED && r.sinceMillis() < cutoff
                        && !awake.containsKey(r.deviceId())) {
                    store.deleteSession(r.deviceId());
                    sessionCache.invalidate(r.deviceId());
                    disconnected.decrementAndGet();
                    removed++;
                }
            }
            cursor = page.getLast().deviceId();
        }
        if (removed > 0) {
            log.info("removed {} expired sessions", removed);
        }
    }

    // ---------------------------------------------------------------- handshake

    /**
     * Completes a handshake the {@link HandshakeService} accepted. On the channel's event loop. The session is stored
     * (write-ahead-logged) before WELCOME: a device that holds a resume token always finds its session, even after
     * the appliance was killed a moment later, and a fast reconnect never overtakes the store.
     */
    public void admit(Channel ch, Hello hello, HandshakeService.Verdict verdict) {
        String id = hello.deviceId();
        long key = DeviceKeys.of(id);
        SessionRecord previous = verdict.previous().orElse(null);
        boolean resumed = previous != null && hello.hasResumeToken()
                && MessageDigest.isEqual(previous.resumeToken(), hello.resumeToken());
        byte[] token = resumed ? previous.resumeToken() : SecretFiles.randomBytes(Wire.RESUME_TOKEN_BYTES);
        DeviceSettings overrides = verdict.overrides();
        int keepAliveSeconds = negotiateKeepAlive(hello.keepAliveSeconds(), overrides);
        long now = time.currentTimeMillis();
        String remote = address(ClientAddress.of(ch));
        long tag = DeviceSession.tagOf(token);
        CompletableFuture.supplyAsync(() -> {
            // What the journal and the downlink queue hold for the session may be ahead of the stored record: they
            // are written as messages move, the record only at tier changes.
            long uplinkSeq = resumed
                    ? Math.max(previous.lastUplinkSeq(), store.uplinks().lastSeq(id).inSession(tag)) : 0;
            long downlinkSeq = 0;
            if (resumed) {
                var meta = store.messages().meta(id);
                downlinkSeq = Math.max(previous.lastDownlinkSeq(), meta.sessionTag() == tag ? meta.lastSeq() : 0);
            }
            SessionRecord connected = new SessionRecord(id, key, token, SessionState.CONNECTED, now, now, remote,
                    uplinkSeq, downlinkSeq, now, keepAliveSeconds);
            store.saveSession(connected);
            return connected;
        }, sessionWrites).whenCompleteAsync((connected, error) -> {
            if (error != null) {
                log.warn("device {}: could not store its session, refusing the handshake: {}", id, error.toString());
                metrics.authFailure(ReasonCode.INTERNAL_ERROR);
                Farewell.send(ch, new Reject(ReasonCode.INTERNAL_ERROR,
                        "session store unavailable, retry later"));
                return;
            }
            if (!ch.isActive()) {
                return; // the device left during the write; its stored session waits for it like any other
            }
            welcome(ch, hello, overrides, previous, connected, resumed);
        }, ch.eventLoop());
    }

    private void welcome(Channel ch, Hello hello, DeviceSettings overrides, SessionRecord previous,
                         SessionRecord connected, boolean resumed) {
        String id = connected.deviceId();
        long key = connected.deviceKey();
        byte[] token = connected.resumeToken();
        int keepAliveSeconds = connected.keepAliveSeconds();
        takeOver(id, key);
        if (previous != null && previous.state() == SessionState.DISCONNECTED) {
            disconnected.decrementAndGet();
        }
        DeviceSession session = new DeviceSession(id, key, token, ch, connected.remoteAddress(),
                connected.connectedAtMillis(), overrides, EffectiveSettings.of(config, overrides), keepAliveSeconds,
                connected.lastUplinkSeq(), connected.lastDownlinkSeq(), time);
        awake.put(id, session);
        active.incrementAndGet();
        pipelines.installActive(ch, session);
        // persistent_required (auto-determination, docs/protocol.md 6.11) travels only here: the device learns a
        // change at its next connection.
        ch.writeAndFlush(new Welcome(Wire.PROTOCOL_VERSION, resumed, keepAliveSeconds, config.maxFrameSize(),
                servedCapabilities, session.lastUplinkSeq(), token,
                Boolean.TRUE.equals(overrides.persistentRequired())));
        if (resumed && hello.hasDeliveredSeq() && hello.deliveredDownlinkSeq() > session.downlinkAcked()) {
            // An ACK carried in HELLO: acknowledged before the queue is replayed, so only what is missing goes out.
            // Beyond what this session ever sent it is clamped, not a violation: the device may know of MSGs whose
            // numbering a power cut took from the store.
            long seq = Math.min(hello.deliveredDownlinkSeq(), session.lastDownlinkSeq());
            session.downlinkAcked(seq);
            for (SessionObserver o : observers) {
                o.downlinkAcked(session, seq);
            }
        }
        for (SessionObserver o : observers) {
            o.awake(session, hello.capabilities());
        }
        ch.config().setAutoRead(true);
        metrics.handshakeCompleted();
        metrics.transition(Tier.DISCONNECTED, Tier.ACTIVE, TierCause.CONNECT);
        log.debug("device {} connected from {} (resumed={}, keepalive={}s)", id, session.remoteAddress(), resumed,
                keepAliveSeconds);
        if (pressure.overConnectionLimit(awake.size()) && pressureCheckQueued.compareAndSet(false, true)) {
            // The seed runs the monitor on each new connection; one queued run at a time keeps a connect flood
            // from scanning the table once per connection.
            monitor.execute(() -> {
                pressureCheckQueued.set(false);
                relievePressure();
            });
        }
    }

    private int negotiateKeepAlive(int requestedSeconds, DeviceSettings overrides) {
        long millis = overrides.keepAliveMillis() != null ? overrides.keepAliveMillis()
                : requestedSeconds > 0 ? requestedSeconds * 1000L : config.keepAlive().toMillis();
        millis = Math.clamp(millis, config.keepAliveMin().toMillis(), config.keepAliveMax().toMillis());
        return (int) Math.min(0xFFFF, Math.max(1, millis / 1000));
    }

    /** The newest connection of a device wins: the old one, awake or asleep, is told it was replaced. */
    private void takeOver(String id, long key) {
        DeviceSession old = awake.remove(id);
        if (old != null) {
            old.markClosing();
            for (SessionObserver o : observers) {
                o.asleepOrGone(old, true);
            }
            countOut(old.tier());
            metrics.transition(old.tier(), Tier.DISCONNECTED, TierCause.DISCONNECT);
            Farewell.send(old.channel(), new GoAway(ReasonCode.REPLACED, 0, "replaced by a newer connection"));
        } else if (sleepLoop != null && sleepLoop.closeParked(key,
                FrameCodec.toBytes(new GoAway(ReasonCode.REPLACED, 0, "replaced by a newer connection")))) {
            metrics.transition(Tier.SLEEP, Tier.DISCONNECTED, TierCause.DISCONNECT);
        }
    }

    // ---------------------------------------------------------------- frames of an ACTIVE connection

    /**
     * An uplink MSG. It is acknowledged once it is journaled with fsync, never before; duplicates (seq already
     * accepted) are acknowledged again but journaled and delivered once. While more than
     * {@value #MAX_UNJOURNALED_UPLINKS} wait for the journal the device is not read, so a flood waits in its own
     * socket buffers, not in the appliance's memory.
     */
    public void uplink(DeviceSession session, Msg msg) {
        metrics.uplinkMessage();
        if (msg.seq() > session.lastUplinkSeq() + 1) {
            violation(session, ReasonCode.PROTOCOL_ERROR, "MSG seq " + msg.seq() + " skips ahead of "
                    + session.lastUplinkSeq());
            return;
        }
        Channel ch = session.channel();
        if (msg.seq() <= session.lastUplinkSeq()) {
            if (msg.seq() <= session.uplinkJournaled()) {
                ch.writeAndFlush(new Ack(session.uplinkJournaled()));
            } // else: still on its way to the journal, whose completion acknowledges it
            return;
        }
        session.lastUplinkSeq(msg.seq());
        session.replyOwed(1);
        if (session.uplinksUnjournaled(1) > MAX_UNJOURNALED_UPLINKS) {
            ch.config().setAutoRead(false);
        }
        uplinkJournal.journal(session.deviceId(), session.sessionTag(), msg)
                .whenCompleteAsync((ok, error) -> journaled(session, msg.seq(), error), ch.eventLoop());
    }

    /**
     * The one place an ACTIVE link's reading is turned back on, once nothing holds it: its socket can take writes
     * again, no tier move is under way, the journal has caught up with its uplinks, and the uplink gate lets it go (or
     * takes it, to resume it when the journal's consumer has caught up). On the link's event loop.
     */
    public void resumeReading(DeviceSession session) {
        Channel ch = session.channel();
        if (ch.config().isAutoRead() || !ch.isActive() || !ch.isWritable() || session.closing()
                || session.transitioning() || session.uplinksUnjournaled(0) > MAX_UNJOURNALED_UPLINKS / 2) {
            return;
        }
        var gate = pipelines.uplinkGate();
        if (gate == null || !gate.holdIfBehind(ch)) {
            ch.config().setAutoRead(true);
        }
    }

    private void journaled(DeviceSession session, long seq, Throwable error) {
        session.replyOwed(-1);
        int waiting = session.uplinksUnjournaled(-1);
        Channel ch = session.channel();
        if (error != null) {
            // Not acknowledged: the device keeps the message and sends it again on its next connection.
            boolean full = error instanceof UplinkJournal.Full || error.getCause() instanceof UplinkJournal.Full;
            if (!session.closing()) {
                log.warn("device {}: uplink MSG {} not journaled, closing so it is sent again: {}",
                        session.deviceId(), seq, error.toString());
                ReasonCode reason = full ? ReasonCode.OVERLOADED : ReasonCode.INTERNAL_ERROR;
                session.markClosing();
                Farewell.send(ch, new GoAway(reason, reconnectAfterMillis(), reason.description()));
            }
            return;
        }
        session.uplinkJournaled(seq);
        if (ch.isActive() && !session.closing()) {
            session.activity(time); // an ACK is application data too (docs/protocol.md 5.8): the tier timers restart
            ch.writeAndFlush(new Ack(session.uplinkJournaled()));
            if (waiting <= MAX_UNJOURNALED_UPLINKS / 2) {
                resumeReading(session);
            }
        }
    }

    /** The device acknowledged downlink messages; acknowledging one never sent is a protocol error. */
    public void downlinkAck(DeviceSession session, Ack ack) {
        if (ack.seq() > session.lastDownlinkSeq()) {
            violation(session, ReasonCode.PROTOCOL_ERROR, "ACK " + ack.seq() + " for a MSG never sent (last sent "
                    + session.lastDownlinkSeq() + ")");
            return;
        }
        session.downlinkAcked(Math.max(session.downlinkAcked(), ack.seq()));
        for (SessionObserver o : observers) {
            o.downlinkAcked(session, ack.seq());
        }
    }

    /** A device's answer to an RPC_REQUEST; the RPC service correlates it. */
    public void rpcResponse(DeviceSession session, RpcResponse response) {
        session.activity(time);
        for (SessionObserver o : observers) {
            o.rpcResponse(session, response);
        }
    }

    private void violation(DeviceSession session, ReasonCode reason, String detail) {
        metrics.frameRejected(reason);
        Farewell.send(session.channel(), new GoAway(reason, violationReconnectAfterMillis(), detail));
    }

    /** A connection-manager command; settings are acknowledged only once they are stored. */
    public void command(DeviceSession session, Cmd cmd) {
        Channel ch = session.channel();
        CmdOpcode op = cmd.command();
        if (op == null) {
            ch.writeAndFlush(new CmdResult(cmd.id(), CmdStatus.UNKNOWN_COMMAND));
            return;
        }
        long v = cmd.value();
        DeviceSettings o = session.overrides();
        Long millis = v == 0 ? null : v * 1000;
        DeviceSettings updated = switch (op) {
            case SET_IDLE_AFTER -> new DeviceSettings(millis, o.sleepAfterMillis(), o.keepAliveMillis(),
                    o.alwaysActive(), o.persistentRequired());
            case SET_SLEEP_AFTER -> new DeviceSettings(o.idleAfterMillis(), millis, o.keepAliveMillis(),
                    o.alwaysActive(), o.persistentRequired());
            case SET_KEEPALIVE -> millis != null && (millis < config.keepAliveMin().toMillis()
                    || millis > config.keepAliveMax().toMillis()) ? null
                    : new DeviceSettings(o.idleAfterMillis(), o.sleepAfterMillis(), millis, o.alwaysActive(),
                            o.persistentRequired());
            case SET_ALWAYS_ACTIVE -> v > 1 ? null
                    : new DeviceSettings(o.idleAfterMillis(), o.sleepAfterMillis(), o.keepAliveMillis(),
                            v == 1 ? Boolean.TRUE : null, o.persistentRequired());
            case SLEEP_NOW -> o;
        };
        if (updated == null) {
            ch.writeAndFlush(new CmdResult(cmd.id(), CmdStatus.INVALID_VALUE));
            return;
        }
        if (op == CmdOpcode.SLEEP_NOW) {
            ch.writeAndFlush(new CmdResult(cmd.id(), CmdStatus.OK))
                    .addListener(f -> ch.eventLoop().execute(() -> toSleep(session, TierCause.DEVICE_COMMAND)));
            return;
        }
        String id = session.deviceId();
        session.replyOwed(1);
        CompletableFuture.runAsync(() -> store.putSettings(id, updated), sessionWrites)
                .whenCompleteAsync((ok, error) -> {
                    session.replyOwed(-1);
                    if (error != null) {
                        log.warn("device {}: storing settings failed: {}", id, error.toString());
                        ch.writeAndFlush(new CmdResult(cmd.id(), CmdStatus.FAILED));
                        return;
                    }
                    applySettings(session, updated);
                    if (op == CmdOpcode.SET_KEEPALIVE) {
                        session.keepAliveSeconds(negotiateKeepAlive((int) v, updated));
                    }
                    ch.writeAndFlush(new CmdResult(cmd.id(), CmdStatus.OK));
                }, ch.eventLoop());
    }

    /** Puts stored overrides into force on a live session (the device's CMD and the settings API both end here). */
    private void applySettings(DeviceSession session, DeviceSettings updated) {
        session.settings(updated, EffectiveSettings.of(config, updated));
    }

    /**
     * Changes a device's stored overrides (fsync'ed, on the session-write thread like a CMD's) and, when it is awake,
     * puts them into force on its connection at once. A changed keep-alive applies from the next WELCOME: the device
     * cannot be told its new interval on a live connection, and a shorter silence rule would close it.
     */
    public CompletableFuture<DeviceSettings> updateSettings(String deviceId,
                                                            java.util.function.UnaryOperator<DeviceSettings> change) {
        return CompletableFuture.supplyAsync(() -> {
            DeviceSettings updated = change.apply(store.loadSettings(deviceId).orElse(DeviceSettings.NONE));
            store.putSettings(deviceId, updated);
            return updated;
        }, sessionWrites).thenCompose(updated -> {
            DeviceSession s = awake.get(deviceId);
            CompletableFuture<?> inForce;
            if (s == null) {
                inForce = CompletableFuture.completedFuture(null);
            } else {
                CompletableFuture<Void> applied = new CompletableFuture<>();
                s.channel().eventLoop().execute(() -> {
                    applySettings(s, updated);
                    applied.complete(null);
                });
                inForce = applied;
            }
            // An always-active device that is idle or asleep would otherwise stay so until it speaks.
            return inForce.thenCompose(v -> {
                Tier tier = tierOf(deviceId);
                return Boolean.TRUE.equals(updated.alwaysActive()) && (tier == Tier.IDLE || tier == Tier.SLEEP)
                        ? wake(deviceId, TierCause.SERVER_REQUEST).thenApply(r -> updated)
                        : CompletableFuture.completedFuture(updated);
            });
        });
    }

    // ---------------------------------------------------------------- tier changes of awake connections

    /** IDLE → ACTIVE. {@code pending} (may be null) is replayed into the new pipeline; ownership passes. */
    public void toActive(DeviceSession s, TierCause cause, ByteBuf pending) {
        Channel ch = s.channel();
        if (s.tier() == Tier.IDLE && awake.get(s.deviceId()) == s && ch.isActive()) {
            long start = time.nanoTime();
            pipelines.installActive(ch, s);
            s.tier(Tier.ACTIVE, time.currentTimeMillis());
            idle.decrementAndGet();
            active.incrementAndGet();
            metrics.transition(Tier.IDLE, Tier.ACTIVE, cause);
            if (cause != TierCause.DEVICE_DATA) {
                // A server reaching the device counts as activity, so the timers start over.
                s.activity(time);
                metrics.wake(cause, time.nanoTime() - start);
            }
        }
        if (pending != null) {
            if (ch.isActive()) {
                // Into the decoder, not from the head: a TLS connection's bytes are decrypted already.
                io.connmgr.appliance.transport.FrontStages.replayInto(ch.pipeline(),
                        io.connmgr.appliance.devicelink.HandlerNames.DECODER, pending);
            } else {
                ReferenceCountUtil.release(pending);
            }
        }
    }

    /** ACTIVE → IDLE: the decoder and its buffers go; the session stays. */
    public void toIdle(DeviceSession s, TierCause cause) {
        Channel ch = s.channel();
        if (s.tier() != Tier.ACTIVE || s.closing() || s.transitioning() || awake.get(s.deviceId()) != s
                || (s.serverLinks() > 0 && cause != TierCause.ADMIN) || s.repliesOwed()
                || !ch.isActive() || !pipelines.canTrim(ch)) {
            return;
        }
        pipelines.installIdle(ch, s);
        s.tier(Tier.IDLE, time.currentTimeMillis());
        active.decrementAndGet();
        idle.incrementAndGet();
        metrics.transition(Tier.ACTIVE, Tier.IDLE, cause);
    }

    /**
     * ACTIVE or IDLE → SLEEP: the session is written to the store, then the socket leaves Netty for the sleep table.
     * Reading stops during the write, so bytes that arrive meanwhile wait in the kernel and wake it again at once.
     */
    public void toSleep(DeviceSession s, TierCause cause) {
        Channel ch = s.channel();
        s.sleepQueued(false);
        if (sleepLoop == null) {
            toIdle(s, cause);
            return;
        }
        boolean explicit = cause == TierCause.DEVICE_COMMAND || cause == TierCause.ADMIN;
        if ((s.settings().alwaysActive() && !explicit) || (s.serverLinks() > 0 && !explicit)
                || s.transitioning() || s.closing() || s.repliesOwed()
                || awake.get(s.deviceId()) != s || !ch.isActive() || !(ch instanceof EpollSocketChannel)
                || !pipelines.canPark(ch)
                || !pipelines.canTrim(ch) || pendingOutboundBytes(ch) > 0 || observerSending(s)
                || sleepLoop.size() >= config.sleepMaxEntries()) {
            return;
        }
        s.transitioning(true);
        ch.config().setAutoRead(false);
        long activityAtStart = s.lastActivityNanos();
        SessionRecord record = s.toRecord(SessionState.SLEEPING, time.currentTimeMillis());
        CompletableFuture.runAsync(() -> store.saveSession(record), sessionWrites)
                .whenCompleteAsync((ok, error) -> park(s, cause, record, activityAtStart, error), ch.eventLoop());
    }

    private void park(DeviceSession s, TierCause cause, SessionRecord record, long activityAtStart,
                      Throwable storeError) {
        Channel ch = s.channel();
        s.transitioning(false);
        if (storeError != null) {
            log.warn("device {}: could not store session, staying awake: {}", s.deviceId(), storeError.toString());
            ch.config().setAutoRead(true);
            return;
        }
        if (!ch.isActive() || awake.get(s.deviceId()) != s) {
            return;
        }
        // Frames read in the same batch as the store write began (autoRead stops only the next read) may have woken
        // the connection or left it owing a reply, and a server may have reached it meanwhile: parking now would
        // drop that reply or that server's request.
        // Sending does not stop during the write either: a downlink MSG that went out meanwhile is past the stored
        // record's last sequence number, and the session woken from that record would take the device's ACK of it
        // for an ACK of a MSG never sent. The record must be the session as it is when the socket leaves Netty. And a
        // MSG still on its way from the store would be dropped with this session, its device asleep and not woken.
        if (!pipelines.canTrim(ch) || pendingOutboundBytes(ch) > 0 || s.repliesOwed()
                || s.lastActivityNanos() != activityAtStart || s.serverLinks() > 0 || !s.matches(record)
                || observerSending(s)) {
            ch.config().setAutoRead(true);
            return;
        }
        transitBegins(s.deviceKey());
        awake.remove(s.deviceId(), s);
        for (SessionObserver o : observers) {
            o.asleepOrGone(s, false);
        }
        Tier from = s.tier();
        countOut(from);
        sessionCache.put(s.deviceId(), record);
        long silenceMillis = silenceMillis(s.keepAliveSeconds());
        ChannelParking.detach((EpollSocketChannel) ch).addListener(f -> {
            try {
                if (!f.isSuccess()) {
                    log.warn("device {}: parking failed, closing: {}", s.deviceId(), f.cause().toString());
                    ch.close();
                    markDisconnected(record);
                    return;
                }
                int fd = (Integer) f.getNow();
                if (awake.containsKey(s.deviceId())) {
                    closeDetached(fd); // the device reconnected on another socket while this one was being parked
                    return;
                }
                if (!sleepLoop.park(fd, s.deviceKey(), silenceMillis)) {
                    log.warn("device {}: could not park (sleep table full or key already parked), closing",
                            s.deviceId());
                    closeDetached(fd);
                    markDisconnected(record);
                    return;
                }
                metrics.transition(from, Tier.SLEEP, cause);
            } finally {
                transitEnds(s.deviceKey());
            }
        });
    }

    /** A service has a write to the session on its way (see {@link SessionObserver#sending}). */
    private boolean observerSending(DeviceSession s) {
        for (SessionObserver o : observers) {
            if (o.sending(s)) {
                return true;
            }
        }
        return false;
    }

    private void transitBegins(long deviceKey) {
        inTransit.merge(deviceKey, 1, Integer::sum);
    }

    /** A socket arrived in the sleep table or in Netty (or failed to): a wake asked for meanwhile runs now. */
    private void transitEnds(long deviceKey) {
        if (inTransit.computeIfPresent(deviceKey, (k, n) -> n <= 1 ? null : n - 1) != null) {
            return;
        }
        PendingWake pending = wakeAfterTransit.remove(deviceKey);
        if (pending != null) {
            wake(pending.deviceId(), TierCause.SERVER_REQUEST).whenComplete((r, e) ->
                    pending.done().complete(r == null ? TierRequestResult.NOT_CONNECTED : r));
        }
    }

    private long silenceMillis(int keepAliveSeconds) {
        return TimeUnit.SECONDS.toMillis((long) keepAliveSeconds * config.silentKeepAlives());
    }

    private static long pendingOutboundBytes(Channel ch) {
        var buffer = ch.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    /** A descriptor out of Netty and not in the sleep table is closed by wrapping it once more. */
    private void closeDetached(int fd) {
        ChannelParking.attach(fd, workers, NO_HANDLERS).addListener(f -> {
            if (f.isSuccess()) {
                ((Channel) f.getNow()).close();
            }
        });
    }

    /** The device's socket closed while awake. */
    public void onChannelClosed(DeviceSession s) {
        if (!awake.remove(s.deviceId(), s)) {
            return; // replaced or parked: whoever did that has done the bookkeeping
        }
        for (SessionObserver o : observers) {
            o.asleepOrGone(s, true);
        }
        countOut(s.tier());
        metrics.transition(s.tier(), Tier.DISCONNECTED, TierCause.DISCONNECT);
        markDisconnected(s.toRecord(SessionState.DISCONNECTED, time.currentTimeMillis()));
    }

    private void markDisconnected(SessionRecord record) {
        SessionRecord r = withState(record, SessionState.DISCONNECTED, time.currentTimeMillis());
        disconnected.incrementAndGet();
        sessionCache.put(r.deviceId(), r);
        sessionWrites.execute(() -> {
            try {
                store.saveSession(r);
            } catch (RuntimeException e) {
                log.warn("device {}: could not store disconnected session: {}", r.deviceId(), e.toString());
            }
        });
    }

    private void countOut(Tier tier) {
        if (tier == Tier.ACTIVE) {
            active.decrementAndGet();
        } else if (tier == Tier.IDLE) {
            idle.decrementAndGet();
        }
    }

    // ---------------------------------------------------------------- the sleep table's side

    /** A parked socket is about to leave the sleep table to wake: from now until it is installed it is in transit. */
    @Override
    public void leaving(long deviceKey) {
        transitBegins(deviceKey);
    }

    /** Bytes other than PING reached a parked socket: bring it back as ACTIVE and replay them. Sleep thread. */
    @Override
    public void onWake(int fd, long deviceKey, byte[] pending) {
        resume(fd, deviceKey, pending, TierCause.DEVICE_DATA, time.nanoTime(), null);
    }

    @Override
    public void onClosed(long deviceKey, SleepLoop.CloseCause cause) {
        if (cause == SleepLoop.CloseCause.CLOSED_BY_REQUEST || cause == SleepLoop.CloseCause.EVICTED) {
            return; // the caller that asked for it keeps the books
        }
        metrics.transition(Tier.SLEEP, Tier.DISCONNECTED, TierCause.DISCONNECT);
        storeReads.execute(() -> {
            try {
                Optional<String> id = store.deviceIdForKey(deviceKey);
                if (id.isEmpty() || awake.containsKey(id.get())) {
                    return;
                }
                loadSession(id.get()).ifPresent(this::markDisconnected);
            } catch (RuntimeException e) {
                log.warn("could not record the disconnect of a sleeping device: {}", e.toString());
            }
        });
    }

    /**
     * In transit from the moment the socket leaves the sleep table ({@link #leaving}) until it is installed. The
     * session is read first and the socket registered after, so that the registration's own event-loop task installs
     * the pipeline: one hand-off fewer on the way to the first byte than registering, reading, and coming back.
     */
    private void resume(int fd, long deviceKey, byte[] pending, TierCause cause, long startNanos,
                        CompletableFuture<TierRequestResult> done) {
        CompletableFuture.supplyAsync(() -> store.deviceIdForKey(deviceKey).flatMap(this::loadSleeper), storeReads)
                .whenComplete((loaded, error) -> ChannelParking.attach(fd, workers, NO_HANDLERS).addListener(f -> {
                    try {
                        if (!f.isSuccess()) {
                            log.warn("could not wake a sleeping connection: {}", f.cause().toString());
                            complete(done, TierRequestResult.NOT_CONNECTED);
                            return;
                        }
                        EpollSocketChannel ch = (EpollSocketChannel) f.getNow();
                        if (error != null || loaded.isEmpty()) {
                            log.warn("no session for a woken connection (key {}), closing", deviceKey);
                            Farewell.send(ch, new GoAway(ReasonCode.SESSION_EXPIRED, 0, "session not found"));
                            complete(done, TierRequestResult.NOT_CONNECTED);
                            return;
                        }
                        complete(done, install(ch, loaded.get(), pending, cause, startNanos));
                    } finally {
                        transitEnds(deviceKey);
                    }
                }));
    }

    private record Sleeper(SessionRecord record, DeviceSettings overrides) {
    }

    private Optional<Sleeper> loadSleeper(String id) {
        return loadSession(id).map(r -> new Sleeper(r, store.loadSettings(id).orElse(DeviceSettings.NONE)));
    }

    private Optional<SessionRecord> loadSession(String id) {
        SessionRecord cached = sessionCache.getIfPresent(id);
        return cached != null ? Optional.of(cached) : store.loadSession(id);
    }

    private TierRequestResult install(EpollSocketChannel ch, Sleeper sleeper, byte[] pending, TierCause cause,
                                      long startNanos) {
        SessionRecord r = sleeper.record();
        if (awake.containsKey(r.deviceId())) {
            ch.close(); // the device reconnected on another socket while this one slept
            return TierRequestResult.NOT_CONNECTED;
        }
        DeviceSession s = new DeviceSession(r.deviceId(), r.deviceKey(), r.resumeToken(), ch, r.remoteAddress(),
                r.connectedAtMillis(), sleeper.overrides(), EffectiveSettings.of(config, sleeper.overrides()),
                r.keepAliveSeconds(), r.lastUplinkSeq(), r.lastDownlinkSeq(), time);
        awake.put(r.deviceId(), s);
        active.incrementAndGet();
        pipelines.installActive(ch, s);
        metrics.transition(Tier.SLEEP, Tier.ACTIVE, cause);
        // Counted before the pending bytes are replayed: their answer (an ACK) must not overtake the count.
        metrics.wake(cause, time.nanoTime() - startNanos);
        for (SessionObserver o : observers) {
            o.awake(s, -1);
        }
        if (pending.length > 0) {
            ch.pipeline().fireChannelRead(Unpooled.wrappedBuffer(pending));
        }
        ch.config().setAutoRead(true);
        return TierRequestResult.ACCEPTED;
    }

    private static void complete(CompletableFuture<TierRequestResult> done, TierRequestResult result) {
        if (done != null) {
            done.complete(result);
        }
    }

    // ---------------------------------------------------------------- requests from servers and operators

    /**
     * Brings a device to ACTIVE from any tier. Completes when it is ACTIVE (or could not be woken); this is the
     * seed's "server asks for a client". NOT_CONNECTED means the device has no connection: one that moved between
     * tiers while it was being looked for is followed, not reported gone.
     */
    public CompletableFuture<TierRequestResult> wake(String deviceId, TierCause cause) {
        DeviceSession s = awake.get(deviceId);
        if (s != null) {
            if (s.tier() == Tier.ACTIVE) {
                return CompletableFuture.completedFuture(TierRequestResult.ALREADY);
            }
            CompletableFuture<TierRequestResult> done = new CompletableFuture<>();
            s.channel().eventLoop().execute(() -> {
                if (awake.get(deviceId) != s) {
                    // It left for the sleep table (or was replaced) after it was looked up: wake it where it is now.
                    wake(deviceId, cause).whenComplete((r, e) -> done.complete(
                            r == null ? TierRequestResult.NOT_CONNECTED : r));
                    return;
                }
                toActive(s, cause, null);
                done.complete(s.tier() == Tier.ACTIVE ? TierRequestResult.ACCEPTED : TierRequestResult.NOT_CONNECTED);
            });
            return done;
        }
        long key = DeviceKeys.of(deviceId);
        int fd = sleepLoop == null ? -1 : sleepLoop.unpark(key);
        if (fd >= 0) {
            CompletableFuture<TierRequestResult> done = new CompletableFuture<>();
            resume(fd, key, new byte[0], cause, time.nanoTime(), done);
            return done;
        }
        if (inTransit.containsKey(key)) {
            return wakeAfterTransit(deviceId, key, cause);
        }
        // Awake, parked and in transit are looked at one after another: a device that moved on between two looks
        // (woken by its own data and installed meanwhile, say) was in none of them when it was looked for.
        return tierOf(deviceId) != Tier.DISCONNECTED ? wake(deviceId, cause)
                : CompletableFuture.completedFuture(TierRequestResult.NOT_CONNECTED);
    }

    /** A wake for a device whose socket is in transit, which would otherwise look disconnected for a moment. */
    private CompletableFuture<TierRequestResult> wakeAfterTransit(String deviceId, long key, TierCause cause) {
        PendingWake mine = new PendingWake(deviceId, new CompletableFuture<>());
        PendingWake pending = wakeAfterTransit.putIfAbsent(key, mine);
        if (pending != null) {
            return pending.done();
        }
        if (!inTransit.containsKey(key) && wakeAfterTransit.remove(key, mine)) {
            return wake(deviceId, cause); // it arrived meanwhile, and nobody took the request
        }
        return mine.done();
    }

    /** Moves a connected device to {@code target} on an operator's request. */
    public CompletableFuture<TierRequestResult> requestTier(String deviceId, Tier target, TierCause cause) {
        Tier current = tierOf(deviceId);
        if (current == Tier.DISCONNECTED) {
            return CompletableFuture.completedFuture(TierRequestResult.NOT_CONNECTED);
        }
        if (current == target) {
            return CompletableFuture.completedFuture(TierRequestResult.ALREADY);
        }
        return switch (target) {
            case ACTIVE -> wake(deviceId, cause);
            case IDLE -> wake(deviceId, cause).thenCompose(r -> onLoop(deviceId, s -> toIdle(s, cause)));
            case SLEEP -> sleepLoop == null
                    ? CompletableFuture.completedFuture(TierRequestResult.NOT_ALLOWED)
                    : onLoop(deviceId, s -> toSleep(s, cause));
            case DISCONNECTED -> CompletableFuture.completedFuture(TierRequestResult.NOT_ALLOWED);
        };
    }

    private CompletableFuture<TierRequestResult> onLoop(String deviceId, java.util.function.Consumer<DeviceSession> action) {
        DeviceSession s = awake.get(deviceId);
        if (s == null) {
            return CompletableFuture.completedFuture(TierRequestResult.NOT_CONNECTED);
        }
        CompletableFuture<TierRequestResult> done = new CompletableFuture<>();
        s.channel().eventLoop().execute(() -> {
            action.accept(s);
            done.complete(TierRequestResult.ACCEPTED);
        });
        return done;
    }

    /** Closes the device's connection with GOAWAY; false when it had none. */
    public boolean disconnect(String deviceId, ReasonCode reason) {
        GoAway goAway = new GoAway(reason, reconnectAfterMillis(), reason.description());
        DeviceSession s = awake.get(deviceId);
        if (s != null) {
            Farewell.send(s.channel(), goAway);
            return true;
        }
        long key = DeviceKeys.of(deviceId);
        if (sleepLoop != null && sleepLoop.closeParked(key, FrameCodec.toBytes(goAway))) {
            metrics.transition(Tier.SLEEP, Tier.DISCONNECTED, TierCause.ADMIN);
            storeReads.execute(() -> loadSession(deviceId).ifPresent(this::markDisconnected));
            return true;
        }
        return false;
    }

    /**
     * The device's credential was revoked: its connection ends with GOAWAY REVOKED in whichever tier it is (a sleeping
     * one straight from the sleep table); false when it had none.
     */
    public boolean revoke(String deviceId) {
        return disconnect(deviceId, ReasonCode.REVOKED);
    }

    /**
     * A server opened or closed a link to the device (streams, RPC). When the last link closes, the connection
     * sleeps at once: the seed's "server activity" demotion trigger.
     */
    public void serverLinks(String deviceId, int delta) {
        DeviceSession s = awake.get(deviceId);
        if (s == null) {
            return;
        }
        Runnable change = () -> {
            int links = Math.max(0, s.serverLinks() + delta);
            s.serverLinks(links);
            if (delta > 0) {
                s.activity(time);
            } else if (links == 0) {
                toSleep(s, TierCause.SERVER_ACTIVITY);
            }
        };
        if (s.channel().eventLoop().inEventLoop()) {
            change.run(); // at once, so that a sleep already under way sees the new link
        } else {
            s.channel().eventLoop().execute(change);
        }
    }

    // ---------------------------------------------------------------- timers and pressure

    /** Checks every awake connection's timers; the action runs on its event loop, which checks again. */
    public void sweep() {
        long now = time.nanoTime();
        for (DeviceSession s : awake.values()) {
            if (s.transitioning() || s.closing()) {
                continue;
            }
            TierPolicy.Decision decision = decide(s, now);
            if (decision != TierPolicy.Decision.NONE) {
                s.channel().eventLoop().execute(() -> apply(s, decision));
            }
        }
    }

    private TierPolicy.Decision decide(DeviceSession s, long now) {
        TierPolicy.Decision d = policy.decide(s.tier(), s.settings(), s.keepAliveSeconds(), s.serverLinks() > 0, now,
                s.lastActivityNanos(), s.lastSeenNanos());
        // TLS connections cannot be parked (their TLS state lives in the SslHandler): they stop at IDLE.
        if (d == TierPolicy.Decision.TO_SLEEP && !pipelines.canPark(s.channel())) {
            return s.tier() == Tier.ACTIVE ? TierPolicy.Decision.TO_IDLE : TierPolicy.Decision.NONE;
        }
        return d;
    }

    private void apply(DeviceSession s, TierPolicy.Decision decision) {
        if (decide(s, time.nanoTime()) != decision) {
            return; // activity arrived between the sweep and now
        }
        switch (decision) {
            case TO_IDLE -> toIdle(s, TierCause.TIMER);
            case TO_SLEEP -> toSleep(s, TierCause.TIMER);
            case CLOSE_SILENT -> {
                metrics.frameRejected(ReasonCode.SILENT);
                Farewell.send(s.channel(), new GoAway(ReasonCode.SILENT, 0,
                        "no keep-alive for " + config.silentKeepAlives() + " intervals"));
            }
            case NONE -> { }
        }
    }

    /** Puts the longest-quiet awake connections to sleep while heap or connection count is over its limit. */
    public void relievePressure() {
        // Connections already on their way to sleep still count as awake until parked; count them as gone, or a
        // check that runs before they land demotes more than the excess.
        int leaving = 0;
        for (DeviceSession s : awake.values()) {
            if (s.leaving()) {
                leaving++;
            }
        }
        int excess = pressure.excess(awake.size() - leaving);
        if (excess == 0) {
            return;
        }
        PriorityQueue<DeviceSession> quietest =
                new PriorityQueue<>(Comparator.comparingLong(DeviceSession::lastActivityNanos).reversed());
        for (DeviceSession s : awake.values()) {
            if (s.settings().alwaysActive() || s.leaving() || !pipelines.canPark(s.channel())) {
                continue;
            }
            quietest.add(s);
            if (quietest.size() > excess) {
                quietest.poll();
            }
        }
        for (DeviceSession s : quietest) {
            s.sleepQueued(true);
            s.channel().eventLoop().execute(() -> toSleep(s, TierCause.PRESSURE));
        }
    }

    // ---------------------------------------------------------------- drain

    /** Stops admitting new devices; handshakes in flight are refused with SHUTTING_DOWN. */
    public void stopAccepting() {
        accepting = false;
    }

    /**
     * Sends GOAWAY with a jittered reconnect-after to every device, awake and asleep, at most {@code ratePerSecond}
     * a second, so the fleet does not come back as one herd. Returns the number of devices told.
     */
    public int evictAll(int ratePerSecond, Duration deadline) throws InterruptedException {
        long deadlineNanos = System.nanoTime() + deadline.toNanos();
        long intervalNanos = TimeUnit.SECONDS.toNanos(1) / ratePerSecond;
        long next = System.nanoTime();
        int told = 0;
        for (DeviceSession s : List.copyOf(awake.values())) {
            if (System.nanoTime() > deadlineNanos) {
                break;
            }
            s.markClosing();
            Farewell.send(s.channel(), new GoAway(ReasonCode.SHUTTING_DOWN, reconnectAfterMillis(),
                    "appliance shutting down"));
            told++;
            next += intervalNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
        }
        long left = deadlineNanos - System.nanoTime();
        if (sleepLoop != null && left > 0) {
            told += sleepLoop.evictAll(key -> FrameCodec.toBytes(new GoAway(ReasonCode.SHUTTING_DOWN,
                    reconnectAfterMillis(), "appliance shutting down")), ratePerSecond, Duration.ofNanos(left));
        }
        return told;
    }

    /** A reconnect-after hint spread uniformly over the configured range. */
    public long reconnectAfterMillis() {
        long min = config.reconnectAfterMin().toMillis();
        long max = config.reconnectAfterMax().toMillis();
        return max <= min ? min : ThreadLocalRandom.current().nextLong(min, max + 1);
    }

    // ---------------------------------------------------------------- queries

    /**
     * A device the appliance knows: connected, provisioned, or with a stored session. Reads the store: off the event
     * loops.
     */
    public boolean knownDevice(String deviceId) {
        return tierOf(deviceId) != Tier.DISCONNECTED || store.loadDevice(deviceId).isPresent()
                || storedSession(deviceId).isPresent();
    }

    public Tier tierOf(String deviceId) {
        DeviceSession s = awake.get(deviceId);
        if (s != null) {
            return s.tier();
        }
        long key = DeviceKeys.of(deviceId);
        // A socket on its way between Netty and the sleep table is still connected: count it as asleep, not gone.
        return sleepLoop != null && (sleepLoop.isParked(key) || inTransit.containsKey(key))
                ? Tier.SLEEP : Tier.DISCONNECTED;
    }

    public Optional<DeviceSession> awakeSession(String deviceId) {
        return Optional.ofNullable(awake.get(deviceId));
    }

    /** Awake device ids after {@code cursor}, sorted, at most {@code limit}. */
    public List<String> awakeIdsAfter(String cursor, int limit) {
        return awake.keySet().stream().filter(id -> cursor == null || id.compareTo(cursor) > 0).sorted()
                .limit(limit).toList();
    }

    public Optional<SessionRecord> storedSession(String deviceId) {
        return loadSession(deviceId);
    }

    public long active() {
        return active.get();
    }

    public long idle() {
        return idle.get();
    }

    public long sleeping() {
        return sleepLoop == null ? 0 : sleepLoop.size();
    }

    public long disconnected() {
        return Math.max(0, disconnected.get());
    }

    public int awakeCount() {
        return awake.size();
    }

    private static SessionRecord withState(SessionRecord r, SessionState state, long sinceMillis) {
        return new SessionRecord(r.deviceId(), r.deviceKey(), r.resumeToken(), state, sinceMillis,
                r.lastActivityMillis(), r.remoteAddress(), r.lastUplinkSeq(), r.lastDownlinkSeq(),
                r.connectedAtMillis(), r.keepAliveSeconds());
    }

    private static String address(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return inet.getAddress().getHostAddress() + ":" + inet.getPort();
        }
        return address == null ? null : address.toString();
    }
}
