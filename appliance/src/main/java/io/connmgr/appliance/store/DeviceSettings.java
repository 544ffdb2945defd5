package io.connmgr.appliance.store;

/** Per-device overrides; a null field means "use the global default". Durations in milliseconds. */
public record DeviceSettings(Long idleAfterMillis, Long sleepAfterMillis, Long keepAliveMillis, Boolean alwaysActive) {
    public static final DeviceSettings NONE = new DeviceSettings(null, null, null, null);

    /** Non-null fields of {@code newer} win. */
    public DeviceSettings merge(DeviceSettings newer) {
        return new DeviceSettings(
                newer.idleAfterMillis != null ? newer.idleAfterMillis : idleAfterMillis,
                newer.sleepAfterMillis != null ? newer.sleepAfterMillis : sleepAfterMillis,
                newer.keepAliveMillis != null ? newer.keepAliveMillis : keepAliveMillis,
                newer.alwaysActive != null ? newer.alwaysActive : alwaysActive);
    }
}
