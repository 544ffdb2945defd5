package io.connmgr.appliance.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeviceSettingsTest {

    @Test
    void merge_takesEachNonNullFieldOfTheNewerSettings() {
        DeviceSettings older = new DeviceSettings(1L, 2L, 3L, false);
        DeviceSettings newer = new DeviceSettings(null, 20L, null, true);

        assertThat(older.merge(newer)).isEqualTo(new DeviceSettings(1L, 20L, 3L, true));
    }

    @Test
    void merge_withNone_changesNothing_andNoneMergedWithSettings_isThoseSettings() {
        DeviceSettings settings = new DeviceSettings(1L, null, 3L, null);

        assertThat(settings.merge(DeviceSettings.NONE)).isEqualTo(settings);
        assertThat(DeviceSettings.NONE.merge(settings)).isEqualTo(settings);
    }
}
