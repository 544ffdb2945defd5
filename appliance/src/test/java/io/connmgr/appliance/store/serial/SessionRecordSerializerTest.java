package io.connmgr.appliance.store.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.connmgr.appliance.store.SampleRecords;
import io.connmgr.appliance.store.SessionRecord;
import io.connmgr.appliance.store.StoreException;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SessionRecordSerializerTest {

    private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

    /** SampleRecords.session(..) in format version 1; changing this breaks every store in the field. */
    private static final String GOLDEN_V1 = String.join(" ",
            "01",                                              // format version
            "01",                                              // state SLEEPING
            "01",                                              // flags: remote address present
            "54",                                              // deviceKey 42 (zig-zag 84)
            "01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10", // resume token
            "80 a0 ab fe f9 62",                               // connectedAt 1_700_000_000_000
            "c0 a9 07",                                        // since = connectedAt + 60_000
            "e0 d4 03",                                        // lastActivity = connectedAt + 30_000
            "d0 0f",                                           // lastUplinkSeq 1000
            "a0 1f",                                           // lastDownlinkSeq 2000
            "d8 04",                                           // keepAliveSeconds 300 (zig-zag 600)
            "22",                                              // remote address length 17
            "32 30 33 2e 30 2e 31 31 33 2e 37 3a 35 30 31 32 33"); // "203.0.113.7:50123"

    private final SessionRecordSerializer serializer = new SessionRecordSerializer();

    @Test
    void serialize_producesTheGoldenBytes() {
        assertThat(HEX.formatHex(serializer.serialize(SampleRecords.session("dev-1")))).isEqualTo(GOLDEN_V1);
    }

    @Test
    void deserialize_readsTheGoldenBytes_withTheKeyAsDeviceId() {
        assertThat(serializer.deserialize("dev-1", HEX.parseHex(GOLDEN_V1))).isEqualTo(SampleRecords.session("dev-1"));
    }

    @Test
    void roundTrip_keepsNullAddressAndExtremeValues() {
        SessionRecord session = SampleRecords.sessionWithoutAddress("dev-2");

        assertThat(serializer.deserialize("dev-2", serializer.serialize(session))).isEqualTo(session);
    }

    @Test
    void aTypicalRecord_isSmall() {
        assertThat(serializer.serialize(SampleRecords.session("dev-1"))).hasSizeLessThanOrEqualTo(56);
    }

    @Test
    void deserialize_rejectsUnknownVersion_namingIt() {
        byte[] bytes = HEX.parseHex(GOLDEN_V1);
        bytes[0] = 2;

        assertThatThrownBy(() -> serializer.deserialize("dev-1", bytes))
                .isInstanceOf(RecordFormatException.class)
                .hasMessage("session record of device 'dev-1' has unknown format version 2 "
                        + "(this build reads versions 1 to 1)")
                .extracting(e -> ((StoreException) e).kind()).isEqualTo(StoreException.Kind.CORRUPT);
    }

    @Test
    void deserialize_rejectsEveryTruncation() {
        byte[] bytes = HEX.parseHex(GOLDEN_V1);
        for (int length = 0; length < bytes.length; length++) {
            byte[] truncated = Arrays.copyOf(bytes, length);
            assertThatThrownBy(() -> serializer.deserialize("dev-1", truncated))
                    .as("truncated to %d bytes", length)
                    .isInstanceOf(RecordFormatException.class)
                    .hasMessageStartingWith("session record of device 'dev-1' ")
                    .hasMessageMatching(".*(is empty|is truncated|string length).*");
        }
    }

    @Test
    void deserialize_rejectsTrailingBytes() {
        byte[] bytes = Arrays.copyOf(HEX.parseHex(GOLDEN_V1), HEX.parseHex(GOLDEN_V1).length + 1);

        assertThatThrownBy(() -> serializer.deserialize("dev-1", bytes))
                .isInstanceOf(RecordFormatException.class).hasMessageContaining("1 unexpected trailing bytes");
    }

    @Test
    void deserialize_rejectsKeepAliveOutOfRange_asAFormatError() {
        byte[] golden = HEX.parseHex(GOLDEN_V1);
        int at = HEX.formatHex(golden).indexOf("d8 04") / 3;
        byte[] before = Arrays.copyOf(golden, at);
        byte[] after = Arrays.copyOfRange(golden, at + 2, golden.length);
        byte[] tooLarge = concat(before, HEX.parseHex("80 80 08"), after); // 65536 (zig-zag 131072)
        byte[] negative = concat(before, HEX.parseHex("01"), after);       // -1 (zig-zag 1)

        assertThatThrownBy(() -> serializer.deserialize("d", tooLarge))
                .isInstanceOf(RecordFormatException.class).hasMessageContaining("keep-alive 65536 s");
        assertThatThrownBy(() -> serializer.deserialize("d", negative))
                .isInstanceOf(RecordFormatException.class).hasMessageContaining("keep-alive -1 s");
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    @Test
    void deserialize_rejectsUnknownStateAndFlags() {
        byte[] badState = HEX.parseHex(GOLDEN_V1);
        badState[1] = 9;
        byte[] badFlags = HEX.parseHex(GOLDEN_V1);
        badFlags[2] = 3;

        assertThatThrownBy(() -> serializer.deserialize("d", badState))
                .isInstanceOf(RecordFormatException.class).hasMessageContaining("unknown state code 9");
        assertThatThrownBy(() -> serializer.deserialize("d", badFlags))
                .isInstanceOf(RecordFormatException.class).hasMessageContaining("unknown flags 0x3");
    }
}
