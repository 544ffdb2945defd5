package io.connmgr.appliance.devicelink;

import io.connmgr.appliance.metrics.ApplianceMetrics;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;

/** Every accepted device connection starts in the handshake pipeline. */
@ChannelHandler.Sharable
public final class DeviceLinkInitializer extends ChannelInitializer<Channel> {
    private final DeviceLinkPipelines pipelines;
    private final ApplianceMetrics metrics;

    public DeviceLinkInitializer(DeviceLinkPipelines pipelines, ApplianceMetrics metrics) {
        this.pipelines = pipelines;
        this.metrics = metrics;
    }

    @Override
    protected void initChannel(Channel ch) {
        metrics.connectionAccepted();
        pipelines.installHandshake(ch);
    }
}
