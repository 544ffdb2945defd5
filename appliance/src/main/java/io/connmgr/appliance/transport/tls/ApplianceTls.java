package io.connmgr.appliance.transport.tls;

import io.connmgr.appliance.config.TlsConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLPeerUnverifiedException;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The appliance's TLS: the current server contexts, the SslHandler of each new connection, and reloading. A reload
 * reads the certificate, key and CA files again (and the TLS settings, where the appliance was started from a
 * configuration file) and swaps the contexts in one write: handshakes that start afterwards use the new ones, and
 * connections already up keep the engine, and so the context, they were made with. A reload that fails changes nothing.
 */
public final class ApplianceTls {
    private static final Logger log = LoggerFactory.getLogger(ApplianceTls.class);

    private final SslProvider provider;
    private final OpenSslSessionTicketKey ticketKey;
    private final Supplier<TlsConfig> settings;
    private final long handshakeTimeoutMillis;
    private final AtomicLong deviceConnections = new AtomicLong();
    private final Counter reloadsDone;
    private final Counter reloadsFailed;
    private final Counter deviceHandshakeFailures;
    private final Counter backendHandshakeFailures;
    private volatile ServerContexts current;

    /**
     * @param settings         the TLS settings as they are now: called at start and on every reload
     * @param handshakeTimeout how long a TLS handshake may take (the device's HELLO deadline runs meanwhile too)
     * @throws TlsSetupException when the provider or a file cannot be used: start-up stops with that message
     */
    public ApplianceTls(Supplier<TlsConfig> settings, Duration handshakeTimeout, MeterRegistry registry) {
        this.settings = Objects.requireNonNull(settings, "settings");
        TlsConfig config = settings.get();
        this.provider = TlsProviders.choose(config.provider());
        this.ticketKey = provider == SslProvider.JDK ? null : newTicketKey(); // the JDK keeps its own
        this.handshakeTimeoutMillis = handshakeTimeout.toMillis();
        this.current = ServerContexts.build(config, provider, ticketKey);
        log.info("TLS certificate {} (sha256 {}), valid until {}", current.leaf().getSubjectX500Principal(),
                current.fingerprint(), current.leaf().getNotAfter().toInstant());
        Gauge.builder("cm.device.tls.connections", deviceConnections, AtomicLong::get)
                .description("Device connections on the TLS port; they stop at IDLE, never SLEEP").register(registry);
        reloadsDone = Counter.builder("cm.tls.reloads").tag("result", "ok")
                .description("TLS certificate reloads").register(registry);
        reloadsFailed = Counter.builder("cm.tls.reloads").tag("result", "failed")
                .description("TLS certificate reloads").register(registry);
        // OpenSSL's own counts on the device port's current context (since start or the last reload): how many
        // handshakes resumed, by session cache or by ticket. The JDK provider keeps no such counts.
        io.micrometer.core.instrument.FunctionCounter.builder("cm.tls.resumed", this, t -> t.deviceStats(true))
                .tag("by", "ticket").description("Device TLS handshakes resumed (OpenSSL only)").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("cm.tls.resumed", this, t -> t.deviceStats(false))
                .tag("by", "session-cache").description("Device TLS handshakes resumed (OpenSSL only)")
                .register(registry);
        deviceHandshakeFailures = Counter.builder("cm.tls.handshake.failures").tag("listener", "device")
                .description("TLS handshakes that failed (bad certificate, timeout, not TLS)").register(registry);
        backendHandshakeFailures = Counter.builder("cm.tls.handshake.failures").tag("listener", "backend")
                .description("TLS handshakes that failed (bad certificate, timeout, not TLS)").register(registry);
    }

    /** The TLS stage of a new device connection; counts it while it is open. */
    public SslHandler newDeviceHandler(Channel ch) {
        deviceConnections.incrementAndGet();
        ch.closeFuture().addListener(f -> deviceConnections.decrementAndGet());
        return handler(current.device(), ch, deviceHandshakeFailures);
    }

    /** The TLS stage of a new proxy, control or admin connection. */
    public SslHandler newBackendHandler(Channel ch) {
        return handler(current.backend(), ch, backendHandshakeFailures);
    }

