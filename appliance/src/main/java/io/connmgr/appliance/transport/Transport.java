package io.connmgr.appliance.transport;

import io.connmgr.appliance.config.ApplianceConfig;
import io.connmgr.protocol.relay.EpollLoops;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Native epoll where available (Linux), NIO elsewhere. Only epoll descriptors can be parked in the sleep table, so
 * on NIO connections stop at IDLE.
 */
public final class Transport {
    private static final Logger log = LoggerFactory.getLogger(Transport.class);
    private final boolean epoll;

    private Transport(boolean epoll) {
        this.epoll = epoll;
    }

    public static Transport detect() {
        if (Epoll.isAvailable()) {
            return new Transport(true);
        }
        log.warn("native epoll unavailable ({}); using NIO: sleeping connections will stay IDLE in memory",
                Epoll.unavailabilityCause() == null ? "not Linux" : Epoll.unavailabilityCause().toString());
        return new Transport(false);
    }

    public boolean isEpoll() {
        return epoll;
    }

    /** Event loops of this transport; on epoll with {@link EpollLoops}' fix for half-closed sockets. */
    public EventLoopGroup newGroup(int threads, String name) {
        IoHandlerFactory factory = epoll ? EpollLoops.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), factory);
    }

    public Class<? extends ServerChannel> serverChannelClass() {
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /**
     * Socket options of device connections. Kernel keep-alive probes are the seed's "empty TCP segment": they keep
     * NAT mappings and detect dead peers without costing the appliance any CPU.
     */
    public void configureDeviceListener(ServerBootstrap b, ApplianceConfig c) {
        b.option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                // Above the high mark a link stops reading from its device and the streams feeding it pause.
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, c.backpressure().waterMark())
                // Device traffic is small; start reads small so a million connections do not each hold 2 KiB.
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(64, 512, 65536));
        if (epoll) {
            b.childOption(EpollChannelOption.TCP_KEEPIDLE, (int) c.tcpKeepAliveIdle().toSeconds())
                    .childOption(EpollChannelOption.TCP_KEEPINTVL, (int) c.tcpKeepAliveInterval().toSeconds())
                    .childOption(EpollChannelOption.TCP_KEEPCNT, c.tcpKeepAliveCount())
                    .childOption(EpollChannelOption.TCP_USER_TIMEOUT, (int) c.tcpUserTimeout().toMillis());
        }
    }
}
