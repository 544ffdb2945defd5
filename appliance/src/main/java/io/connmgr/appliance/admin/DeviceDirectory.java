package io.connmgr.appliance.admin;

import io.connmgr.appliance.session.Tier;

import java.util.List;
import java.util.Optional;

/** What the admin API needs from the connection manager. Implementations are thread-safe and may block briefly. */
public interface DeviceDirectory {

    /** Current connection counts per tier plus sessions waiting in the store. */
    TierCounts counts();

    Optional<DeviceView> device(String deviceId);

    /**
     * Devices in id order, after {@code cursor} (exclusive; null = from the start), optionally only those in
     * {@code tier}, at most {@code limit}.
     */
    Page list(Tier tier, int limit, String cursor);

    /** Moves a connected device to {@code target}; the result says what happened. */
    TierRequestResult requestTier(String deviceId, Tier target);

    /** Closes the device's connection with GOAWAY(ADMIN_DISCONNECT); false if it had none. */
    boolean disconnect(String deviceId);

    /** Provisions (or re-keys) a device and returns its new token; the store keeps only a hash. */
    String provision(String deviceId);

    /** True while the appliance accepts devices; false from the first moment of a drain. */
    boolean ready();

    record TierCounts(long active, long idle, long sleep, long disconnected) {
    }

    record Page(List<DeviceView> devices, String nextCursor) {
    }

    enum TierRequestResult {
        /** The transition was started. */
        ACCEPTED,
        /** The device is already in that tier. */
        ALREADY,
        /** The device is not connected; only ACTIVE/IDLE/SLEEP of a live connection can be requested. */
        NOT_CONNECTED,
        /** The device is unknown. */
        UNKNOWN_DEVICE,
        /** The transition cannot be made (e.g. DISCONNECTED is not a target, or sleeping is disabled). */
        NOT_ALLOWED
    }
}
