package io.connmgr.appliance.stream;

import io.connmgr.protocol.message.ConnectRequest;
import io.connmgr.protocol.message.Frame;
import io.connmgr.protocol.message.StreamClose;
import io.connmgr.protocol.message.StreamData;
import io.connmgr.protocol.message.StreamMode;
import io.connmgr.protocol.message.StreamOpen;
import io.connmgr.protocol.message.StreamOpenResult;
import io.connmgr.protocol.message.StreamReset;
import io.connmgr.protocol.message.StreamWindow;
import io.connmgr.protocol.wire.StreamStatus;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.ConnectException;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The streams of one device link. Everything here runs on the link's event loop, except {@link #dataConnections},
 * which attaching data connections count from their own loops.
 */
final class DeviceStreams {
    private static final byte[] NO_TOKEN = new byte[0];

    final String deviceId;
    /** The device's stream capabilities on this connection. */
    final int capabilities;
    final Channel channel;
    final EventLoop loop;
    private final StreamService service;
    private final IntObjectHashMap<Object> streams = new IntObjectHashMap<>();
    /** Data connections attached and piping; they count against the stream limit until they end. */
    final AtomicInteger dataConnections = new AtomicInteger();
    private int nextId = 1;
    private int lastUnknownReset;
    /** The link ended: its session is gone, so stream ends no longer count against the device's server links. */
    private boolean gone;

    /** An appliance-opened stream waiting for STREAM_OPEN_RESULT (and, for data connections, for STREAM_ATTACH). */
    static final class PendingOpen {
        final OpenRequest request;
        final StreamMetrics.Kind kind;
        final int id;
        final byte[] token;
        ScheduledFuture<?> deadline;
        StreamService.PendingAttach attach;

        PendingOpen(OpenRequest request, StreamMetrics.Kind kind, int id, byte[] token) {
            this.request = request;
            this.kind = kind;
            this.id = id;
            this.token = token;
        }
    }

    /** A device-opened stream whose back-end connection is being made. */
    private record PendingLink(ChannelFuture connect) {
    }

    /**
     * @param capabilities the stream capabilities the device announced in this connection's HELLO, which cannot
     *                     change while the connection lasts
     */
    DeviceStreams(String deviceId, Channel channel, int capabilities, StreamService service) {
        this.deviceId = deviceId;
        this.capabilities = capabilities;
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.service = service;
    }

    int count() {
        return streams.size() + dataConnections.get();
    }

    // ---------------------------------------------------------------- appliance-opened streams

    void open(OpenRequest r) {
        StreamMetrics.Kind kind = service.kindFor(capabilities, r.backend());
        if (!channel.isActive()) {
            fail(r, StreamMetrics.Kind.MULTIPLEXED, StreamStatus.FAILED, OpenFailure.FAILED);
            return;
        }
        if (kind == null) {
            fail(r, StreamMetrics.Kind.MULTIPLEXED, StreamStatus.NOT_SUPPORTED, OpenFailure.NOT_SUPPORTED);
            return;
        }
        if (count() >= service.options().maxStreamsPerDevice() || service.atApplianceCap()) {
            fail(r, kind, StreamStatus.TOO_MANY_STREAMS, OpenFailure.TOO_MANY_STREAMS);
            return;
        }
        int id = allocateId();
        byte[] token = kind == StreamMetrics.Kind.MULTIPLEXED ? NO_TOKEN : service.newToken();
        PendingOpen p = new PendingOpen(r, kind, id, token);
        streams.put(id, p);
        service.serverLinks(deviceId, +1);
        if (token.length > 0) {
            p.attach = service.expectAttach(this, p);
        }
        Frame open = switch (kind) {
            case CONNECT_REQUEST -> new ConnectRequest(id, r.port(), token, r.origin());
            case DATA_CONNECTION -> new StreamOpen(id, service.options().window(), StreamMode.DATA_CONNECTION,
                    r.port(), token, "");
            default -> new StreamOpen(id, r.backend().receiveWindow(service.options().window()),
                    StreamMode.MULTIPLEXED, r.port(), token, "");
        };
        channel.writeAndFlush(open);
        p.deadline = loop.schedule(() -> openTimedOut(p), service.options().connectWait().toMillis(),
                TimeUnit.MILLISECONDS);
        r.backend().closeFuture().addListener(f -> loop.execute(() -> backendLeftEarly(p)));
    }