    private SslHandler handler(io.netty.handler.ssl.SslContext context, Channel ch, Counter failures) {
        SslHandler h = context.newHandler(ch.alloc());
        h.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        h.handshakeFuture().addListener(f -> {
            if (!f.isSuccess()) {
                failures.increment();
            }
        });
        return h;
    }

    /**
     * The device id the client certificate of {@code ch} names: null when the connection is not TLS or the device
     * presented no certificate, {@link CertificateIdentity#NONE} when the certificate lacks the configured field.
     * Call once the TLS handshake is done (a HELLO can only arrive after it).
     */
    public String deviceIdentity(Channel ch) {
        SslHandler ssl = ch.pipeline().get(SslHandler.class);
        if (ssl == null) {
            return null;
        }
        Certificate[] chain;
        try {
            chain = ssl.engine().getSession().getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            return null;
        }
        TlsConfig c = current.config();
        return CertificateIdentity.of(leaf, c.deviceIdentity(), c.deviceUriPrefix());
    }

    /** What a reload did; {@code error} is null when the new files are in use. */
    public record Reload(boolean reloaded, String provider, String subject, String notAfter, String sha256,
                         List<String> needRestart, String error) {
    }

    /**
     * Reads the files (and TLS settings) again and, when they make a context, uses it for every new handshake.
     * Settings that choose listeners (ports, the per-listener switches, the provider) take effect only at restart:
     * those that differ are named in the answer.
     */
    public synchronized Reload reload() {
        ServerContexts before = current;
        try {
            TlsConfig next = settings.get();
            ServerContexts built = ServerContexts.build(next, provider, ticketKey);
            current = built;
            reloadsDone.increment();
            log.info("TLS reloaded: certificate {} (sha256 {}), valid until {}",
                    built.leaf().getSubjectX500Principal(), built.fingerprint(), built.leaf().getNotAfter().toInstant());
            return answer(built, needRestart(before.config(), next), null);
        } catch (RuntimeException e) {
            reloadsFailed.increment();
            log.warn("TLS reload failed, the previous certificate stays in use: {}", e.getMessage());
            return answer(before, List.of(), e.getMessage());
        }
    }

    private Reload answer(ServerContexts c, List<String> needRestart, String error) {
        return new Reload(error == null, providerName(), c.leaf().getSubjectX500Principal().getName(),
                c.leaf().getNotAfter().toInstant().toString(), c.fingerprint(), needRestart, error);
    }

    private static List<String> needRestart(TlsConfig was, TlsConfig now) {
        List<String> out = new ArrayList<>();
        if (was.provider() != now.provider()) {
            out.add("tls-provider");
        }
        if (was.devicePort() != now.devicePort()) {
            out.add("device-tls-port");
        }
        if (was.proxy() != now.proxy()) {
            out.add("proxy-tls");
        }
        if (was.control() != now.control()) {
            out.add("control-tls");
        }
        if (was.admin() != now.admin()) {
            out.add("admin-tls");
        }
        return out;
    }

    private double deviceStats(boolean tickets) {
        if (current.device().sessionContext() instanceof io.netty.handler.ssl.OpenSslSessionContext sessions) {
            io.netty.handler.ssl.OpenSslSessionStats stats = sessions.stats();
            return tickets ? stats.ticketKeyResume() : stats.hits();
        }
        return 0;
    }

    public String providerName() {
        return TlsProviders.name(provider);
    }

    /** The settings the current contexts were built from. */
    public TlsConfig config() {
        return current.config();
    }

    public long deviceConnections() {
        return deviceConnections.get();
    }

    private static OpenSslSessionTicketKey newTicketKey() {
        SecureRandom random = new SecureRandom();
        byte[] name = new byte[OpenSslSessionTicketKey.NAME_SIZE];
        byte[] hmac = new byte[OpenSslSessionTicketKey.HMAC_KEY_SIZE];
        byte[] aes = new byte[OpenSslSessionTicketKey.AES_KEY_SIZE];
        random.nextBytes(name);
        random.nextBytes(hmac);
        random.nextBytes(aes);
        return new OpenSslSessionTicketKey(name, hmac, aes);
    }
}
