package io.connmgr.appliance.devicelink;

import io.connmgr.appliance.metrics.ApplianceMetrics;
import io.connmgr.appliance.transport.proxyprotocol.ProxyProtocolPolicy;
import io.connmgr.appliance.transport.tls.ApplianceTls;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;

/**
 * Every accepted device connection starts in the handshake pipeline, behind the front stages of its listener. One
 * initializer per listener: the plain device port, and the TLS one.
 */
@ChannelHandler.Sharable
public final class DeviceLinkInitializer extends ChannelInitializer<Channel> {
    private final DeviceLinkPipelines pipelines;
    private final ApplianceMetrics metrics;
    private final ApplianceTls tls;
    private final ProxyProtocolPolicy proxyProtocol;

    public DeviceLinkInitializer(DeviceLinkPipelines pipelines, ApplianceMetrics metrics) {
        this(pipelines, metrics, null);
    }

    /** @param tls the listener's TLS, or null for the plain device port */
    public DeviceLinkInitializer(DeviceLinkPipelines pipelines, ApplianceMetrics metrics, ApplianceTls tls) {
        this(pipelines, metrics, tls, ProxyProtocolPolicy.OFF);
    }

    private DeviceLinkInitializer(DeviceLinkPipelines pipelines, ApplianceMetrics metrics, ApplianceTls tls,
                                  ProxyProtocolPolicy proxyProtocol) {
        this.pipelines = pipelines;
        this.metrics = metrics;
        this.tls = tls;
        this.proxyProtocol = proxyProtocol;
    }

    /** Devices may come through the balancers {@code policy} trusts, which name each device in a PROXY header. */
    public DeviceLinkInitializer withProxyProtocol(ProxyProtocolPolicy policy) {
        return new DeviceLinkInitializer(pipelines, metrics, tls, policy);
    }

    @Override
    protected void initChannel(Channel ch) {
        metrics.connectionAccepted();
        addFrontHandlers(ch);
        pipelines.installHandshake(ch);
        proxyProtocol.addFirstIfTrusted(ch); // last, so the PROXY header stages come before all others
    }

    /**
     * The stages that stay at the head of the pipeline for the connection's whole life, whatever its tier: tier
     * changes add and remove only the stages behind them (see {@link DeviceLinkPipelines}). TLS decrypts here, so the
     * handshake, ACTIVE and IDLE stages all see the same bytes as on the plain port.
     */
    private void addFrontHandlers(Channel ch) {
        if (tls != null) {
            ch.pipeline().addLast(HandlerNames.TLS, tls.newDeviceHandler(ch));
        }
    }
}
