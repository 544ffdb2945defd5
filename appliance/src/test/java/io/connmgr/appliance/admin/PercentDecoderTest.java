package io.connmgr.appliance.admin;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PercentDecoderTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "plain|plain",
            "a%3Ab|a:b",
            "a+b|a+b",
            "%C3%BCber|über",
            "%2F|/",
            "%f0%9f%98%80|\uD83D\uDE00"})
    void decodesStrictly(String raw, String decoded) {
        assertThat(PercentDecoder.decodeSegment(raw)).isEqualTo(decoded);
    }

    @ParameterizedTest
    @ValueSource(strings = {"%", "%4", "a%zz", "%C3%28", "%ED%A0%80", "caf\u00e9"})
    void refusesWhatItCannotDecodeExactly(String raw) {
        assertThatThrownBy(() -> PercentDecoder.decodeSegment(raw)).isInstanceOf(IllegalArgumentException.class);
    }
}
