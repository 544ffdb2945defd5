package io.connmgr.protocol.golden;

import io.connmgr.protocol.codec.FrameCodec;
import io.connmgr.protocol.codec.MalformedFrameException;
import io.connmgr.protocol.message.Ack;
import io.connmgr.protocol.message.Cmd;
import io.connmgr.protocol.message.CmdResult;
import io.connmgr.protocol.message.DirectAddress;
import io.connmgr.protocol.message.Frame;
import io.connmgr.protocol.message.GoAway;
import io.connmgr.protocol.message.Hello;
import io.connmgr.protocol.message.Msg;
import io.connmgr.protocol.message.Ping;
import io.connmgr.protocol.message.Pong;
import io.connmgr.protocol.message.Reject;
import io.connmgr.protocol.message.Welcome;
import io.connmgr.protocol.wire.CmdOpcode;
import io.connmgr.protocol.wire.CmdStatus;
import io.connmgr.protocol.wire.FrameType;
import io.connmgr.protocol.wire.ReasonCode;
import io.connmgr.protocol.wire.Wire;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * docs/examples/device.py is written from docs/protocol.md alone; these tests prove that a non-Java implementation
 * following the document agrees with the codec byte for byte, and that the script's command line does what its --help
 * says against a scripted appliance on loopback. Skipped when python3 is not installed.
 */
class ReferenceDeviceTest {
    private static final byte[] RESUME_TOKEN = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private static Path root;
    private static Path script;

    @BeforeAll
    static void locateScriptAndPython() throws Exception {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("docs/examples/device.py"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("docs/examples/device.py above " + Path.of("").toAbsolutePath()).isNotNull();
        root = dir;
        script = dir.resolve("docs/examples/device.py");
        assumeTrue(python3Works(), "python3 is not installed");
    }

    @Test
    void selfTestVectors_thenEveryGoldenVectorMatchesByteForByte() throws Exception {
        Result r = run("--self-test-vectors", "control-protocol/src/test/resources/golden");

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("\"ok\": true", "\"failures\": []",
                "\"frames\": " + GoldenVectors.frames().size(),
                "\"violations\": " + GoldenVectors.violations().size());
    }

    @Test
    void selfTestVectors_whenAVectorDisagrees_thenFails(@TempDir Path temp) throws Exception {
        String frames = Files.readString(root.resolve("control-protocol/src/test/resources/golden/frames.txt"));
        Path broken = temp.resolve("frames.txt");
        Files.writeString(broken, frames.replace("bytes = 08 000008 | 0000000000000003",
                "bytes = 08 000008 | 0000000000000004"));

        Result r = run("--self-test-vectors", broken.toString());

        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).contains("\"ok\": false", "ack.cumulative");
    }

    @Test
    void help_thenDocumentsTheStableCommandLine() throws Exception {
        Result r = run("--help");

        assertThat(r.exit()).isZero();
        assertThat(r.stdout()).contains("--appliance", "--device-id", "--token", "--fleet-key", "--send",
                "--ping-once", "--cmd", "--stay", "--reconnect", "--self-test-vectors", "--on-demand",
                "--direct-address", "Exit status");
    }

