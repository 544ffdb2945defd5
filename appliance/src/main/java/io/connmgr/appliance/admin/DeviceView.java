package io.connmgr.appliance.admin;

import io.connmgr.appliance.session.Tier;

/**
 * What the admin API shows about one device.
 *
 * @param tierSinceMillis    when the device entered its current tier (epoch ms)
 * @param lastActivityMillis last application data in either direction (epoch ms; keep-alives do not count), 0 if never
 * @param remoteAddress      "ip:port" of the current or last connection, null if unknown
 * @param settings           effective settings (global defaults merged with the device's overrides)
 * @param overrides          the device's own overrides; null fields mean "default"
 */
public record DeviceView(String deviceId, Tier tier, long tierSinceMillis, long lastActivityMillis,
                         long connectedAtMillis, String remoteAddress, boolean provisioned,
                         EffectiveSettings settings, io.connmgr.appliance.store.DeviceSettings overrides,
                         long lastUplinkSeq, long lastDownlinkSeq) {

    /** Settings in force for a device. Durations in milliseconds. */
    public record EffectiveSettings(long idleAfterMillis, long sleepAfterMillis, long keepAliveMillis,
                                    boolean alwaysActive) {
    }
}
