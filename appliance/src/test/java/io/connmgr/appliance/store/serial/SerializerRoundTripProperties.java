package io.connmgr.appliance.store.serial;

import static org.assertj.core.api.Assertions.assertThat;

import io.connmgr.appliance.store.DeviceRecord;
import io.connmgr.appliance.store.DeviceSettings;
import io.connmgr.appliance.store.SessionRecord;
import io.connmgr.appliance.store.SessionState;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import net.jqwik.api.constraints.WithNull;

class SerializerRoundTripProperties {

    private final SessionRecordSerializer sessions = new SessionRecordSerializer();
    private final DeviceRecordSerializer devices = new DeviceRecordSerializer();
    private final DeviceSettingsSerializer settings = new DeviceSettingsSerializer();

    @Property
    void sessionsRoundTrip(@ForAll long deviceKey, @ForAll @Size(16) byte[] token, @ForAll SessionState state,
            @ForAll long since, @ForAll long lastActivity, @ForAll @WithNull @StringLength(max = 64) String remote,
            @ForAll long uplinkSeq, @ForAll long downlinkSeq, @ForAll long connectedAt,
            @ForAll @IntRange(max = SessionRecord.MAX_KEEP_ALIVE_SECONDS) int keepAlive) {
        // Only well-formed text round-trips through UTF-8; an unpaired surrogate is not an address anyway.
        String address = remote == null ? null : remote.replaceAll("\\p{Cs}", "?");
        SessionRecord session = new SessionRecord("device", deviceKey, token, state, since, lastActivity, address,
                uplinkSeq, downlinkSeq, connectedAt, keepAlive);

        assertThat(sessions.deserialize("device", sessions.serialize(session))).isEqualTo(session);
    }

    @Property
    void devicesRoundTrip(@ForAll @Size(32) byte[] tokenHash, @ForAll long createdAt) {
        DeviceRecord device = new DeviceRecord("device", tokenHash, createdAt);

        assertThat(devices.deserialize("device", devices.serialize(device))).isEqualTo(device);
    }

    @Property
    void settingsRoundTrip(@ForAll @WithNull Long idleAfter, @ForAll @WithNull Long sleepAfter,
            @ForAll @WithNull Long keepAlive, @ForAll @WithNull Boolean alwaysActive) {
        DeviceSettings value = new DeviceSettings(idleAfter, sleepAfter, keepAlive, alwaysActive);

        assertThat(settings.deserialize("device", settings.serialize(value))).isEqualTo(value);
    }

    /** Any byte string is either decoded or rejected as a format error: never another exception. */
    @Property
    void arbitraryBytes_neverThrowAnythingButAFormatError(@ForAll @Size(max = 80) byte[] bytes) {
        for (Runnable decode : new Runnable[] {
                () -> sessions.deserialize("d", bytes),
                () -> devices.deserialize("d", bytes),
                () -> settings.deserialize("d", bytes)}) {
            try {
                decode.run();
            } catch (RecordFormatException expected) {
                // the only acceptable failure
            }
        }
    }
}
