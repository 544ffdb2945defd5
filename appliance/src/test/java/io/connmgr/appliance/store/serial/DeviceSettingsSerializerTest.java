package io.connmgr.appliance.store.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.connmgr.appliance.store.DeviceSettings;
import io.connmgr.appliance.store.SampleRecords;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceSettingsSerializerTest {

    private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

    /** SampleRecords.settings() = (60_000, 3_600_000, null, true) in format version 1. */
    private static final String GOLDEN_V1 = String.join(" ",
            "01",           // format version
            "1b",           // flags: idleAfter, sleepAfter, alwaysActive present; alwaysActive true
            "c0 a9 07",     // idleAfter 60_000
            "80 ba b7 03"); // sleepAfter 3_600_000

    private final DeviceSettingsSerializer serializer = new DeviceSettingsSerializer();

    @Test
    void serialize_producesTheGoldenBytes_andReadsThemBack() {
        assertThat(HEX.formatHex(serializer.serialize(SampleRecords.settings()))).isEqualTo(GOLDEN_V1);
        assertThat(serializer.deserialize("d", HEX.parseHex(GOLDEN_V1))).isEqualTo(SampleRecords.settings());
    }

    @Test
    void none_isTwoBytes() {
        assertThat(HEX.formatHex(serializer.serialize(DeviceSettings.NONE))).isEqualTo("01 00");
    }

    @Test
    void roundTrip_keepsNullsDistinctFromFalseAndZero() {
        List<DeviceSettings> cases = List.of(DeviceSettings.NONE,
                new DeviceSettings(0L, null, null, false),
                new DeviceSettings(null, 0L, Long.MAX_VALUE, null),
                new DeviceSettings(null, null, -1L, true));

        for (DeviceSettings settings : cases) {
            assertThat(serializer.deserialize("d", serializer.serialize(settings))).isEqualTo(settings);
        }
    }

    @Test
    void persistentRequired_isWrittenAsVersion2_andSettingsWithoutItStayVersion1() {
        var with = new io.connmgr.appliance.store.DeviceSettings(1000L, null, null, null, true);
        byte[] bytes = serializer.serialize(with);
        org.assertj.core.api.Assertions.assertThat(bytes[0]).isEqualTo((byte) 2);
        org.assertj.core.api.Assertions.assertThat(serializer.deserialize("d", bytes)).isEqualTo(with);
        var without = new io.connmgr.appliance.store.DeviceSettings(1000L, null, null, true);
        org.assertj.core.api.Assertions.assertThat(serializer.serialize(without)[0]).isEqualTo((byte) 1);
        assertThatThrownBy(() -> serializer.deserialize("d", HEX.parseHex("02 40")))
                .isInstanceOf(RecordFormatException.class).hasMessageContaining("without its presence bit");
    }

    @Test
    void deserialize_rejectsUnknownVersion_unknownFlags_andTruncation() {
        assertThatThrownBy(() -> serializer.deserialize("d", HEX.parseHex("03 00")))
                .isInstanceOf(RecordFormatException.class).hasMessageContaining("unknown format version 3");
        assertThatThrownBy(() -> serializer.deserialize("d", HEX.parseHex("01 20")))
                .isInstanceOf(RecordFormatException.class).hasMessageContaining("unknown flags 0x20");
        assertThatThrownBy(() -> serializer.deserialize("d", HEX.parseHex("01 10")))
                .isInstanceOf(RecordFormatException.class).hasMessageContaining("without its presence bit");
        assertThatThrownBy(() -> serializer.deserialize("d", HEX.parseHex("01 1b c0 a9 07 80")))
                .isInstanceOf(RecordFormatException.class)
                .hasMessageContaining("settings of device 'd' is truncated");
    }
}
