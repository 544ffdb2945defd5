package io.connmgr.appliance.store;

/**
 * Per-device overrides of the global tier policy; a null field means "use the global default".
 * Durations are in milliseconds.
 *
 * @param idleAfterMillis  quiet time before ACTIVE becomes IDLE
 * @param sleepAfterMillis further quiet time before IDLE becomes SLEEP
 * @param keepAliveMillis  keep-alive interval the device is told to use
 * @param alwaysActive     true keeps the device ACTIVE whatever its traffic
 * @param persistentRequired true when servers can reach the device only through its persistent connection (it is not
 *                         reachable directly), so it must keep one; set by back-end servers, shown in the API
 */
public record DeviceSettings(Long idleAfterMillis, Long sleepAfterMillis, Long keepAliveMillis, Boolean alwaysActive,
                             Boolean persistentRequired) {

    /** No overrides at all. */
    public static final DeviceSettings NONE = new DeviceSettings(null, null, null, null, null);

    /** The tier overrides alone, without persistentRequired. */
    public DeviceSettings(Long idleAfterMillis, Long sleepAfterMillis, Long keepAliveMillis, Boolean alwaysActive) {
        this(idleAfterMillis, sleepAfterMillis, keepAliveMillis, alwaysActive, null);
    }

    /** These settings updated by {@code newer}: each non-null field of {@code newer} wins. */
    public DeviceSettings merge(DeviceSettings newer) {
        return new DeviceSettings(
                newer.idleAfterMillis != null ? newer.idleAfterMillis : idleAfterMillis,
                newer.sleepAfterMillis != null ? newer.sleepAfterMillis : sleepAfterMillis,
                newer.keepAliveMillis != null ? newer.keepAliveMillis : keepAliveMillis,
                newer.alwaysActive != null ? newer.alwaysActive : alwaysActive,
                newer.persistentRequired != null ? newer.persistentRequired : persistentRequired);
    }
}
