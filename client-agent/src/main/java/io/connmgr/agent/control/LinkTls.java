package io.connmgr.agent.control;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;

import javax.net.ssl.SSLException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * TLS to the appliance's TLS device port: the CA the appliance's certificate must chain to, optionally this device's
 * certificate and key (mutual TLS: the certificate then names the device and the token may be empty), and whether the
 * appliance's host name must match its certificate. The link and every data connection use it; the context keeps the
 * sessions it made, so a reconnect to the same host and port resumes its TLS session.
 */
public final class LinkTls {
    private final SslContext context;

    private LinkTls(SslContext context) {
        this.context = context;
    }

    /**
     * @param ca             PEM CA certificates to trust; null = the JDK's default trust store
     * @param cert           PEM client certificate chain, or null for none
     * @param key            its PEM PKCS#8 private key, or null for none
     * @param verifyHostName the appliance's host name (or IP address) must be in its certificate
     * @throws IllegalArgumentException naming the file that cannot be used
     */
    public static LinkTls of(Path ca, Path cert, Path key, boolean verifyHostName) {
        List<String> errors = new ArrayList<>();
        for (Path p : new Path[]{ca, cert, key}) {
            if (p != null && !Files.isReadable(p)) {
                errors.add("cannot read " + p);
            }
        }
        if ((cert == null) != (key == null)) {
            errors.add("a client certificate needs its key, and a key its certificate");
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("TLS: " + String.join("; ", errors));
        }
        try {
            SslContextBuilder b = SslContextBuilder.forClient()
                    .protocols("TLSv1.3", "TLSv1.2")
                    .endpointIdentificationAlgorithm(verifyHostName ? "HTTPS" : null);
            if (ca != null) {
                b.trustManager(ca.toFile());
            }
            if (cert != null) {
                b.keyManager(cert.toFile(), key.toFile());
            }
            return new LinkTls(b.build());
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("TLS: cannot use the CA, certificate or key: " + e.getMessage(), e);
        }
    }

    /** The TLS stage of a new connection to {@code appliance} (its host name is what the certificate must name). */
    SslHandler newHandler(Channel ch, InetSocketAddress appliance) {
        return context.newHandler(ch.alloc(), appliance.getHostString(), appliance.getPort());
    }
}
