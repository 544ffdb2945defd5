package io.connmgr.appliance.store.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.connmgr.appliance.store.ReachabilityRecord;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReachabilityRecordSerializerTest {

    private static final HexFormat HEX = HexFormat.ofDelimiter(" ");
    private static final ReachabilityRecord SAMPLE = new ReachabilityRecord("d", true, "192.0.2.17:8080", 1_000);
    private static final String GOLDEN_V1 = String.join(" ",
            "01",          // format version
            "03",          // flags: onDemand, directAddress present
            "d0 0f",       // announcedAtMillis 1000
            "0f 31 39 32 2e 30 2e 32 2e 31 37 3a 38 30 38 30"); // "192.0.2.17:8080"

    private final ReachabilityRecordSerializer serializer = new ReachabilityRecordSerializer();

    @Test
    void serialize_producesTheGoldenBytes_andReadsThemBack() {
        assertThat(HEX.formatHex(serializer.serialize(SAMPLE))).isEqualTo(GOLDEN_V1);
        assertThat(serializer.deserialize("d", HEX.parseHex(GOLDEN_V1))).isEqualTo(SAMPLE);
    }

    @Test
    void roundTrip_withAndWithoutEachField() {
        for (ReachabilityRecord r : List.of(new ReachabilityRecord("d", false, null, 0),
                new ReachabilityRecord("d", true, null, Long.MAX_VALUE),
                new ReachabilityRecord("d", false, "[2001:db8::17]", -1))) {
            assertThat(serializer.deserialize("d", serializer.serialize(r))).isEqualTo(r);
        }
    }

    @Test
    void deserialize_whenUnknownFlagsNewerVersionOrTruncated_thenRefused() {
        assertThatThrownBy(() -> serializer.deserialize("d", HEX.parseHex("01 04 00")))
                .isInstanceOf(RecordFormatException.class).hasMessageContaining("flags");
        assertThatThrownBy(() -> serializer.deserialize("d", HEX.parseHex("02 00 00")))
                .isInstanceOf(RecordFormatException.class);
        assertThatThrownBy(() -> serializer.deserialize("d", HEX.parseHex("01 02 00 05 61 62")))
                .isInstanceOf(RecordFormatException.class);
        assertThatThrownBy(() -> serializer.deserialize("d", HEX.parseHex("01 02 00 01 20")))
                .isInstanceOf(RecordFormatException.class).hasMessageContaining("ASCII");
    }
}
