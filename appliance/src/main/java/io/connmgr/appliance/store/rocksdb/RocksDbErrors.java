package io.connmgr.appliance.store.rocksdb;

import io.connmgr.appliance.store.StoreException;
import io.connmgr.appliance.store.StoreException.Kind;
import java.nio.file.Path;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/** Turns RocksDB's status codes into {@link StoreException}s whose message says what to do. */
final class RocksDbErrors {

    static final String MOVE_ASIDE_HINT =
            "start with --store-recover=move-aside to move the corrupt store aside and start empty";

    private RocksDbErrors() {
    }

    /** An error while opening the store in {@code dir}. */
    static StoreException onOpen(Path dir, RocksDBException e) {
        String detail = detail(e);
        if (kindOf(e) == Kind.IO && detail.contains("LOCK")) {
            return new StoreException(Kind.LOCKED, "Store " + dir + " is locked (" + detail
                    + "): another appliance is probably running with this store directory", e);
        }
        return during("opening", dir, e);
    }

    /** An error during {@code action} (e.g. "writing sessions") on the open store in {@code dir}. */
    static StoreException during(String action, Path dir, RocksDBException e) {
        Kind kind = kindOf(e);
        String detail = detail(e);
        String message = switch (kind) {
            case CORRUPT -> "Store " + dir + " is corrupt (" + detail + ", while " + action + "): " + MOVE_ASIDE_HINT;
            case DISK_FULL -> "Store " + dir + ": disk full while " + action + " (" + detail + ")";
            case CLOSED -> "Store " + dir + " is shutting down (while " + action + ")";
            default -> "Store " + dir + ": I/O error while " + action + " (" + detail + ")";
        };
        return new StoreException(kind, message, e);
    }

    static Kind kindOf(RocksDBException e) {
        Status status = e.getStatus();
        if (status == null) {
            return Kind.IO;
        }
        if (status.getSubCode() == Status.SubCode.NoSpace || detail(e).contains("No space left on device")) {
            return Kind.DISK_FULL;
        }
        return switch (status.getCode()) {
            case Corruption -> Kind.CORRUPT;
            case ShutdownInProgress -> Kind.CLOSED;
            default -> Kind.IO;
        };
    }

    private static String detail(RocksDBException e) {
        Status status = e.getStatus();
        String state = status != null ? status.getState() : null;
        return state != null && !state.isEmpty() ? state : String.valueOf(e.getMessage());
    }
}
