package io.connmgr.appliance.auth;

import io.connmgr.appliance.it.FakeTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Fleet key rotation with an overlap window, persisted in the data dir, on a clock the test moves. */
class FleetKeysTest {
    @TempDir
    Path dir;
    final FakeTime clock = new FakeTime();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    FleetKeys load() {
        return FleetKeys.load(dir, clock, registry);
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    double verified(String key) {
        return registry.get("cm.auth.fleet_key.verified").tag("key", key).counter().count();
    }

    @Test
    void rotate_duringTheOverlap_bothKeysVerify_andEachIsCounted() {
        FleetKeys keys = load();
        String oldToken = keys.mint("meter-1");
        FleetKeys.Rotation r = keys.rotate(Duration.ofHours(24));
        String newToken = new FleetTokens(HexFormat.of().parseHex(r.key())).mint("meter-1");

        assertThat(newToken).isNotEqualTo(oldToken).isEqualTo(keys.mint("meter-1"));
        assertThat(keys.verify("meter-1", ascii(oldToken))).isEqualTo(FleetKeys.Match.PREVIOUS);
        assertThat(keys.verify("meter-1", ascii(newToken))).isEqualTo(FleetKeys.Match.CURRENT);
        assertThat(keys.verify("meter-2", ascii(oldToken))).isEqualTo(FleetKeys.Match.NONE);
        assertThat(verified("previous")).isEqualTo(1);
        assertThat(verified("current")).isEqualTo(1);
        assertThat(keys.status().previousExpiresAt()).isEqualTo(r.previousExpiresAt());
    }

    @Test
    void rotate_afterTheOverlap_onlyTheNewKeyVerifies() {
        FleetKeys keys = load();
        String oldToken = keys.mint("meter-1");
        keys.rotate(Duration.ofHours(1));
        clock.advance(Duration.ofMinutes(59));
        assertThat(keys.verify("meter-1", ascii(oldToken))).isEqualTo(FleetKeys.Match.PREVIOUS);
        clock.advance(Duration.ofMinutes(1));
        assertThat(keys.verify("meter-1", ascii(oldToken))).isEqualTo(FleetKeys.Match.NONE);
        assertThat(keys.status().previousFingerprint()).isNull();
    }

    @Test
    void load_afterARotation_keepsTheWindow_acrossARestart() {
        FleetKeys keys = load();
        String oldToken = keys.mint("meter-1");
        FleetKeys.Rotation r = keys.rotate(Duration.ofHours(2));

        FleetKeys restarted = load();
        assertThat(restarted.mint("meter-1")).isEqualTo(keys.mint("meter-1"));
        assertThat(restarted.verify("meter-1", ascii(oldToken))).isEqualTo(FleetKeys.Match.PREVIOUS);
        assertThat(restarted.status().fingerprint()).isEqualTo(r.fingerprint());
        clock.advance(Duration.ofHours(2));
        assertThat(load().verify("meter-1", ascii(oldToken))).isEqualTo(FleetKeys.Match.NONE);
    }

    @Test
    void rotate_withZeroOverlap_endsTheOldKeyAtOnce() {
        FleetKeys keys = load();
        String oldToken = keys.mint("meter-1");
        keys.rotate(Duration.ZERO);
        assertThat(keys.verify("meter-1", ascii(oldToken))).isEqualTo(FleetKeys.Match.NONE);
    }

    @Test
    void rotate_twice_dropsTheOldestKey() {
        FleetKeys keys = load();
        String first = keys.mint("meter-1");
        keys.rotate(Duration.ofDays(1));
        String second = keys.mint("meter-1");
        keys.rotate(Duration.ofDays(1));
        assertThat(keys.verify("meter-1", ascii(first))).isEqualTo(FleetKeys.Match.NONE);
        assertThat(keys.verify("meter-1", ascii(second))).isEqualTo(FleetKeys.Match.PREVIOUS);
    }

    @Test
    void rotate_beyondTheLongestOverlap_isRefused_andChangesNothing() {
        FleetKeys keys = load();
        String token = keys.mint("meter-1");
        assertThatThrownBy(() -> keys.rotate(Duration.ofDays(91))).isInstanceOf(IllegalArgumentException.class);
        assertThat(keys.mint("meter-1")).isEqualTo(token);
        assertThat(Files.exists(dir.resolve(SecretFiles.FLEET_KEY_PREVIOUS))).isFalse();
    }

    @Test
    void keyFiles_areOwnerOnly_andAWideOneIsNarrowedAtLoad() throws Exception {
        FleetKeys keys = load();
        keys.rotate(Duration.ofHours(1));
        for (String f : new String[]{SecretFiles.FLEET_KEY, SecretFiles.FLEET_KEY_PREVIOUS}) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(f))))
                    .as(f).isEqualTo("rw-------");
        }
        Files.setPosixFilePermissions(dir.resolve(SecretFiles.FLEET_KEY), PosixFilePermissions.fromString("rw-r--r--"));
        load();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(SecretFiles.FLEET_KEY))))
                .isEqualTo("rw-------");
    }

    @Test
    void rotation_toString_neverShowsTheKey() {
        FleetKeys.Rotation r = load().rotate(Duration.ofHours(1));
        assertThat(r.toString()).doesNotContain(r.key()).contains("<redacted>");
        assertThat(SecretFiles.previousFleetKey(dir).orElseThrow().toString())
                .doesNotContain(HexFormat.of().formatHex(SecretFiles.previousFleetKey(dir).orElseThrow().key()));
    }
}
