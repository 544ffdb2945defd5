package io.connmgr.protocol.backend;

import java.time.Duration;

/**
 * Connection-manager settings a back-end sets for one device (the seed's CM-specific commands). A {@code null} field
 * is left unchanged; a zero duration means "never" for {@code idleAfter} and {@code sleepAfter}.
 *
 * @param idleAfter          quiet time before ACTIVE becomes IDLE
 * @param sleepAfter         quiet time before the connection sleeps
 * @param keepAlive          keep-alive interval the device is told to use
 * @param alwaysActive       keep the device ACTIVE whatever its traffic
 * @param persistentRequired whether the device must hold a persistent connection (false: it is reachable directly)
 */
public record DeviceSettings(Duration idleAfter, Duration sleepAfter, Duration keepAlive, Boolean alwaysActive,
                             Boolean persistentRequired) {

    /** Changes nothing. */
    public static final DeviceSettings UNCHANGED = new DeviceSettings(null, null, null, null, null);

    /** Largest duration the wire carries (u32 milliseconds). */
    public static final Duration MAX_DURATION = Duration.ofMillis(0xFFFF_FFFFL);

    public DeviceSettings {
        for (Duration d : new Duration[]{idleAfter, sleepAfter, keepAlive}) {
            if (d != null && (d.isNegative() || d.compareTo(MAX_DURATION) > 0)) {
                throw new IllegalArgumentException("durations must be 0.." + MAX_DURATION.toMillis() + " ms: " + d);
            }
        }
    }

    public DeviceSettings withIdleAfter(Duration d) {
        return new DeviceSettings(d, sleepAfter, keepAlive, alwaysActive, persistentRequired);
    }

    public DeviceSettings withSleepAfter(Duration d) {
        return new DeviceSettings(idleAfter, d, keepAlive, alwaysActive, persistentRequired);
    }

    public DeviceSettings withKeepAlive(Duration d) {
        return new DeviceSettings(idleAfter, sleepAfter, d, alwaysActive, persistentRequired);
    }

    public DeviceSettings withAlwaysActive(boolean b) {
        return new DeviceSettings(idleAfter, sleepAfter, keepAlive, b, persistentRequired);
    }

    public DeviceSettings withPersistentRequired(boolean b) {
        return new DeviceSettings(idleAfter, sleepAfter, keepAlive, alwaysActive, b);
    }

    /** The SETTINGS "present" bit mask of this value. */
    public int presentMask() {
        return (idleAfter != null ? BackendWire.SET_IDLE_AFTER : 0)
                | (sleepAfter != null ? BackendWire.SET_SLEEP_AFTER : 0)
                | (keepAlive != null ? BackendWire.SET_KEEP_ALIVE : 0)
                | (alwaysActive != null ? BackendWire.SET_ALWAYS_ACTIVE : 0)
                | (persistentRequired != null ? BackendWire.SET_PERSISTENT_REQUIRED : 0);
    }
}
