package io.connmgr.appliance.store;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The appliance's persistent state: sleeping/disconnected sessions, device credentials, per-device settings, and
 * (through {@link #messages()} and {@link #backends()}) downlink queues and back-end credentials.
 *
 * <p>Calls block on disk I/O, so they belong off the event loops. Implementations are thread-safe.
 * Device ids are keys: non-empty, at most {@value #MAX_DEVICE_ID_BYTES} bytes of well-formed UTF-8, else
 * {@link IllegalArgumentException}. "Device-id order" is the order of the ids' UTF-8 bytes (Unicode code point order).
 * Every method throws {@link StoreException} on failure, with kind {@link StoreException.Kind#CLOSED} once the store
 * is closed. A damaged record makes a point lookup fail with {@link StoreException.Kind#CORRUPT}; scans log and
 * count it and go on, so one bad record cannot stop start-up.
 */
public interface ApplianceStore extends AutoCloseable {

    int MAX_DEVICE_ID_BYTES = 128;

    Optional<SessionRecord> loadSession(String deviceId);

    /**
     * Creates or replaces the session and, in the same atomic write, its device-key index entry.
     * Write-ahead-logged, not fsync'ed: survives a killed process, not necessarily a power cut.
     */
    void saveSession(SessionRecord session);

    /** Also removes the session's entry in the device-key index. */
    void deleteSession(String deviceId);

    /**
     * The device whose stored session has {@code deviceKey}: an index kept in step with every session save and
     * delete, for callers that hold only the key (the sleep table). Empty when no stored session has the key.
     */
    Optional<String> deviceIdForKey(long deviceKey);

    /** Sessions in device-id order strictly after {@code afterDeviceId} (null = from start), at most {@code limit}. */
    List<SessionRecord> listSessions(String afterDeviceId, int limit);

    /** Visits every session in device-id order; used at start-up to rebuild counts. */
    void forEachSession(Consumer<SessionRecord> action);

    Optional<DeviceRecord> loadDevice(String deviceId);

    /** Creates or replaces the device; fsync'ed, since credentials are hard state. */
    void putDevice(DeviceRecord device);

    /**
     * Deletes the device together with its settings, its reachability record and its session (a session cannot outlive
     * its credentials);
     * fsync'ed.
     *
     * @return whether the device existed
     */
    boolean deleteDevice(String deviceId);

    /** Devices in device-id order strictly after {@code afterDeviceId} (null = from start), at most {@code limit}. */
    List<DeviceRecord> listDevices(String afterDeviceId, int limit);

    Optional<DeviceSettings> loadSettings(String deviceId);

    /** Stores the settings as given (callers merge); does not check that the device exists. Fsync'ed. */
    void putSettings(String deviceId, DeviceSettings settings);

    /** What the device's latest HELLO announced about reaching it (on demand, direct address), if anything. */
    Optional<ReachabilityRecord> loadReachability(String deviceId);

    /**
     * Creates or replaces the device's reachability record. Write-ahead-logged, not fsync'ed: the device announces it
     * again in every HELLO.
     */
    void putReachability(ReachabilityRecord record);

    /** Removes the device's reachability record, if any. */
    void deleteReachability(String deviceId);

    /** Visits every reachability record in device-id order; used at start-up to load them. */
    void forEachReachability(Consumer<ReachabilityRecord> action);

    /** Downlink message queues, their status records and idempotency keys. */
    MessageStore messages();

    /** Back-end credentials. */
    BackendStore backends();

    /** The journal of acknowledged uplink messages. */
    UplinkStore uplinks();

    /** Flushes memtables to SST files (clean shutdown). */
    void flush();

    /** Flushes and releases everything; later calls fail with {@link StoreException.Kind#CLOSED}. Idempotent. */
    @Override
    void close();
}
