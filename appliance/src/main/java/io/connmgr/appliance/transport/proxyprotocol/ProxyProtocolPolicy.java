package io.connmgr.appliance.transport.proxyprotocol;

import io.connmgr.appliance.config.SourceNetworks;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;

import java.time.Duration;

/**
 * Whether a listener takes a PROXY protocol header on a new connection. The socket's own peer decides: a balancer in
 * the trusted networks must begin with a header (v1 or v2, told apart by its first bytes); from any other peer no
 * header is ever parsed, so its bytes, "PROXY ..." included, go to the listener's protocol decoder, which refuses them
 * as the protocol error they are. An untrusted peer can therefore never claim another client's address.
 */
public final class ProxyProtocolPolicy {
    /** Pipeline names of the two PROXY header stages; both leave the pipeline once the header is read. */
    public static final String DECODER = "proxy-protocol-decoder";
    public static final String FRONT = "proxy-protocol";

    /**
     * Largest v2 header taken: the 16-byte fixed part and 1 KiB of addresses and TLVs (HAProxy sends 12 bytes for
     * IPv4, 36 for IPv6, plus the TLVs it is configured to add). A v1 line is limited by the protocol to 107 bytes.
     * Larger headers are refused, so a connection never holds more than this many bytes before its header is read.
     */
    public static final int MAX_V2_HEADER_BYTES = 16 + 1024;
    /** Netty sizes its v2 limit as 16 fixed bytes, 216 of address (a UNIX socket's) and this many of TLVs. */
    private static final int MAX_TLV_BYTES = MAX_V2_HEADER_BYTES - 16 - 216;

    /** Takes no header from anyone: the default of every listener. */
    public static final ProxyProtocolPolicy OFF = new ProxyProtocolPolicy(SourceNetworks.NONE, Duration.ZERO, null);

    private final SourceNetworks trusted;
    private final long deadlineMillis;
    private final ProxyProtocolMetrics metrics;

    /**
     * @param trusted  the balancers that must send a header
     * @param deadline how long a trusted connection has for its header: the listener's handshake deadline
     */
    public ProxyProtocolPolicy(SourceNetworks trusted, Duration deadline, ProxyProtocolMetrics metrics) {
        this.trusted = trusted;
        this.deadlineMillis = deadline.toMillis();
        this.metrics = metrics;
    }

    /**
     * Puts the header stages first in a new connection's pipeline when its peer is a trusted balancer, and adds
     * nothing otherwise. Call it last in the listener's initializer: whatever else goes first (TLS) must see the bytes
     * after the header.
     */
    public void addFirstIfTrusted(Channel ch) {
        if (trusted.contains(ch.remoteAddress())) {
            addFirst(ch.pipeline());
        }
    }

    void addFirst(ChannelPipeline p) {
        p.addFirst(FRONT, new ProxyProtocolFront(deadlineMillis, metrics));
        p.addFirst(DECODER, new HAProxyMessageDecoder(MAX_TLV_BYTES));
    }

    public boolean isOff() {
        return trusted.isEmpty();
    }
}