    private int allocateId() {
        int id;
        do {
            id = nextId;
            nextId += 2;
            if (nextId == 1 || nextId < 0 && id > 0) {
                nextId = 1; // u32 space wraps; ids still open are skipped below
            }
        } while (id == 0 || streams.containsKey(id));
        return id;
    }

    private void fail(OpenRequest r, StreamMetrics.Kind kind, StreamStatus status, OpenFailure failure) {
        service.metrics().opened(kind, status);
        r.reply().failed(failure);
    }

    /** Ends a pending open that did not become a stream. */
    private void abandon(PendingOpen p, StreamStatus status, OpenFailure failure) {
        streams.remove(p.id);
        if (p.deadline != null) {
            p.deadline.cancel(false);
        }
        if (!gone) {
            service.serverLinks(deviceId, -1);
        }
        fail(p.request, p.kind, status, failure);
    }

    private void openTimedOut(PendingOpen p) {
        if (streams.get(p.id) != p || (p.attach != null && !service.claimAttach(p.attach))) {
            return;
        }
        if (p.kind != StreamMetrics.Kind.CONNECT_REQUEST) {
            channel.writeAndFlush(new StreamReset(p.id, StreamStatus.CANCELLED));
        }
        abandon(p, StreamStatus.UNREACHABLE, OpenFailure.UNREACHABLE);
    }

    private void backendLeftEarly(PendingOpen p) {
        if (streams.get(p.id) != p || (p.attach != null && !service.claimAttach(p.attach))) {
            return;
        }
        if (p.kind != StreamMetrics.Kind.CONNECT_REQUEST) {
            channel.writeAndFlush(new StreamReset(p.id, StreamStatus.CANCELLED));
        }
        abandon(p, StreamStatus.CANCELLED, OpenFailure.FAILED);
    }

    private void openResult(StreamOpenResult res) {
        if (!(streams.get(res.streamId()) instanceof PendingOpen p)) {
            return; // answers a stream given up meanwhile
        }
        if (res.status() != StreamStatus.OK) {
            if (p.attach == null || service.claimAttach(p.attach)) {
                abandon(p, res.status(), OpenFailure.of(res.status()));
            }
            return;
        }
        if (p.kind != StreamMetrics.Kind.MULTIPLEXED) {
            return; // the stream starts when its data connection attaches
        }
        p.deadline.cancel(false);
        if (!p.request.backend().isActive()) {
            channel.writeAndFlush(new StreamReset(p.id, StreamStatus.CANCELLED));
            abandon(p, StreamStatus.CANCELLED, OpenFailure.FAILED);
            return;
        }
        StreamEndpoint backend = p.request.backend();
        MuxStream s = new MuxStream(this, p.id, p.kind, backend, backend.receiveWindow(service.options().window()),
                service.options().maxChunk(), service.metrics());
        streams.put(p.id, s);
        service.metrics().opened(p.kind, StreamStatus.OK);
        p.request.reply().succeeded();
        s.start(res.window());
        backend.bind(s, res.window());
    }

    /** A data connection presented this stream's token; from here on the pipe carries it. */
    void attached(PendingOpen p) {
        if (streams.get(p.id) == p) {
            streams.remove(p.id);
            p.deadline.cancel(false);
        }
    }

    // ---------------------------------------------------------------- device-opened streams

