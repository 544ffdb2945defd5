package io.connmgr.protocol.codec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class DeviceIdsTest {

    /** The explicit list of docs/protocol.md section 5.1, so a C device needs no Unicode tables. */
    static boolean forbiddenByTheSpec(int cp) {
        return cp <= 0x20 || (cp >= 0x7F && cp <= 0xA0) || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A)
                || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000
                || cp == '/' || cp == '\\';
    }

    @Test
    void isValid_everyCodePoint_thenExactlyTheDocumentedListIsRefused() {
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) {
                continue; // not encodable in UTF-8, so never reaches this check from the wire
            }
            String id = "a" + Character.toString(cp);
            assertThat(DeviceIds.isValid(id)).as("U+%04X", cp).isEqualTo(!forbiddenByTheSpec(cp));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "sensor-0001", "Gerät-ß7", "🛰️-12", "a.b_c:d@e", "x"})
    void isValid_whenOrdinaryIds_thenTrue(String id) {
        assertThat(DeviceIds.isValid(id)).isTrue();
    }

    @Test
    void isValid_whenEmptyNullLoneSurrogateOrTooLong_thenFalse() {
        assertThat(DeviceIds.isValid(null)).isFalse();
        assertThat(DeviceIds.isValid("")).isFalse();
        assertThat(DeviceIds.isValid("a\uD800")).isFalse();
        assertThat(DeviceIds.isValid("d".repeat(128))).isTrue();
        assertThat(DeviceIds.isValid("d".repeat(129))).isFalse();
        assertThat(DeviceIds.isValid("€".repeat(42) + "dd")).isTrue();  // 126 + 2 bytes
        assertThat(DeviceIds.isValid("€".repeat(43))).isFalse();        // 129 bytes in 43 characters
    }
}
