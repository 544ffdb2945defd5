package io.connmgr.appliance.transport;

import io.netty.channel.ChannelPipeline;

import java.util.List;

/**
 * A listener's front stages (TLS; a PROXY-protocol decoder) sit at the head of a pipeline for a connection's whole
 * life. Bytes that a later stage read and hands back for replay are already past them (decrypted, say): firing them
 * from the pipeline's head would push them through TLS a second time. They go into the named stage instead.
 */
public final class FrontStages {
    private FrontStages() {
    }

    /** Fires {@code msg} into the stage named {@code stage}, as if the stage before it had passed it on. */
    public static void replayInto(ChannelPipeline p, String stage, Object msg) {
        List<String> names = p.names();
        int at = names.indexOf(stage);
        if (at <= 0) {
            p.fireChannelRead(msg);
        } else {
            p.context(names.get(at - 1)).fireChannelRead(msg);
        }
    }
}
