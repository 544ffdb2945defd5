package io.connmgr.appliance.auth;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class DeviceRevocationsTest {
    @TempDir
    Path dir;

    @Test
    void revoke_isKeptAcrossARestart_andReinstateLiftsIt() {
        DeviceRevocations r = DeviceRevocations.load(dir);
        assertThat(r.revoke("meter-1")).isTrue();
        assertThat(r.revoke("meter-1")).isFalse();
        r.revoke("gate-7");

        DeviceRevocations reloaded = DeviceRevocations.load(dir);
        assertThat(reloaded.isRevoked("meter-1")).isTrue();
        assertThat(reloaded.list()).containsExactly("gate-7", "meter-1");

        assertThat(reloaded.reinstate("meter-1")).isTrue();
        assertThat(DeviceRevocations.load(dir).isRevoked("meter-1")).isFalse();
        assertThat(DeviceRevocations.load(dir).isRevoked("gate-7")).isTrue();
    }
}
