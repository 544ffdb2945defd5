package io.connmgr.protocol.message;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DirectAddressTest {

    @ParameterizedTest
    @ValueSource(strings = {"192.0.2.17", "192.0.2.17:8080", "0.0.0.0:1", "dev-7.example.net", "a", "Host-1:65535",
            "[2001:db8::17]", "[2001:db8::17]:443", "[::1]", "[::ffff:192.0.2.1]:80", "localhost:22"})
    void parse_whenValid_thenPrintsBackExactlyTheSameText(String text) {
        assertThat(DirectAddress.parse(text).toString()).isEqualTo(text);
        assertThat(DirectAddress.problem(text)).isNull();
    }

    @Test
    void parse_splitsHostAndPort() {
        assertThat(DirectAddress.parse("[2001:db8::17]:443")).isEqualTo(new DirectAddress("2001:db8::17", 443));
        assertThat(DirectAddress.parse("dev.example.net")).isEqualTo(new DirectAddress("dev.example.net", 0));
        assertThat(DirectAddress.parse("dev.example.net").hasPort()).isFalse();
        assertThat(DirectAddress.parse("192.0.2.17:8080").hasPort()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ":80", "host:", "host:0", "host:65536", "host:080", "host:+80", "host:8o", "2001:db8::1",
            "[2001:db8::1", "[2001:db8::1]x", "[192.0.2.1]", "[fe80::1%eth0]", "[1::2::3]", "my host", "-host",
            "host-", "a..b", "host.", "192.0.2.256", "192.0.2", "010.0.0.1", "gerät.example", "under_score",
            "host/path", "http://host"})
    void parse_whenMalformed_thenRefusedWithAReason(String text) {
        assertThatThrownBy(() -> DirectAddress.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("null");
        assertThat(DirectAddress.problem(text)).isNotBlank();
    }

    @Test
    void parse_whenLongerThanItsLengthByte_thenRefused() {
        String label = "a".repeat(63);
        String name = String.join(".", label, label, label, label.substring(0, 61)); // 253 characters
        assertThat(DirectAddress.parse(name).toString()).hasSize(253);
        assertThatThrownBy(() -> DirectAddress.parse(name + ":65535")).isInstanceOf(IllegalArgumentException.class);
    }
}
