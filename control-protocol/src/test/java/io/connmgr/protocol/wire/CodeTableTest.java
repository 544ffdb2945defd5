package io.connmgr.protocol.wire;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The shared code table refuses what would make a lookup ambiguous or out of reach. */
class CodeTableTest {

    private enum Sample {
        A(1), B(2), C(1), WIDE(256);

        final int code;

        Sample(int code) {
            this.code = code;
        }
    }

    @Test
    void looksUpTheConstantOfACode() {
        CodeTable<Sample> table = CodeTable.of(new Sample[]{Sample.A, Sample.B}, s -> s.code);
        assertThat(table.get(1)).isSameAs(Sample.A);
        assertThat(table.get(2)).isSameAs(Sample.B);
        assertThat(table.get(0)).isNull();
        assertThat(table.get(-1)).isNull();
        assertThat(table.get(256)).isNull();
    }

    @Test
    void twoConstantsWithOneCode_areRefused() {
        assertThatThrownBy(() -> CodeTable.of(new Sample[]{Sample.A, Sample.B, Sample.C}, s -> s.code))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Sample code 0x01 already in use by A");
    }

    @Test
    void aCodeOutsideOneByte_isRefused() {
        assertThatThrownBy(() -> CodeTable.of(new Sample[]{Sample.A, Sample.WIDE}, s -> s.code))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Sample.WIDE: code 256 is not one byte");
    }
}
