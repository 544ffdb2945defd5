package io.connmgr.appliance.it;

import io.connmgr.protocol.message.Capabilities;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Programs nobody here wrote reach a device through the proxy from a trusted source, without credentials: netcat's
 * SOCKS5 client, and ssh with netcat as its ProxyCommand talking to a real sshd behind the device.
 */
class StreamRealClientsTest {
    static final int STREAMS_ONLY = Capabilities.CM_COMMANDS | Capabilities.STREAMS;

    @TempDir
    Path dir;
    ApplianceHarness harness;
    StreamDevice device;
    Process sshd;

    @AfterEach
    void stop() {
        if (sshd != null) {
            sshd.destroyForcibly();
        }
        if (device != null) {
            device.close();
        }
        if (harness != null) {
            harness.close();
        }
    }

    void start(Map<Integer, Integer> exposed) throws Exception {
        harness = new ApplianceHarness(dir, "proxy-trusted-sources", "127.0.0.0/8,::1").start();
        device = new StreamDevice(harness.devicePort(), exposed);
        device.connect("dev-42", harness.fleetToken("dev-42"), STREAMS_ONLY);
    }

    @Test
    void netcat_socks5_fromATrustedSource_relaysBothWays() throws Exception {
        StreamFixtures.assumeInstalled("nc");
        try (var echo = StreamFixtures.echo()) {
            start(Map.of(22, echo.port()));

            Process nc = new ProcessBuilder("nc", "-X", "5", "-x", "127.0.0.1:" + harness.appliance.proxyPort(),
                    "dev-42", "22").redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try {
                byte[] hello = "hello through netcat".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                nc.getOutputStream().write(hello);
                nc.getOutputStream().flush();
                byte[] echoed = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return nc.getInputStream().readNBytes(hello.length);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }).get(20, java.util.concurrent.TimeUnit.SECONDS);

                assertThat(echoed).isEqualTo(hello);
                assertThat(harness.counter("cm.proxy.requests", "protocol", "socks5", "outcome", "ok")).isEqualTo(1);
            } finally {
                nc.destroyForcibly();
            }
        }
    }

    @Test
    void ssh_withNetcatProxyCommand_runsACommandOnTheDevicesSshd() throws Exception {
        StreamFixtures.assumeInstalled("nc");
        StreamFixtures.assumeInstalled("ssh");
        StreamFixtures.assumeInstalled("sshd");
        int sshPort = startSshd();
        start(Map.of(22, sshPort));
        Path key = dir.resolve("ssh/user_key");
        String proxyCommand = "nc -X 5 -x 127.0.0.1:" + harness.appliance.proxyPort() + " %h %p";

        var r = StreamFixtures.run("ssh", "-F", "/dev/null", "-i", key.toString(),
                "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=20", "-o", "ProxyCommand=" + proxyCommand,
                System.getProperty("user.name") + "@dev-42", "echo", "hello-from-the-device");

        assertThat(r.out().trim()).isEqualTo("hello-from-the-device");
        assertThat(r.exit()).isZero();
    }

    /** A throw-away sshd on a free loopback port, accepting one generated key; skips the test where it cannot run. */
    private int startSshd() throws Exception {
        Path ssh = Files.createDirectories(dir.resolve("ssh"));
        keygen(ssh.resolve("host_key"));
        keygen(ssh.resolve("user_key"));
        Files.copy(ssh.resolve("user_key.pub"), ssh.resolve("authorized_keys"));
        try {
            // sshd refuses to start as root without its privilege-separation directory.
            Files.createDirectories(Path.of("/run/sshd"));
        } catch (IOException e) {
            org.junit.jupiter.api.Assumptions.abort("cannot create /run/sshd for sshd: " + e);
        }
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path config = ssh.resolve("sshd_config");
        Files.writeString(config, String.join("\n",
                "Port " + port, "ListenAddress 127.0.0.1", "HostKey " + ssh.resolve("host_key"),
                "AuthorizedKeysFile " + ssh.resolve("authorized_keys"), "PidFile " + ssh.resolve("sshd.pid"),
                "StrictModes no", "UsePAM no", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password", "PubkeyAuthentication yes", "") );
        List<String> command = new ArrayList<>(List.of("/usr/sbin/sshd", "-D", "-e", "-f", config.toString()));
        sshd = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ssh.resolve("sshd.log").toFile()).start();
        int p = port;
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            if (!sshd.isAlive()) {
                throw new AssertionError("sshd exited: " + Files.readString(ssh.resolve("sshd.log")));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", p), 200);
                return true;
            } catch (IOException e) {
                return false;
            }
        });
        return port;
    }

    private static void keygen(Path file) throws Exception {
        var r = StreamFixtures.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", file.toString());
        assertThat(r.exit()).as("ssh-keygen").isZero();
    }
}
