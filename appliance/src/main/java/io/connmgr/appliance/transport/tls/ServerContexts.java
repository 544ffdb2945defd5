package io.connmgr.appliance.transport.tls;

import io.connmgr.appliance.config.TlsConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.SSLException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

/**
 * The server contexts of one reading of the certificate, key and CA files: one for the device listener (which may ask
 * for client certificates) and one for the back-end listeners (which never do). Built whole or not at all, so a reload
 * with a bad file changes nothing.
 *
 * @param device    context of device-tls-port
 * @param backend   context of the proxy, control and admin listeners
 * @param config    the TLS settings these were built from (identity mapping included)
 * @param leaf      the appliance's own certificate, for the reload answer and logs
 */
record ServerContexts(SslContext device, SslContext backend, TlsConfig config, X509Certificate leaf) {
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /**
     * @param ticketKey the session-ticket key: the same for every context of this process, so a ticket issued before
     *                  a reload still resumes after it (OpenSSL; the JDK keeps its own)
     * @throws TlsSetupException naming the file and what is wrong with it
     */
    static ServerContexts build(TlsConfig config, SslProvider provider, OpenSslSessionTicketKey ticketKey) {
        X509Certificate leaf = readLeaf(config.cert());
        readable(config.key(), "tls-key");
        warnIfOthersCanRead(config.key());
        if (config.deviceClientAuth() != TlsConfig.ClientAuth.NONE) {
            readable(config.ca(), "tls-ca");
        }
        SslContext device = context(config, provider, ticketKey, config.deviceClientAuth());
        SslContext backend = context(config, provider, ticketKey, TlsConfig.ClientAuth.NONE);
        return new ServerContexts(device, backend, config, leaf);
    }

    private static SslContext context(TlsConfig config, SslProvider provider, OpenSslSessionTicketKey ticketKey,
                                      TlsConfig.ClientAuth clientAuth) {
        try {
            SslContextBuilder b = SslContextBuilder.forServer(config.cert().toFile(), config.key().toFile())
                    .sslProvider(provider)
                    .protocols(PROTOCOLS)
                    .sessionTimeout(config.sessionTimeout().toSeconds());
            if (config.sessionCacheSize() > 0) {
                b.sessionCacheSize(config.sessionCacheSize());
            }
            if (clientAuth != TlsConfig.ClientAuth.NONE) {
                b.trustManager(config.ca().toFile())
                        .clientAuth(clientAuth == TlsConfig.ClientAuth.REQUIRE ? ClientAuth.REQUIRE
                                : ClientAuth.OPTIONAL);
            }
            SslContext ctx = b.build();
            // Netty's OpenSSL contexts start with tickets off; giving them a key turns them on. Stateless tickets are
            // what lets a reconnect storm resume without the server holding a session per device.
            if (ticketKey != null && ctx.sessionContext() instanceof OpenSslSessionContext sessions) {
                sessions.setTicketKeys(ticketKey);
            }
            return ctx;
        } catch (SSLException | IllegalArgumentException e) {
            throw new TlsSetupException("cannot build the TLS context from tls-cert " + config.cert() + ", tls-key "
                    + config.key() + (clientAuth != TlsConfig.ClientAuth.NONE ? ", tls-ca " + config.ca() : "")
                    + ": " + rootMessage(e), e);
        }
    }

    private static X509Certificate readLeaf(Path cert) {
        byte[] pem = readable(cert, "tls-cert");
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem));
        } catch (CertificateException | ClassCastException e) {
            throw new TlsSetupException("tls-cert " + cert + ": not a PEM certificate: " + rootMessage(e), e);
        }
    }

    private static byte[] readable(Path file, String setting) {
        if (file == null) {
            throw new TlsSetupException(setting + ": not set");
        }
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TlsSetupException(setting + " " + file + ": cannot be read: " + e, e);
        }
    }

    private static void warnIfOthersCanRead(Path key) {
        try {
            if (Files.getPosixFilePermissions(key).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ)) {
                org.slf4j.LoggerFactory.getLogger(ServerContexts.class).warn(
                        "tls-key {} can be read by every user: chmod 600 it (docs/security.md)", key);
            }
        } catch (IOException | UnsupportedOperationException e) {
            // not a POSIX file system: nothing to say
        }
    }

    /** SHA-256 of the DER certificate, hex: what `openssl x509 -fingerprint -sha256` prints, without colons. */
    String fingerprint() {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(leaf.getEncoded()));
        } catch (NoSuchAlgorithmException | java.security.cert.CertificateEncodingException e) {
            return "";
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t.getMessage() + ")";
    }
}
