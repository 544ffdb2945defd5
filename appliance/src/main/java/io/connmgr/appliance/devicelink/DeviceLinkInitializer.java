package io.connmgr.appliance.devicelink;

import io.connmgr.appliance.metrics.ApplianceMetrics;
import io.connmgr.appliance.transport.proxyprotocol.ProxyProtocolPolicy;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;

/** Every accepted device connection starts in the handshake pipeline. */
@ChannelHandler.Sharable
public final class DeviceLinkInitializer extends ChannelInitializer<Channel> {
    private final DeviceLinkPipelines pipelines;
    private final ApplianceMetrics metrics;
    private final ProxyProtocolPolicy proxyProtocol;

    public DeviceLinkInitializer(DeviceLinkPipelines pipelines, ApplianceMetrics metrics) {
        this(pipelines, metrics, ProxyProtocolPolicy.OFF);
    }

    private DeviceLinkInitializer(DeviceLinkPipelines pipelines, ApplianceMetrics metrics,
                                  ProxyProtocolPolicy proxyProtocol) {
        this.pipelines = pipelines;
        this.metrics = metrics;
        this.proxyProtocol = proxyProtocol;
    }

    /** Devices may come through the balancers {@code policy} trusts, which name each device in a PROXY header. */
    public DeviceLinkInitializer withProxyProtocol(ProxyProtocolPolicy policy) {
        return new DeviceLinkInitializer(pipelines, metrics, policy);
    }

    @Override
    protected void initChannel(Channel ch) {
        metrics.connectionAccepted();
        pipelines.installHandshake(ch);
        proxyProtocol.addFirstIfTrusted(ch); // last, so the PROXY header stages come before all others
    }
}
