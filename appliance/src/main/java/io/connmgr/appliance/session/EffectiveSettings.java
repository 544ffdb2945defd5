package io.connmgr.appliance.session;

import io.connmgr.appliance.config.ApplianceConfig;
import io.connmgr.appliance.store.DeviceSettings;

/**
 * The settings in force for one device: global defaults with its overrides applied.
 *
 * @param idleAfterMillis  0 = never become IDLE
 * @param sleepAfterMillis 0 = never sleep on a timer
 */
public record EffectiveSettings(long idleAfterMillis, long sleepAfterMillis, long keepAliveMillis,
                                boolean alwaysActive) {

    public static EffectiveSettings of(ApplianceConfig config, DeviceSettings overrides) {
        return new EffectiveSettings(
                overrides.idleAfterMillis() != null ? overrides.idleAfterMillis() : config.idleAfter().toMillis(),
                overrides.sleepAfterMillis() != null ? overrides.sleepAfterMillis() : config.sleepAfter().toMillis(),
                overrides.keepAliveMillis() != null ? overrides.keepAliveMillis() : config.keepAlive().toMillis(),
                overrides.alwaysActive() != null && overrides.alwaysActive());
    }
}
