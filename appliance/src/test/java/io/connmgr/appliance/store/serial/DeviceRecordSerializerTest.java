package io.connmgr.appliance.store.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.connmgr.appliance.store.DeviceRecord;
import io.connmgr.appliance.store.SampleRecords;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class DeviceRecordSerializerTest {

    private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

    /** SampleRecords.device(..) in format version 1. */
    private static final String GOLDEN_V1 = String.join(" ",
            "01",                                               // format version
            "80 a0 ab fe f9 62",                                // createdAt 1_700_000_000_000
            "07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16",  // SHA-256 token hash
            "17 18 19 1a 1b 1c 1d 1e 1f 20 21 22 23 24 25 26");

    private final DeviceRecordSerializer serializer = new DeviceRecordSerializer();

    @Test
    void serialize_producesTheGoldenBytes_andReadsThemBack() {
        DeviceRecord device = SampleRecords.device("dev-1");

        assertThat(HEX.formatHex(serializer.serialize(device))).isEqualTo(GOLDEN_V1);
        assertThat(serializer.deserialize("dev-1", HEX.parseHex(GOLDEN_V1))).isEqualTo(device);
    }

    @Test
    void roundTrip_keepsNegativeTimestamps() {
        DeviceRecord device = new DeviceRecord("d", SampleRecords.bytes(32, 200), Long.MIN_VALUE);

        assertThat(serializer.deserialize("d", serializer.serialize(device))).isEqualTo(device);
    }

    @Test
    void deserialize_rejectsUnknownVersionAndTruncation() {
        byte[] newer = HEX.parseHex(GOLDEN_V1);
        newer[0] = (byte) 0xFF;
        byte[] truncated = Arrays.copyOf(HEX.parseHex(GOLDEN_V1), 20);

        assertThatThrownBy(() -> serializer.deserialize("dev-1", newer))
                .isInstanceOf(RecordFormatException.class)
                .hasMessageContaining("device record of device 'dev-1' has unknown format version 255");
        assertThatThrownBy(() -> serializer.deserialize("dev-1", truncated))
                .isInstanceOf(RecordFormatException.class)
                .hasMessageContaining("device record of device 'dev-1' is truncated");
        assertThatThrownBy(() -> serializer.deserialize("dev-1", new byte[0]))
                .isInstanceOf(RecordFormatException.class).hasMessageContaining("is empty");
    }
}