    @Test
    void device_whenPingOnceSendAndCmd_thenPrintsPongAckAndResultAndExitsZero() throws Exception {
        try (ScriptedAppliance appliance = new ScriptedAppliance(ReferenceDeviceTest::cooperative)) {
            Result r = run("--appliance", "127.0.0.1:" + appliance.port(), "--device-id", "sensor-0001",
                    "--token", "secret-token", "--ping-once", "--send", "hello", "--send-hex", "00ff",
                    "--cmd", "SET_IDLE_AFTER=300");

            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.stdout().lines().toList()).containsExactly(
                    "{\"event\": \"welcome\", \"resumed\": false, \"keep_alive_seconds\": 60, \"max_frame_size\": "
                            + "1048576, \"capabilities\": 1, \"last_uplink_seq\": 0, \"resume_token\": \""
                            + "30313233343536373839616263646566\", \"stay_connected\": false}",
                    "{\"event\": \"pong\"}",
                    "{\"event\": \"ack\", \"seq\": 1}",
                    "{\"event\": \"ack\", \"seq\": 2}",
                    "{\"event\": \"cmd_result\", \"id\": 1, \"opcode\": \"SET_IDLE_AFTER\", \"value\": 300, "
                            + "\"status\": \"OK\"}");
            assertThat(appliance.received()).containsExactly(
                    new Hello(1, 0, 1, "sensor-0001", "secret-token".getBytes(StandardCharsets.UTF_8), new byte[0]),
                    Ping.INSTANCE,
                    new Msg(1, "hello".getBytes(StandardCharsets.UTF_8)),
                    new Msg(2, new byte[] {0, (byte) 0xff}),
                    new Cmd(1, CmdOpcode.SET_IDLE_AFTER, 300));
        }
    }

    @Test
    void device_whenOnDemandWithDirectAddress_thenAnnouncesBothAndDisconnectsWhenDone() throws Exception {
        try (ScriptedAppliance appliance = new ScriptedAppliance(ReferenceDeviceTest::cooperative)) {
            Result r = run("--appliance", "127.0.0.1:" + appliance.port(), "--device-id", "sensor-0001",
                    "--token", "secret-token", "--on-demand", "--direct-address", "[2001:db8::17]:8080",
                    "--send", "reading");

            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.stdout()).doesNotContain("staying_connected");
            assertThat(appliance.received()).containsExactly(
                    new Hello(1, 0, 1, "sensor-0001", "secret-token".getBytes(StandardCharsets.UTF_8), new byte[0],
                            true, DirectAddress.parse("[2001:db8::17]:8080")),
                    new Msg(1, "reading".getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void device_whenOnDemandAndWelcomeSaysStayConnected_thenStaysAndKeepsTheLinkAlive() throws Exception {
        Function<Frame, List<Frame>> persistent = f -> switch (f) {
            case Hello h -> List.of(new Welcome(1, false, 60, Wire.DEFAULT_MAX_FRAME_SIZE, 1, 0, RESUME_TOKEN, true),
                    Ping.INSTANCE);
            // Only a device still connected answers the PING: then the appliance ends the test with GOAWAY.
            case Pong p -> List.of(new GoAway(ReasonCode.ADMIN_DISCONNECT, 0, "done"));
            default -> List.of();
        };
        try (ScriptedAppliance appliance = new ScriptedAppliance(persistent)) {
            Result r = run("--appliance", "127.0.0.1:" + appliance.port(), "--device-id", "sensor-0001",
                    "--token", "secret-token", "--on-demand");

            assertThat(r.exit()).as(r.toString()).isEqualTo(5);
            assertThat(r.stdout()).contains("\"stay_connected\": true", "{\"event\": \"staying_connected\"}",
                    "\"reason\": \"ADMIN_DISCONNECT\"");
            assertThat(appliance.received()).containsExactly(
                    new Hello(1, 0, 1, "sensor-0001", "secret-token".getBytes(StandardCharsets.UTF_8), new byte[0],
                            true, null),
                    Pong.INSTANCE);
        }
    }

    @Test
    void device_whenDirectAddressMalformed_thenUsageError() throws Exception {
        Result r = run("--device-id", "d1", "--token", "x", "--direct-address", "2001:db8::17");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.stderr()).contains("--direct-address", "brackets");
    }

    @Test
    void device_whenFleetKeyAndResumeToken_thenSendsTheSignedCredentialAndToken() throws Exception {
        GoldenVector vector = GoldenVectors.frames().stream().filter(v -> v.has("fleet_key")).findFirst().orElseThrow();
        Hello golden = (Hello) GoldenFrames.toFrame(vector);
        try (ScriptedAppliance appliance = new ScriptedAppliance(ReferenceDeviceTest::cooperative)) {
            Result r = run("--appliance", "127.0.0.1:" + appliance.port(), "--device-id", golden.deviceId(),
                    "--fleet-key", vector.text("fleet_key"), "--resume-token", "00112233445566778899aabbccddeeff",
                    "--keepalive", "30");

            assertThat(r.exit()).as(r.toString()).isZero();
            Hello hello = (Hello) appliance.received().getFirst();
            assertThat(hello.credential()).isEqualTo(golden.credential());
            assertThat(hello.resumeToken()).hasSize(16);
            assertThat(hello.keepAliveSeconds()).isEqualTo(30);
        }
    }

    @Test
    void device_whenRejected_thenPrintsTheReasonAndExitsFour() throws Exception {
        Function<Frame, List<Frame>> rejecting = f -> f instanceof Hello
                ? List.of(new Reject(ReasonCode.BAD_CREDENTIALS, "credential not valid for this device")) : List.of();
        try (ScriptedAppliance appliance = new ScriptedAppliance(rejecting)) {
            Result r = run("--appliance", "127.0.0.1:" + appliance.port(), "--device-id", "d1", "--token", "x",
                    "--send", "never sent");

            assertThat(r.exit()).as(r.toString()).isEqualTo(4);
            assertThat(r.stdout()).contains("\"event\": \"reject\"", "\"reason\": \"BAD_CREDENTIALS\"",
                    "\"reason_code\": 3");
            assertThat(appliance.received()).hasSize(1);
        }
    }

    @Test
    void device_whenGoAwayWhileWaiting_thenPrintsReconnectAfterAndExitsFive() throws Exception {
        Function<Frame, List<Frame>> goingAway = f -> switch (f) {
            case Hello h -> cooperative(h);
            case Msg m -> List.of(new GoAway(ReasonCode.SHUTTING_DOWN, 5000, "appliance is shutting down"));
            default -> List.of();
        };
        try (ScriptedAppliance appliance = new ScriptedAppliance(goingAway)) {
            Result r = run("--appliance", "127.0.0.1:" + appliance.port(), "--device-id", "d1", "--token", "x",
                    "--send", "m");

            assertThat(r.exit()).as(r.toString()).isEqualTo(5);
            assertThat(r.stdout()).contains("\"event\": \"goaway\"", "\"reason\": \"SHUTTING_DOWN\"",
                    "\"reconnect_after_ms\": 5000");
        }
    }

    @Test
    void device_whenApplianceSendsMsgAndPing_thenAcksAndAnswersPong() throws Exception {
        Function<Frame, List<Frame>> chatty = f -> switch (f) {
            case Hello h -> List.of(welcome(), new Msg(1, "down".getBytes(StandardCharsets.UTF_8)), Ping.INSTANCE);
            case Ping p -> List.of(Pong.INSTANCE);
            default -> List.of();
        };
        try (ScriptedAppliance appliance = new ScriptedAppliance(chatty)) {
            Result r = run("--appliance", "127.0.0.1:" + appliance.port(), "--device-id", "d1", "--token", "x",
                    "--ping-once");

            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.stdout()).contains("{\"event\": \"msg\", \"seq\": 1, \"payload\": \"down\"}",
                    "{\"event\": \"pong\"}");
            assertThat(appliance.received()).contains(new Ack(1), Pong.INSTANCE);
        }
    }

    private static Welcome welcome() {
        return new Welcome(1, false, 60, Wire.DEFAULT_MAX_FRAME_SIZE, 1, 0, RESUME_TOKEN);
    }

    /** Answers like a healthy appliance: WELCOME, PONG, ACK per MSG, OK per CMD. */
    private static List<Frame> cooperative(Frame f) {
        return switch (f) {
            case Hello h -> List.of(welcome());
            case Ping p -> List.of(Pong.INSTANCE);
            case Msg m -> List.of(new Ack(m.seq()));
            case Cmd c -> List.of(new CmdResult(c.id(), CmdStatus.OK));
            default -> List.of();
        };
    }

    private record Result(int exit, String stdout, String stderr) {
    }

    private static Result run(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("python3", script.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("device-out", ".txt");
        Path err = Files.createTempFile("device-err", ".txt");
        try {
            Process p = new ProcessBuilder(command).directory(root.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("device.py did not finish: " + command);
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static boolean python3Works() {
        try {
            Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /**
     * A one-connection stand-in for the appliance on loopback: decodes what the device sends with the real codec and
     * answers with whatever the script returns for each frame. Closes when the device closes.
     */
    private static final class ScriptedAppliance implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        private final List<Frame> received = Collections.synchronizedList(new ArrayList<>());
        private final Thread thread;

        ScriptedAppliance(Function<Frame, List<Frame>> script) throws IOException {
            thread = Thread.ofVirtual().start(() -> serve(script));
        }

        int port() {
            return server.getLocalPort();
        }

        /** What the device sent, once it has disconnected. */
        List<Frame> received() throws InterruptedException {
            thread.join(TimeUnit.SECONDS.toMillis(30));
            synchronized (received) {
                return List.copyOf(received);
            }
        }

        private void serve(Function<Frame, List<Frame>> script) {
            try (Socket socket = server.accept()) {
                DataInputStream in = new DataInputStream(socket.getInputStream());
                OutputStream out = socket.getOutputStream();
                while (true) {
                    int header = in.readInt();
                    byte[] payload = new byte[header & Wire.MAX_LENGTH_FIELD];
                    in.readFully(payload);
                    Frame frame = FrameCodec.decode(FrameType.fromCode(header >>> 24), Unpooled.wrappedBuffer(payload));
                    received.add(frame);
                    for (Frame reply : script.apply(frame)) {
                        out.write(FrameCodec.toBytes(reply));
                    }
                    out.flush();
                }
            } catch (EOFException e) {
                // the device hung up: the normal end of every script
            } catch (IOException | MalformedFrameException e) {
                received.add(new Reject(ReasonCode.PROTOCOL_ERROR, "scripted appliance: " + e));
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
