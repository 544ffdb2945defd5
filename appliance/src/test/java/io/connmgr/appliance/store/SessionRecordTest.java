package io.connmgr.appliance.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SessionRecordTest {

    @Test
    void equality_comparesTokenContent_notArrayIdentity() {
        assertThat(SampleRecords.session("a")).isEqualTo(SampleRecords.session("a"))
                .hasSameHashCodeAs(SampleRecords.session("a"));
        assertThat(SampleRecords.device("a")).isEqualTo(SampleRecords.device("a"))
                .hasSameHashCodeAs(SampleRecords.device("a"));
    }

    @Test
    void tokens_areCopied_soCallersCannotChangeARecord() {
        byte[] token = SampleRecords.bytes(16, 1);
        SessionRecord session = new SessionRecord("a", 1, token, SessionState.SLEEPING, 0, 0, null, 0, 0, 0);
        token[0] = 99;
        session.resumeToken()[1] = 99;

        assertThat(session.resumeToken()).isEqualTo(SampleRecords.bytes(16, 1));
    }

    @Test
    void constructor_rejectsTokenOfWrongLength() {
        assertThatThrownBy(() -> new SessionRecord("a", 1, new byte[15], SessionState.SLEEPING, 0, 0, null, 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("16 bytes");
        assertThatThrownBy(() -> new DeviceRecord("a", new byte[31], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32 bytes");
    }

    @Test
    void toString_neverShowsSecrets() {
        SessionRecord session = SampleRecords.session("a");
        String tokenHex = HexFormat.of().formatHex(session.resumeToken());

        assertThat(session.toString()).contains("deviceId=a").doesNotContain(tokenHex)
                .doesNotContain(java.util.Arrays.toString(session.resumeToken()));
        assertThat(SampleRecords.device("a").toString()).doesNotContain("tokenHash");
    }
}
