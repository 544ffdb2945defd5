package io.connmgr.appliance.store.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class RecordReaderTest {

    private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

    @Test
    void varLong_roundTripsTheExtremes_inAtMostTenBytes() {
        for (long value : new long[] {0, 1, -1, 63, -64, 64, Long.MAX_VALUE, Long.MIN_VALUE}) {
            byte[] bytes = new RecordWriter(1).writeVarLong(value).toByteArray();
            RecordReader reader = new RecordReader(bytes, "test");

            assertThat(reader.readVarLong()).isEqualTo(value);
            reader.requireEnd();
            assertThat(bytes.length).isBetween(1, 10);
        }
    }

    @Test
    void varLong_rejectsMoreThanSixtyFourBits() {
        RecordReader tenthByteTooBig = new RecordReader(HEX.parseHex("ff ff ff ff ff ff ff ff ff 02"), "test");
        RecordReader elevenBytes = new RecordReader(HEX.parseHex("ff ff ff ff ff ff ff ff ff 81 01"), "test");

        assertThatThrownBy(tenthByteTooBig::readVarLong)
                .isInstanceOf(RecordFormatException.class).hasMessageContaining("longer than 64 bits");
        assertThatThrownBy(elevenBytes::readVarLong)
                .isInstanceOf(RecordFormatException.class).hasMessageContaining("longer than 64 bits");
    }

    @Test
    void readString_rejectsALengthBeyondTheRecord_beforeAllocating() {
        // Length 2^40: a corrupt length must not turn into a huge allocation.
        byte[] bytes = new RecordWriter(1).writeVarLong(1L << 40).toByteArray();

        assertThatThrownBy(() -> new RecordReader(bytes, "test").readString())
                .isInstanceOf(RecordFormatException.class).hasMessageContaining("string length of 1099511627776");
    }
}
