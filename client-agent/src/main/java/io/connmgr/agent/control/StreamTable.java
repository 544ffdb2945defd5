package io.connmgr.agent.control;

import io.connmgr.agent.stream.ConnectRequestHandler;
import io.connmgr.agent.stream.ConnectRequestInfo;
import io.connmgr.agent.stream.Exposure;
import io.connmgr.agent.stream.LocalLink;
import io.connmgr.protocol.codec.FrameEncoder;
import io.connmgr.protocol.message.Capabilities;
import io.connmgr.protocol.message.ConnectRequest;
import io.connmgr.protocol.message.StreamAttach;
import io.connmgr.protocol.message.StreamClose;
import io.connmgr.protocol.message.StreamData;
import io.connmgr.protocol.message.StreamMode;
import io.connmgr.protocol.message.StreamOpen;
import io.connmgr.protocol.message.StreamOpenResult;
import io.connmgr.protocol.message.StreamReset;
import io.connmgr.protocol.message.StreamWindow;
import io.connmgr.protocol.wire.StreamStatus;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.resolver.NoopAddressResolverGroup;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The device side of streams on one {@link DeviceClient}: answers STREAM_OPEN for exposed ports (multiplexed or over
 * a data connection), passes CONNECT_REQUESTs on, opens streams for local connections to device-initiated links, and
 * routes STREAM_* frames to their {@link MuxStream}. Confined to the client's event loop; every local connection runs
 * on that loop too, which is safe because nothing here blocks.
 *
 * <p>A local connection to a link while there is no device link is closed at once, unless the {@link Owner} wants it
 * to wait (an on-demand client, which connects when it is dormant): it then waits, unread, for at most {@link
 * StreamSettings#linkWait()} and gets its stream as soon as the device link is up again, or an orderly close.
 */
final class StreamTable {
    private static final Logger log = LoggerFactory.getLogger(StreamTable.class);
    /** Ids of streams this side reset recently, whose late data is dropped without another STREAM_RESET. */
    private static final int RECENT_RESETS = 1024;
    private static final int STREAM_DATA_HEADER = 4;

    private final StreamSettings settings;
    private final EventLoop loop;
    private final Transport transport;
    private final InetSocketAddress appliance;
    private final LinkTls tls;
    private final OutboundProxy proxy;
    private final Executor worker;
    private final Owner owner;
    private final IntObjectMap<MuxStream> streams = new IntObjectHashMap<>();
    private final Set<DataSplice> splices = new HashSet<>();
    private final Set<Integer> recentlyReset = new LinkedHashSet<>();
    private final List<Channel> listeners = new ArrayList<>();
    /** Local link connections waiting for the device link, in the order they came. */
    private final Map<Channel, Waiting> waiting = new LinkedHashMap<>();
    private final AtomicLong linkWaitsFailed = new AtomicLong();
    /** Streams that wrote to their local socket during the current read of the link, not yet flushed. */
    private final List<MuxStream> unflushed = new ArrayList<>();

    private Channel link;
    private int negotiated;
    private int maxDataBytes;
    private int nextDeviceId = 2;
    /** Connect requests the application is being told of; their answer is still to be sent. */
    private int connectRequestsInFlight;

    StreamTable(StreamSettings settings, EventLoop loop, Transport transport, InetSocketAddress appliance,
                OutboundProxy proxy, LinkTls tls, Executor worker, Owner owner) {
        this.settings = settings;
        this.loop = loop;
        this.transport = transport;
        this.appliance = appliance;
        this.proxy = proxy;
        this.tls = tls;
        this.worker = worker;
        this.owner = owner;
    }

    /** What the table needs from its client; every call is on the event loop. */
    interface Owner {
        /** The appliance broke the stream protocol in a way no STREAM_RESET can answer. */
        void streamViolation(String detail);

        /** A stream opened or ended, or a connect request was answered: stream business counts as activity. */
        void streamActivity();

        /**
         * A local program connected to {@code link} while there is no device link. True lets the connection wait for
         * the device link (the owner connects if it was dormant); false closes it at once.
         */
        boolean awaitLink(LocalLink link);
    }

    private record Waiting(LocalLink link, ScheduledFuture<?> timer) {
    }

    /** Capability bits the configured features announce in HELLO. */
    static int capabilities(StreamSettings s) {
        int caps = 0;
        if (!s.exposures().isEmpty()) {
            caps |= s.mode() == StreamMode.DATA_CONNECTION ? Capabilities.DATA_CONNECTIONS : Capabilities.STREAMS;
        }
        if (s.connectRequests() != null) {
            caps |= Capabilities.CONNECT_REQUESTS;
        }
        if (!s.links().isEmpty()) {
            caps |= Capabilities.DEVICE_LINKS;
        }
        return caps;
    }

    // ---- lifecycle ----

    /** Binds the local listeners of device-initiated links; blocks until bound (not called on the loop). */
    List<InetSocketAddress> bindLinks() {
        List<InetSocketAddress> bound = new ArrayList<>();
        for (LocalLink l : settings.links()) {
            Channel server = new ServerBootstrap()
                    .group(loop)
                    .channel(transport.serverSocketChannelClass())
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            accepted(ch, l);
                        }
                    })
                    .bind(l.bindHost(), l.bindPort())
                    .syncUninterruptibly()
                    .channel();
            listeners.add(server);
            bound.add((InetSocketAddress) server.localAddress());
            log.debug("link {}: listening on {}", l.service(), server.localAddress());
        }
        return bound;
    }

    void linkUp(Channel channel, int negotiatedCapabilities, int maxFrameSize) {
        link = channel;
        negotiated = negotiatedCapabilities;
        maxDataBytes = Math.max(1, maxFrameSize - STREAM_DATA_HEADER);
        nextDeviceId = 2;
        recentlyReset.clear();
        if (settings.connectRequests() != null && (negotiated & Capabilities.CONNECT_REQUESTS) == 0) {
            log.info("the appliance does not offer CONNECT_REQUESTS; connect requests are off on this connection");
        }
        if (!settings.links().isEmpty() && (negotiated & Capabilities.DEVICE_LINKS) == 0) {
            log.info("the appliance does not offer DEVICE_LINKS; local link connections will be closed");
        }
        for (Map.Entry<Channel, Waiting> e : List.copyOf(waiting.entrySet())) {
            Channel ch = e.getKey();
            LocalLink l = e.getValue().link();
            stopWaiting(ch);
            if ((negotiated & Capabilities.DEVICE_LINKS) == 0) {
                giveUp(ch, l, "the appliance does not offer DEVICE_LINKS");
            } else {
                openLinkStream(ch, l);
            }
        }
    }

    /** The device link ended: every multiplexed stream on it ends (data connections are separate and go on). */
    void linkDown() {
        link = null;
        negotiated = 0;
        flushLocals();
        if (!streams.isEmpty()) {
            log.debug("device link ended: ending {} streams", streams.size());
            for (MuxStream s : List.copyOf(streams.values())) {
                s.abort();
            }
        }
    }

    /**
     * While the device link's outbound buffer is above its high-water mark no local socket is read, so stream data
     * never piles up in front of PINGs and other frames; when it drains, every stream resumes within its window.
     */
    void linkWritabilityChanged() {
        for (MuxStream s : List.copyOf(streams.values())) {
            s.resume();
        }
    }

    void close() {
        linkDown();
        listeners.forEach(Channel::close);
        listeners.clear();
        for (Channel ch : List.copyOf(waiting.keySet())) {
            stopWaiting(ch);
            ch.close();
        }
        for (DataSplice s : List.copyOf(splices)) {
            s.close();
        }
    }

    int active() {
        return streams.size() + splices.size();
    }

    /**
     * Stream business not finished: open streams, local link connections waiting for the device link, and connect
     * requests not answered yet. An on-demand client does not go quiet while there is any.
     */
    int outstanding() {
        return active() + waiting.size() + connectRequestsInFlight;
    }

    /** Local link connections waiting for the device link. */
    int waitingForLink() {
        return waiting.size();
    }

    /** Local link connections that waited for the device link in vain and were closed without a stream. */
    long linkWaitsFailed() {
        return linkWaitsFailed.get();
    }

    int maxDataBytes() {
        return maxDataBytes;
    }

    // ---- frames from the appliance; each returns false when the negotiated capabilities do not allow it ----

    boolean onOpen(StreamOpen open) {
        if ((negotiated & (Capabilities.STREAMS | Capabilities.DATA_CONNECTIONS)) == 0) {
            return false;
        }
        int id = open.streamId();
        if ((id & 1) == 0) {
            owner.streamViolation("STREAM_OPEN with the device-side (even) stream id " + Integer.toUnsignedString(id));
            return true;
        }
        if (streams.containsKey(id)) {
            owner.streamViolation("STREAM_OPEN for stream " + Integer.toUnsignedString(id) + ", which is open");
            return true;
        }
        int needed = open.mode() == StreamMode.DATA_CONNECTION ? Capabilities.DATA_CONNECTIONS : Capabilities.STREAMS;
        Exposure exposure = settings.exposures().get(open.port());
        String label = "port " + open.port() + (exposure == null ? "" : " (" + exposure.targetHost() + ":"
                + exposure.targetPort() + ")");
        if ((negotiated & needed) == 0) {
            refuse(id, label, StreamStatus.NOT_SUPPORTED, open.mode() + " streams are not enabled");
        } else if (exposure == null) {
            refuse(id, label, StreamStatus.NOT_EXPOSED, "port not in the expose list");
        } else if (active() >= settings.maxStreams()) {
            refuse(id, label, StreamStatus.TOO_MANY_STREAMS, settings.maxStreams() + " streams already open");
        } else if (open.mode() == StreamMode.MULTIPLEXED) {
            openMultiplexed(open, exposure, label);
        } else {
            openDataConnection(open, exposure, label);
        }
        return true;
    }

    boolean onOpenResult(StreamOpenResult result) {
        if ((negotiated & Capabilities.DEVICE_LINKS) == 0) {
            return false;
        }
        MuxStream s = streams.get(result.streamId());
        if (s == null || s.state() != MuxStream.State.OPENING) {
            log.debug("STREAM_OPEN_RESULT for stream {} that is not opening, ignored",
                    Integer.toUnsignedString(result.streamId()));
        } else if (result.status() == StreamStatus.OK) {
            s.opened(result.window());
        } else {
            log.info("stream {} {}: appliance answered {} ({}); closing the local connection",
                    Integer.toUnsignedString(s.id), s.label, result.status(), result.status().description());
            s.abort();
        }
        return true;
    }

    /** Takes ownership of the frame when it returns true. */
    boolean onData(StreamData data) {
        if (!streamsNegotiated()) {
            return false;
        }
        MuxStream s = streams.get(data.streamId());
        if (s != null) {
            s.onData(data);
            return true;
        }
        data.release();
        if (recentlyReset.add(data.streamId())) {
            trimRecentResets();
            link.writeAndFlush(new StreamReset(data.streamId(), StreamStatus.CANCELLED), link.voidPromise());
        }
        return true;
    }

    boolean onWindow(StreamWindow window) {
        if (!streamsNegotiated()) {
            return false;
        }
        MuxStream s = streams.get(window.streamId());
        if (s != null) {
            s.onWindow(window.increment());
        }
        return true;
    }

    boolean onClose(StreamClose close) {
        if (!streamsNegotiated()) {
            return false;
        }
        MuxStream s = streams.get(close.streamId());
        if (s != null) {
            s.onClose();
        }
        return true;
    }

    boolean onReset(StreamReset reset) {
        if (!streamsNegotiated()) {
            return false;
        }
        MuxStream s = streams.get(reset.streamId());
        if (s != null) {
            s.onReset(reset.reason());
        }
        return true;
    }

    boolean onConnectRequest(ConnectRequest request) {
        if ((negotiated & Capabilities.CONNECT_REQUESTS) == 0 || settings.connectRequests() == null) {
            return false;
        }
        String id = Integer.toUnsignedString(request.requestId());
        if (!settings.exposures().containsKey(request.port())) {
            log.info("connect request {} from {} for port {}: not in the expose list, refused", id,
                    request.origin(), request.port());
            link.writeAndFlush(new StreamOpenResult(request.requestId(), StreamStatus.NOT_EXPOSED, 0),
                    link.voidPromise());
            return true;
        }
        ConnectRequestInfo info = new ConnectRequestInfo(Integer.toUnsignedLong(request.requestId()), request.port(),
                request.token(), request.origin(), appliance.getHostString(), appliance.getPort());
        Channel at = link;
        log.debug("connect request {} from {} for port {}: notifying the application", id, request.origin(),
                request.port());
        ConnectRequestHandler handler = settings.connectRequests();
        connectRequestsInFlight++;
        try {
            worker.execute(() -> {
                CompletionStage<Void> told;
                try {
                    told = handler.onConnectRequest(info);
                } catch (Exception | Error e) {
                    told = CompletableFuture.failedFuture(e);
                }
                told.whenComplete((ok, failure) -> loop.execute(() -> answerConnectRequest(at, request, failure)));
            });
        } catch (RejectedExecutionException e) {
            answerConnectRequest(at, request, e);
        }
        return true;
    }

    private void answerConnectRequest(Channel at, ConnectRequest request, Throwable failure) {
        connectRequestsInFlight--;
        owner.streamActivity();
        String id = Integer.toUnsignedString(request.requestId());
        StreamStatus status = failure == null ? StreamStatus.OK : StreamStatus.FAILED;
        if (failure != null) {
            log.warn("connect request {} for port {}: notifying the application failed: {}", id, request.port(),
                    LinkHandler.describe(LinkHandler.unwrap(failure)));
        } else {
            log.debug("connect request {} for port {}: application notified", id, request.port());
        }
        if (at != link) {
            log.debug("connect request {}: the device link it came on has ended; no answer sent", id);
            return;
        }
        at.writeAndFlush(new StreamOpenResult(request.requestId(), status, 0), at.voidPromise());
    }

    // ---- opening ----

    private void openMultiplexed(StreamOpen open, Exposure exposure, String label) {
        int id = open.streamId();
        MuxStream s = new MuxStream(this, link, id, label, MuxStream.State.CONNECTING, settings.window());
        streams.put(id, s);
        Channel at = link;
        connectLocal(exposure, s).addListener((ChannelFuture f) -> {
            if (s.state() != MuxStream.State.CONNECTING) {
                MuxStream.abortLocal(f.channel()); // reset by the appliance, or the link ended meanwhile
                return;
            }
            if (!f.isSuccess()) {
                streams.remove(id);
                refuse(id, label, failureStatus(f.cause()), LinkHandler.describe(f.cause()));
                return;
            }
            s.localConnected(f.channel());
            at.writeAndFlush(new StreamOpenResult(id, StreamStatus.OK, settings.window()), at.voidPromise());
            s.opened(open.window());
        });
    }

    private void openDataConnection(StreamOpen open, Exposure exposure, String label) {
        int id = open.streamId();
        DataSplice splice = new DataSplice(this, "stream " + Integer.toUnsignedString(id) + " " + label,
                settings.dataConnectionSplice());
        splices.add(splice);
        Channel at = link;
        byte[] token = open.token();
        connectLocal(exposure, splice.relayFromLocal()).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                splices.remove(splice);
                refuse(id, label, failureStatus(f.cause()), LinkHandler.describe(f.cause()));
                return;
            }
            splice.localConnected(f.channel());
            if (at == link) {
                at.writeAndFlush(new StreamOpenResult(id, StreamStatus.OK, settings.window()), at.voidPromise());
            }
            dialDataConnection(splice, token).addListener((ChannelFuture d) -> {
                if (!d.isSuccess()) {
                    log.info("stream {} {}: data connection to the appliance failed: {}",
                            Integer.toUnsignedString(id), label, LinkHandler.describe(d.cause()));
                    if (link != null) {
                        sendReset(link, id, StreamStatus.FAILED);
                    }
                    splice.close();
                    return;
                }
                // STREAM_ATTACH is the only frame this side sends here, and the appliance's answer the only frame it
                // receives: after them every byte passes untouched.
                Channel data = d.channel();
                AttachAnswerHandler.install(data.pipeline(), "relay", new AttachAnswerHandler(
                        () -> splice.attached(data),
                        reason -> {
                            log.info("stream {} {}: {}", Integer.toUnsignedString(id), label, reason);
                            if (link != null) {
                                sendReset(link, id, StreamStatus.FAILED);
                            }
                            splice.close();
                        }));
                data.write(new StreamAttach(token), data.voidPromise());
                data.pipeline().remove("encoder");
                data.flush();
            });
        });
    }

    private ChannelFuture dialDataConnection(DataSplice splice, byte[] token) {
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannelClass())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis())
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (proxy != null) {
                            ch.pipeline().addLast("proxy", proxy.newHandler());
                        }
                        if (tls != null) {
                            ch.pipeline().addLast("tls", tls.newHandler(ch, appliance));
                        }
                        ch.pipeline()
                                .addLast("encoder", FrameEncoder.INSTANCE)
                                .addLast("relay", splice.relayFromData());
                    }
                });
        if (proxy != null) {
            b.resolver(NoopAddressResolverGroup.INSTANCE); // the proxy resolves the appliance's name
        }
        return b.connect(appliance);
    }

    private ChannelFuture connectLocal(Exposure exposure, ChannelHandler handler) {
        SocketAddress target = InetSocketAddress.createUnresolved(exposure.targetHost(), exposure.targetPort());
        return new Bootstrap()
                .group(loop)
                .channel(transport.socketChannelClass())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis())
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.AUTO_READ, false) // nothing is read before the stream is open
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(handler)
                .connect(target);
    }

    // ---- device-initiated links ----

    private void accepted(Channel ch, LocalLink l) {
        if (active() + waiting.size() >= settings.maxStreams()) {
            log.info("link {}: local connection from {} closed: {} streams already open", l.service(),
                    ch.remoteAddress(), settings.maxStreams());
            MuxStream.abortLocal(ch);
            return;
        }
        if (link == null && owner.awaitLink(l)) {
            waitForLink(ch, l);
            return;
        }
        if (link == null || (negotiated & Capabilities.DEVICE_LINKS) == 0) {
            log.info("link {}: local connection from {} closed: {}", l.service(), ch.remoteAddress(),
                    link == null ? "not connected to the appliance" : "the appliance does not offer DEVICE_LINKS");
            MuxStream.abortLocal(ch);
            return;
        }
        openLinkStream(ch, l);
    }

    /** Holds an accepted local connection, unread, until the device link is up or the wait is over. */
    private void waitForLink(Channel ch, LocalLink l) {
        long millis = settings.linkWait().toMillis();
        ScheduledFuture<?> timer = loop.schedule(() -> {
            if (waiting.containsKey(ch)) {
                stopWaiting(ch);
                giveUp(ch, l, "no device link within " + millis + " ms");
            }
        }, settings.linkWait().toNanos(), TimeUnit.NANOSECONDS);
        waiting.put(ch, new Waiting(l, timer));
        // A local program that gives up first is forgotten; its connection is only noticed closed when read, though.
        ch.closeFuture().addListener(f -> stopWaiting(ch));
        log.debug("link {}: local connection from {} waits up to {} ms for the device link", l.service(),
                ch.remoteAddress(), millis);
    }

    private void stopWaiting(Channel ch) {
        Waiting w = waiting.remove(ch);
        if (w != null) {
            w.timer().cancel(false);
        }
    }

    /** Ends a local connection that waited for the device link in vain: an orderly close, counted and logged. */
    private void giveUp(Channel ch, LocalLink l, String why) {
        linkWaitsFailed.incrementAndGet();
        log.info("link {}: local connection from {} closed: {}", l.service(), ch.remoteAddress(), why);
        ch.close();
    }

    private void openLinkStream(Channel ch, LocalLink l) {
        String label = "service " + l.service();
        int id = nextDeviceStreamId();
        MuxStream s = new MuxStream(this, link, id, label, MuxStream.State.OPENING, settings.window());
        streams.put(id, s);
        s.localConnected(ch);
        ch.pipeline().addLast("stream", s);
        owner.streamActivity();
        log.debug("stream {} {}: opening for local connection from {}", Integer.toUnsignedString(id), label,
                ch.remoteAddress());
        link.writeAndFlush(new StreamOpen(id, settings.window(), StreamMode.MULTIPLEXED, 0, new byte[0], l.service()),
                link.voidPromise());
    }

    private int nextDeviceStreamId() {
        while (true) {
            int id = nextDeviceId;
            nextDeviceId += 2;
            if (nextDeviceId == 0) {
                nextDeviceId = 2; // wrapped around u32
            }
            if (!streams.containsKey(id)) {
                return id;
            }
        }
    }

    // ---- helpers for streams ----

    void remove(MuxStream s) {
        if (streams.remove(s.id) != null) {
            owner.streamActivity();
        }
    }

    /** {@code s} wrote to its local socket; it is flushed when the link's read completes. */
    void flushLater(MuxStream s) {
        unflushed.add(s);
    }

    /** The link's read is complete: every local socket written to since is flushed once. */
    void flushLocals() {
        if (unflushed.isEmpty()) {
            return;
        }
        for (int i = 0; i < unflushed.size(); i++) { // by index: a flush's callbacks may add to the list
            unflushed.get(i).flushLocal();
        }
        unflushed.clear();
    }

    void spliceEnded(DataSplice s) {
        if (splices.remove(s)) {
            owner.streamActivity();
        }
    }

    void sendReset(Channel at, int id, StreamStatus reason) {
        if (at != link) {
            return;
        }
        recentlyReset.add(id);
        trimRecentResets();
        at.writeAndFlush(new StreamReset(id, reason), at.voidPromise());
    }

    private void refuse(int id, String label, StreamStatus status, String why) {
        log.info("stream {} to {}: {} ({})", Integer.toUnsignedString(id), label, status, why);
        if (link != null) {
            link.writeAndFlush(new StreamOpenResult(id, status, 0), link.voidPromise());
        }
    }

    private boolean streamsNegotiated() {
        return (negotiated & (Capabilities.STREAMS | Capabilities.DATA_CONNECTIONS | Capabilities.DEVICE_LINKS)) != 0;
    }

    private void trimRecentResets() {
        var it = recentlyReset.iterator();
        while (recentlyReset.size() > RECENT_RESETS && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    private int connectTimeoutMillis() {
        return (int) Math.min(Integer.MAX_VALUE, settings.localConnectTimeout().toMillis());
    }

    static StreamStatus failureStatus(Throwable cause) {
        Throwable t = LinkHandler.unwrap(cause);
        if (t instanceof ConnectTimeoutException || t instanceof UnknownHostException
                || t instanceof NoRouteToHostException) {
            return StreamStatus.UNREACHABLE;
        }
        if (t instanceof ConnectException) {
            String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            return message.contains("refused") ? StreamStatus.REFUSED : StreamStatus.UNREACHABLE;
        }
        return StreamStatus.FAILED;
    }

    /**
     * The stream options of a client.
     *
     * @param exposures           exposed ports by the port back-ends ask for
     * @param links               device-initiated links to listen for
     * @param mode                how this device prefers appliance-opened streams (decides the capability announced)
     * @param window              receive window granted per stream
     * @param maxStreams          concurrent streams, all kinds together
     * @param localConnectTimeout how long to wait for a local service (and for the data connection)
     * @param connectRequests     the application to notify of CONNECT_REQUESTs, or {@code null}
     * @param linkWait            how long a local link connection may wait for the device link, when it may wait
     * @param dataConnectionSplice relay data connections with splice(2) where both sockets are epoll's
     */
    record StreamSettings(Map<Integer, Exposure> exposures, List<LocalLink> links, StreamMode mode, int window,
                          int maxStreams, Duration localConnectTimeout, ConnectRequestHandler connectRequests,
                          Duration linkWait, boolean dataConnectionSplice) {
        boolean any() {
            return !exposures.isEmpty() || !links.isEmpty() || connectRequests != null;
        }
    }
}
