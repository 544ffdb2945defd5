package io.connmgr.appliance.admin;

import io.connmgr.appliance.store.DeviceSettings;

import java.time.Instant;

/**
 * A {@link DeviceView} as the API shows it: snake_case names, timestamps as ISO-8601 UTC strings (null for "never"),
 * durations in milliseconds with an {@code _ms} suffix.
 */
record DeviceJson(String deviceId, String tier, String tierSince, String lastActivity, String connectedAt,
                  String remoteAddress, boolean provisioned, SettingsJson settings, SettingsJson overrides,
                  long lastUplinkSeq, long lastDownlinkSeq) {

    /** Settings in force, or the device's overrides where null means "the global default". */
    record SettingsJson(Long idleAfterMs, Long sleepAfterMs, Long keepAliveMs, Boolean alwaysActive) {
    }

    static DeviceJson of(DeviceView view) {
        DeviceView.EffectiveSettings effective = view.settings();
        DeviceSettings own = view.overrides() == null ? DeviceSettings.NONE : view.overrides();
        return new DeviceJson(
                view.deviceId(),
                view.tier() == null ? null : view.tier().name(),
                timestamp(view.tierSinceMillis()),
                timestamp(view.lastActivityMillis()),
                timestamp(view.connectedAtMillis()),
                view.remoteAddress(),
                view.provisioned(),
                effective == null ? null : new SettingsJson(effective.idleAfterMillis(), effective.sleepAfterMillis(),
                        effective.keepAliveMillis(), effective.alwaysActive()),
                new SettingsJson(own.idleAfterMillis(), own.sleepAfterMillis(), own.keepAliveMillis(),
                        own.alwaysActive()),
                view.lastUplinkSeq(),
                view.lastDownlinkSeq());
    }

    /** 0 is how the directory says "never"; the API says null rather than 1970. */
    static String timestamp(long epochMillis) {
        return epochMillis == 0 ? null : Instant.ofEpochMilli(epochMillis).toString();
    }
}
