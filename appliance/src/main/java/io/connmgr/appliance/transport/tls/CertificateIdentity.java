package io.connmgr.appliance.transport.tls;

import io.connmgr.appliance.config.TlsConfig;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;

/**
 * The device id a client certificate names: its subject CN, its first DNS SAN, or its first URI SAN that starts with
 * the configured prefix (the prefix removed), as device-tls-identity says.
 */
public final class CertificateIdentity {
    /** What a certificate without the configured field gives: never equal to a device id (those are 1..128 bytes). */
    public static final String NONE = "";

    private static final int SAN_DNS = 2;
    private static final int SAN_URI = 6;

    private CertificateIdentity() {
    }

    public static String of(X509Certificate cert, TlsConfig.Identity source, String uriPrefix) {
        return switch (source) {
            case CN -> commonName(cert);
            case DNS_SAN -> firstSan(cert, SAN_DNS, "");
            case URI_SAN -> firstSan(cert, SAN_URI, uriPrefix);
        };
    }

    private static String commonName(X509Certificate cert) {
        try {
            List<Rdn> rdns = new LdapName(cert.getSubjectX500Principal().getName()).getRdns();
            // LdapName lists the RDNs from the last to the first: the most specific CN is the one nearest the end.
            for (int i = rdns.size() - 1; i >= 0; i--) {
                if (rdns.get(i).getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(rdns.get(i).getValue());
                }
            }
            return NONE;
        } catch (InvalidNameException e) {
            return NONE;
        }
    }

    private static String firstSan(X509Certificate cert, int type, String prefix) {
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans == null) {
                return NONE;
            }
            for (List<?> san : sans) {
                if (san.size() >= 2 && san.get(0) instanceof Integer t && t == type
                        && san.get(1) instanceof String value && value.startsWith(prefix)
                        && value.length() > prefix.length()) {
                    return value.substring(prefix.length());
                }
            }
            return NONE;
        } catch (CertificateParsingException e) {
            return NONE;
        }
    }
}
