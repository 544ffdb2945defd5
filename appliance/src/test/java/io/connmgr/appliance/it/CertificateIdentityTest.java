package io.connmgr.appliance.it;

import io.connmgr.appliance.config.TlsConfig;
import io.connmgr.appliance.transport.tls.CertificateIdentity;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

import static org.assertj.core.api.Assertions.assertThat;

/** Which device id a client certificate names, from certificates made by openssl. */
class CertificateIdentityTest {
    @TempDir
    static Path dir;
    static X509Certificate withSans;
    static X509Certificate cnOnly;

    @BeforeAll
    static void certificates() throws Exception {
        TestCerts certs = TestCerts.create(dir);
        withSans = read(certs.device("meter-cn", "DNS:meter-dns.example,URI:https://x.example/,"
                + "URI:urn:device:meter-0042")[0]);
        cnOnly = read(certs.device("only-cn", null)[0]);
    }

    private static X509Certificate read(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    @Test
    void cn_dnsSan_andTheUriSanWithThePrefix() {
        assertThat(CertificateIdentity.of(withSans, TlsConfig.Identity.CN, "")).isEqualTo("meter-cn");
        assertThat(CertificateIdentity.of(withSans, TlsConfig.Identity.DNS_SAN, "")).isEqualTo("meter-dns.example");
        assertThat(CertificateIdentity.of(withSans, TlsConfig.Identity.URI_SAN, "urn:device:"))
                .isEqualTo("meter-0042");
    }

    @Test
    void aCertificateWithoutTheField_namesNoDevice() {
        assertThat(CertificateIdentity.of(cnOnly, TlsConfig.Identity.DNS_SAN, "")).isEqualTo(CertificateIdentity.NONE);
        assertThat(CertificateIdentity.of(withSans, TlsConfig.Identity.URI_SAN, "urn:other:"))
                .isEqualTo(CertificateIdentity.NONE);
    }
}
