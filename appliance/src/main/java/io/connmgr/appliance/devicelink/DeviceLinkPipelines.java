package io.connmgr.appliance.devicelink;

import io.connmgr.appliance.admission.AdmissionControl;
import io.connmgr.appliance.messaging.UplinkGate;
import io.connmgr.appliance.metrics.ApplianceMetrics;
import io.connmgr.appliance.session.DeviceSession;
import io.connmgr.appliance.session.TimeSource;
import io.connmgr.appliance.stream.StreamService;
import io.connmgr.appliance.tier.ConnectionManager;
import io.connmgr.protocol.codec.FrameDecoder;
import io.connmgr.protocol.codec.FrameEncoder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;

import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Builds the device-link pipeline of each tier, in one place.
 *
 * <pre>
 * (front stages of the listener, e.g. tls: never touched here)
 * handshake: decoder → violations → encoder → handshake → exceptions
 * ACTIVE:    decoder → violations → encoder → link      → exceptions
 * IDLE:      idle
 * SLEEP:     (no channel: the socket is parked in the sleep table; never for a TLS connection, whose state is in
 *            its SslHandler, so TLS connections stop at IDLE)
 * </pre>
 * The violation handler sits right after the decoder so a protocol error is answered before any state changes; the
 * exception handler is last so it sees what every stage before it failed to handle.
 */
public final class DeviceLinkPipelines {
    private final ConnectionManager manager;
    private final HandshakeService handshakeService;
    private final ApplianceMetrics metrics;
    private final Executor storeExecutor;
    private final TimeSource time;
    private final ProtocolViolationHandler violations;
    private final int maxFrameSize;
    private final long handshakeTimeoutMillis;
    private final AdmissionControl admission;
    private StreamService streams;
    private Function<Channel, String> certificateIdentity = ch -> null;
    private UplinkGate uplinkGate;

    public DeviceLinkPipelines(ConnectionManager manager, HandshakeService handshakeService,
                               ApplianceMetrics metrics, Executor storeExecutor, TimeSource time, int maxFrameSize,
                               long handshakeTimeoutMillis, AdmissionControl admission) {
        this.manager = manager;
        this.handshakeService = handshakeService;
        this.metrics = metrics;
        this.storeExecutor = storeExecutor;
        this.time = time;
        this.maxFrameSize = maxFrameSize;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
        this.admission = admission;
        this.violations = new ProtocolViolationHandler(metrics, manager.violationReconnectAfterMillis());
    }

    /** Offers streams on device links and accepts data connections; before the device listener starts. */
    public void attachStreams(StreamService streams) {
        this.streams = streams;
    }

    /**
     * Where the device id of a connection's client certificate comes from (see
     * {@link io.connmgr.appliance.transport.tls.ApplianceTls#deviceIdentity}); before the device listeners start.
     */
    public void attachCertificateIdentity(Function<Channel, String> identity) {
        this.certificateIdentity = identity;
    }

    /**
     * Whether the connection's socket may leave Netty for the sleep table: not a TLS one, whose session keys and
     * sequence numbers live in its SslHandler's engine and would be lost with it.
     */
    public boolean canPark(Channel ch) {
        return ch.pipeline().get(HandlerNames.TLS) == null;
    }

    /** Pauses links whose uplink messages cannot be passed on yet; before the device listener starts. */
    public void attachUplinkGate(UplinkGate gate) {
        this.uplinkGate = gate;
    }

    /** Null when uplinks are never paused for their subscribers. */
    public UplinkGate uplinkGate() {
        return uplinkGate;
    }

    public void installHandshake(Channel ch) {
        ch.pipeline()
                .addLast(HandlerNames.DECODER, new FrameDecoder(maxFrameSize))
                .addLast(HandlerNames.VIOLATIONS, violations)
                .addLast(HandlerNames.ENCODER, FrameEncoder.INSTANCE)
                .addLast(HandlerNames.HANDSHAKE, new HandshakeHandler(handshakeService, manager, metrics,
                        storeExecutor, handshakeTimeoutMillis, admission)
                        .acceptingAttach(streams).certificateIdentity(certificateIdentity))
                .addLast(HandlerNames.EXCEPTIONS, ExceptionHandler.INSTANCE);
    }

    /** From the handshake, from IDLE, or on a freshly attached channel after a wake. */
    public void installActive(Channel ch, DeviceSession session) {
        ChannelPipeline p = ch.pipeline();
        ActiveLinkHandler link = new ActiveLinkHandler(session, manager, metrics, time, streams, uplinkGate);
        if (p.get(HandlerNames.HANDSHAKE) != null) {
            p.replace(HandlerNames.HANDSHAKE, HandlerNames.LINK, link);
            return;
        }
        if (p.get(HandlerNames.IDLE) != null) {
            p.remove(HandlerNames.IDLE);
        }
        p.addLast(HandlerNames.DECODER, new FrameDecoder(maxFrameSize))
                .addLast(HandlerNames.VIOLATIONS, violations)
                .addLast(HandlerNames.ENCODER, FrameEncoder.INSTANCE)
                .addLast(HandlerNames.LINK, link)
                .addLast(HandlerNames.EXCEPTIONS, ExceptionHandler.INSTANCE);
    }

    /** True when the decoder holds no partial frame, so the pipeline can be trimmed without losing bytes. */
    public boolean canTrim(Channel ch) {
        FrameDecoder decoder = (FrameDecoder) ch.pipeline().get(HandlerNames.DECODER);
        return decoder == null || !decoder.hasPartialFrame();
    }

    /** Trims to the IDLE pipeline; the caller checked {@link #canTrim}. */
    public void installIdle(Channel ch, DeviceSession session) {
        ChannelPipeline p = ch.pipeline();
        for (String name : new String[]{HandlerNames.DECODER, HandlerNames.VIOLATIONS, HandlerNames.ENCODER,
                HandlerNames.LINK, HandlerNames.EXCEPTIONS}) {
            if (p.get(name) != null) {
                p.remove(name);
            }
        }
        p.addLast(HandlerNames.IDLE, new IdleLinkHandler(session, manager, metrics, time));
    }
}
