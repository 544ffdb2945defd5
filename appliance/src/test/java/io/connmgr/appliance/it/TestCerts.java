package io.connmgr.appliance.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test certificates made at test time with the openssl command-line tool (deploy/scripts/install-test-deps.sh): a CA,
 * server certificates for 127.0.0.1 and localhost, and device client certificates, all PEM, keys PKCS#8.
 */
final class TestCerts {
    final Path dir;
    final Path ca;
    final Path caKey;

    private TestCerts(Path dir) {
        this.dir = dir;
        this.ca = dir.resolve("ca.pem");
        this.caKey = dir.resolve("ca.key");
    }

    static TestCerts create(Path dir) throws IOException, InterruptedException {
        TestCerts c = new TestCerts(dir);
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=connmgr test CA");
        return c;
    }

    /** A server certificate named {@code name} (its CN), valid for 127.0.0.1 and localhost; returns {cert, key}. */
    Path[] server(String name) throws IOException, InterruptedException {
        return issue(name, "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth");
    }

    /** A device client certificate with CN {@code cn} and the given extra SAN line (or null); returns {cert, key}. */
    Path[] device(String cn, String san) throws IOException, InterruptedException {
        return issue(cn, (san == null ? "" : "subjectAltName=" + san + "\n") + "extendedKeyUsage=clientAuth");
    }

    private Path[] issue(String cn, String extensions) throws IOException, InterruptedException {
        String base = cn.replaceAll("[^A-Za-z0-9-]", "_");
        Files.writeString(dir.resolve(base + ".ext"), extensions + "\n");
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", base + ".key", "-out", base + ".csr", "-subj", "/CN=" + cn);
        openssl(dir, "x509", "-req", "-in", base + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", base + ".ext", "-out", base + ".pem");
        return new Path[]{dir.resolve(base + ".pem"), dir.resolve(base + ".key")};
    }

    static String openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("openssl " + String.join(" ", args) + " failed: " + out);
        }
        return out;
    }
}
