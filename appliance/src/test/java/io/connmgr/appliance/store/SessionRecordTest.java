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
        SessionRecord session = new SessionRecord("a", 1, token, SessionState.SLEEPING, 0, 0, null, 0, 0, 0, 30);
        token[0] = 99;
        session.resumeToken()[1] = 99;

        assertThat(session.resumeToken()).isEqualTo(SampleRecords.bytes(16, 1));
    }

    @Test
    void constructor_rejectsTokenOfWrongLength() {
        assertThatThrownBy(() -> new SessionRecord("a", 1, new byte[15], SessionState.SLEEPING, 0, 0, null, 0, 0, 0,
                30)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("16 bytes");
        assertThatThrownBy(() -> new DeviceRecord("a", new byte[31], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32 bytes");
    }

    @Test
    void keepAlive_isZeroForUnknown_upTo65535() {
        byte[] token = SampleRecords.bytes(16, 1);
        for (int valid : new int[] {0, 1, 65_535}) {
            assertThat(new SessionRecord("a", 1, token, SessionState.SLEEPING, 0, 0, null, 0, 0, 0, valid)
                    .keepAliveSeconds()).isEqualTo(valid);
        }
        for (int invalid : new int[] {-1, 65_536}) {
            assertThatThrownBy(() -> new SessionRecord("a", 1, token, SessionState.SLEEPING, 0, 0, null, 0, 0, 0,
                    invalid)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keepAliveSeconds");
        }
    }

    @Test
    void equality_includesKeepAlive() {
        SessionRecord s = SampleRecords.session("a");
        SessionRecord other = new SessionRecord("a", s.deviceKey(), s.resumeToken(), s.state(), s.sinceMillis(),
                s.lastActivityMillis(), s.remoteAddress(), s.lastUplinkSeq(), s.lastDownlinkSeq(),
                s.connectedAtMillis(), s.keepAliveSeconds() + 1);

        assertThat(other).isNotEqualTo(s);
        assertThat(other.hashCode()).isNotEqualTo(s.hashCode());
        assertThat(s.toString()).contains("keepAliveSeconds=300");
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