    private void deviceOpen(StreamOpen o) {
        int id = o.streamId();
        if (id == 0 || (id & 1) != 0 || streams.containsKey(id)) {
            service.violation(channel, "STREAM_OPEN from the device with stream id " + Integer.toUnsignedString(id)
                    + (streams.containsKey(id) ? " already open" : " (device ids are even and not 0)"));
            return;
        }
        StreamMetrics.Kind kind = StreamMetrics.Kind.DEVICE_LINK;
        StreamService.Target target = service.options().services().get(o.service());
        StreamStatus refusal = o.mode() != StreamMode.MULTIPLEXED ? StreamStatus.NOT_SUPPORTED
                : target == null ? StreamStatus.UNKNOWN_SERVICE
                : count() >= service.options().maxStreamsPerDevice() || service.atApplianceCap()
                ? StreamStatus.TOO_MANY_STREAMS : null;
        if (refusal != null) {
            service.metrics().opened(kind, refusal);
            channel.writeAndFlush(new StreamOpenResult(id, refusal, 0));
            return;
        }
        BackendRelayHandler relay = new BackendRelayHandler();
        ChannelFuture connect = new Bootstrap().group(loop)
                .channel(channel instanceof EpollSocketChannel ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, service.options().waterMark())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.clamp(service.options().connectWait().toMillis(), 1, Integer.MAX_VALUE))
                .handler(relay)
                .connect(target.host(), target.port());
        PendingLink pending = new PendingLink(connect);
        streams.put(id, pending);
        service.serverLinks(deviceId, +1);
        connect.addListener(f -> {
            if (streams.get(id) != pending) {
                connect.channel().close(); // the device reset it or its link ended meanwhile
                return;
            }
            if (!f.isSuccess()) {
                streams.remove(id);
                StreamStatus status = f.cause() instanceof ConnectTimeoutException ? StreamStatus.UNREACHABLE
                        : f.cause() instanceof ConnectException ? StreamStatus.REFUSED : StreamStatus.UNREACHABLE;
                service.metrics().opened(kind, status);
                channel.writeAndFlush(new StreamOpenResult(id, status, 0));
                service.serverLinks(deviceId, -1);
                return;
            }
            SocketEndpoint backend = new SocketEndpoint(connect.channel(), relay);
            MuxStream s = new MuxStream(this, id, kind, backend, service.options().window(),
                    service.options().maxChunk(), service.metrics());
            streams.put(id, s);
            service.metrics().opened(kind, StreamStatus.OK);
            channel.writeAndFlush(new StreamOpenResult(id, StreamStatus.OK, service.options().window()));
            s.start(o.window());
            backend.bind(s, o.window());
        });
    }

    // ---------------------------------------------------------------- frames and link events

    /** A stream frame from the device; the caller checked the capabilities. Takes ownership of STREAM_DATA. */
    void onFrame(Frame frame) {
        switch (frame) {
            case StreamOpen o -> deviceOpen(o);
            case StreamOpenResult r -> openResult(r);
            case StreamData d -> {
                if (streams.get(d.streamId()) instanceof MuxStream s) {
                    s.fromDevice(d);
                } else {
                    d.release();
                    unknownStream(d.streamId());
                }
            }
            case StreamWindow w -> {
                if (streams.get(w.streamId()) instanceof MuxStream s) {
                    s.windowUpdate(w.increment());
                }
            }
            case StreamClose c -> {
                if (streams.get(c.streamId()) instanceof MuxStream s) {
                    s.remoteClose();
                }
            }
            case StreamReset r -> reset(r);
            default -> throw new IllegalArgumentException("not a stream frame: " + frame.type());
        }
    }

    private void unknownStream(int id) {
        if (id != lastUnknownReset) {
            lastUnknownReset = id;
            channel.writeAndFlush(new StreamReset(id, StreamStatus.CANCELLED));
        }
    }

    private void reset(StreamReset r) {
        Object o = streams.get(r.streamId());
        switch (o) {
            case MuxStream s -> s.abort(r.reason());
            case PendingOpen p -> {
                if (p.attach == null || service.claimAttach(p.attach)) {
                    abandon(p, r.reason(), OpenFailure.of(r.reason()));
                }
            }
            case PendingLink l -> {
                streams.remove(r.streamId());
                l.connect().channel().close();
                service.serverLinks(deviceId, -1);
            }
            case null, default -> { }
        }
    }

    void ended(MuxStream s) {
        if (streams.get(s.id) == s) {
            streams.remove(s.id);
        }
        service.metrics().closed(s.kind);
        if (!gone) {
            service.serverLinks(deviceId, -1);
        }
    }

    void writabilityChanged() {
        for (Object o : streams.values()) {
            if (o instanceof MuxStream s) {
                s.updateRead();
            }
        }
    }

    /** The device link ended: every stream on it ends as if reset with CANCELLED. */
    void linkGone() {
        gone = true;
        for (Object o : new ArrayList<>(streams.values())) {
            switch (o) {
                case MuxStream s -> s.abort(StreamStatus.CANCELLED);
                case PendingOpen p -> {
                    if (p.attach == null || service.claimAttach(p.attach)) {
                        abandon(p, StreamStatus.CANCELLED, OpenFailure.FAILED);
                    }
                }
                case PendingLink l -> l.connect().channel().close();
                default -> { }
            }
        }
        streams.clear();
    }
}
