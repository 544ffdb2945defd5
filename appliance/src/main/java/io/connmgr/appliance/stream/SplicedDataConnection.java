package io.connmgr.appliance.stream;

import io.connmgr.protocol.relay.SpliceDirection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Joins a data connection to the back-end's connection with splice(2) (both on epoll): the bytes go socket → pipe →
 * socket in the kernel and never through the JVM. splice needs both sockets on one event loop, so the back-end's
 * connection first moves to the data connection's loop (deregistered from its own, registered on the other, reading
 * off meanwhile). What either side read before the splice began (the back-end's bytes that came with its request,
 * anything the device sent behind STREAM_ATTACH) goes first; a half-close is passed on once every byte before it is
 * written; memory stays at one pipe (64 KiB) per direction plus, after a FIN, one write-buffer's worth.
 *
 * <p>Everything here runs on the data connection's event loop: the back-end's events arrive there once it has
 * moved, and before that its {@link BackendRelayHandler} keeps them.
 */
final class SplicedDataConnection implements DataConnectionRelay {
    private static final Logger log = LoggerFactory.getLogger(SplicedDataConnection.class);

    private final Channel device;
    private final Channel backend;
    private final EventLoop loop;
    private final StreamMetrics metrics;
    private final Runnable onEnd;
    /** What the device side read before the splice began; null once it has. */
    private List<ByteBuf> early = new ArrayList<>(1);
    private boolean deviceEof;
    private SpliceDirection up;
    private SpliceDirection down;
    private int finished;
    private boolean ended;

    SplicedDataConnection(Channel device, Channel backend, StreamMetrics metrics, Runnable onEnd) {
        this.device = device;
        this.backend = backend;
        this.loop = device.eventLoop();
        this.metrics = metrics;
        this.onEnd = onEnd;
    }

    @Override
    public ChannelInboundHandlerAdapter deviceSide() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (!(msg instanceof ByteBuf data) || ended) {
                    ReferenceCountUtil.release(msg);
                } else if (up != null) {
                    up.early(data);
                } else {
                    early.add(data);
                }
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                if (up != null) {
                    up.readComplete();
                }
                ctx.fireChannelReadComplete();
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof ChannelInputShutdownEvent) {
                    if (up != null) {
                        up.inputShutdown();
                    } else {
                        deviceEof = true;
                    }
                    return;
                }
                ctx.fireUserEventTriggered(evt);
            }

            @Override
            public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                if (down != null) {
                    down.targetWritabilityChanged();
                }
                ctx.fireChannelWritabilityChanged();
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                end();
                ctx.fireChannelInactive();
            }

            @Override
            public void handlerRemoved(ChannelHandlerContext ctx) {
                releaseEarly();
            }
        };
    }

    /** The back-end's events once it is on this loop. */
    private BackendRelayHandler.Sink backendSide() {
        return new BackendRelayHandler.Sink() {
            @Override
            public void read(ChannelHandlerContext ctx, ByteBuf data) {
                if (ended) {
                    data.release();
                } else {
                    down.early(data);
                }
            }

            @Override
            public void readComplete() {
                down.readComplete();
            }

            @Override
            public void inputShutdown() {
                down.inputShutdown();
            }

            @Override
            public void inactive() {
                end();
            }

            @Override
            public void writabilityChanged(boolean writable) {
                up.targetWritabilityChanged();
            }
        };
    }

    /** Moves the back-end's connection to this loop, then splices. Called on this loop. */
    @Override
    public void start(BackendRelayHandler relay) {
        if (backend.eventLoop() == loop) {
            loop.execute(() -> joined(relay));
            return;
        }
        // Deregistered on its own loop behind what is already queued there (the proxy's success answer), then
        // registered here; reading stays off throughout (autoRead is off since the hand-off).
        log.debug("back-end connection {}: joining the event loop of data connection {}", backend, device);
        backend.deregister().addListener(d -> {
            if (!d.isSuccess()) {
                log.debug("back-end connection {}: cannot leave its event loop: {}", backend, d.cause().toString());
                loop.execute(this::end);
                return;
            }
            loop.register(backend).addListener(r -> {
                if (!r.isSuccess()) {
                    log.debug("back-end connection {}: cannot join the data connection's event loop: {}", backend,
                            r.cause().toString());
                    end();
                    return;
                }
                joined(relay);
            });
        });
    }

    private void joined(BackendRelayHandler relay) {
        if (ended) {
            return;
        }
        if (!device.isActive() || !backend.isActive()) {
            end();
            return;
        }
        up = new SpliceDirection(device, backend, direction(true));
        down = new SpliceDirection(backend, device, direction(false));
        List<ByteBuf> held = early;
        early = null;
        for (ByteBuf b : held) {
            up.early(b);
        }
        if (deviceEof) {
            up.inputShutdown();
        }
        relay.bindHere(backendSide()); // replays what the back-end sent with its request, and its FIN
        if (ended) {
            return;
        }
        up.start();
        down.start();
    }

    private SpliceDirection.Listener direction(boolean fromDevice) {
        return new SpliceDirection.Listener() {
            @Override
            public void copied(int bytes) {
                if (fromDevice) {
                    metrics.fromDevice(bytes);
                } else {
                    metrics.toDevice(bytes);
                }
            }

            @Override
            public void finished() {
                if (++finished == 2) {
                    end();
                }
            }

            @Override
            public void failed(Throwable cause) {
                log.debug("data connection {}: {} failed: {}", device, fromDevice ? "device → back-end"
                        : "back-end → device", cause.toString());
                end();
            }
        };
    }

    private void end() {
        if (ended) {
            return;
        }
        ended = true;
        releaseEarly();
        // Written bytes go out before the close.
        device.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        backend.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        onEnd.run();
    }

    private void releaseEarly() {
        if (early != null) {
            early.forEach(ByteBuf::release);
            early.clear();
        }
    }
}
