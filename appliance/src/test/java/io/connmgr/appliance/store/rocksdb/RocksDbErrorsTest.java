package io.connmgr.appliance.store.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.connmgr.appliance.store.StoreException;
import io.connmgr.appliance.store.StoreException.Kind;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;
import org.rocksdb.Status.Code;
import org.rocksdb.Status.SubCode;

class RocksDbErrorsTest {

    private static final Path DIR = Path.of("/var/lib/connmgr/store");

    private static RocksDBException error(Code code, SubCode subCode, String state) {
        return new RocksDBException(state, new Status(code, subCode, state));
    }

    @Test
    void noSpace_isDiskFull_whetherBySubCodeOrByMessage() {
        StoreException bySubCode = RocksDbErrors.during("writing a session", DIR,
                error(Code.IOError, SubCode.NoSpace, "IO error: No space left on device: While appending to file"));
        StoreException byMessage = RocksDbErrors.during("writing a session", DIR,
                error(Code.IOError, SubCode.None, "IO error: No space left on device"));

        assertThat(bySubCode.kind()).isEqualTo(Kind.DISK_FULL);
        assertThat(bySubCode).hasMessageContaining(DIR.toString()).hasMessageContaining("disk full")
                .hasCauseInstanceOf(RocksDBException.class);
        assertThat(byMessage.kind()).isEqualTo(Kind.DISK_FULL);
    }

    @Test
    void otherCodes_mapToIoCorruptOrClosed() {
        assertThat(RocksDbErrors.during("x", DIR, error(Code.IOError, SubCode.None, "Input/output error")).kind())
                .isEqualTo(Kind.IO);
        assertThat(RocksDbErrors.during("x", DIR, error(Code.Busy, SubCode.None, "busy")).kind())
                .isEqualTo(Kind.IO);
        assertThat(RocksDbErrors.during("x", DIR, error(Code.Corruption, SubCode.None, "bad block")))
                .hasMessageContaining("--store-recover=move-aside")
                .extracting(StoreException::kind).isEqualTo(Kind.CORRUPT);
        assertThat(RocksDbErrors.during("x", DIR, error(Code.ShutdownInProgress, SubCode.None, "")).kind())
                .isEqualTo(Kind.CLOSED);
        assertThat(RocksDbErrors.during("x", DIR, new RocksDBException("no status")).kind()).isEqualTo(Kind.IO);
    }

    @Test
    void aLockErrorAtOpen_isLocked() {
        StoreException e = RocksDbErrors.onOpen(DIR, error(Code.IOError, SubCode.None,
                "While lock file: /var/lib/connmgr/store/LOCK: Resource temporarily unavailable"));

        assertThat(e.kind()).isEqualTo(Kind.LOCKED);
        assertThat(e).hasMessageContaining("another appliance is probably running");
    }
}
