package io.connmgr.appliance.store.rocksdb;

import io.connmgr.appliance.auth.TokenHash;
import io.connmgr.appliance.backend.BackendRegistry;
import io.connmgr.appliance.store.BackendRecord;
import io.connmgr.appliance.store.MessageStore;
import io.connmgr.appliance.store.MessageStore.IdempotencyRecord;
import io.connmgr.appliance.store.MessageStore.MessageStatus;
import io.connmgr.appliance.store.MessageStore.QueueMeta;
import io.connmgr.appliance.store.MessageStore.QueuedMessage;
import io.connmgr.appliance.store.MessageStore.State;
import io.connmgr.appliance.session.TimeSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The messaging and back-end families of the RocksDB store. */
class RocksDbMessageStoreTest extends OpenStoreTestBase {

    private static QueuedMessage message(String device, long position) {
        return new QueuedMessage(device, position, "m" + position, 1000, 0, 0, 0,
                ("payload " + position).getBytes(StandardCharsets.UTF_8));
    }

    private void enqueue(MessageStore m, String device, long position) {
        QueuedMessage q = message(device, position);
        m.enqueue(q, new MessageStatus(device, q.messageId(), State.QUEUED, 1000, 1000, 0, q.payload().length),
                null, null, new QueueMeta(position + 1, position, 0, 0));
    }

    @Test
    void queue_keepsOrderPerDevice_survivesReopen_andNeverMixesDevicesThatSharePrefixes() {
        MessageStore m = store.messages();
        for (long p = 1; p <= 3; p++) {
            enqueue(m, "dev", p);
            enqueue(m, "dev-2", p);
        }
        m.enqueue(message("de", 1), new MessageStatus("de", "m1", State.QUEUED, 1, 1, 0, 1), "key-1",
                new IdempotencyRecord("m1", 5000), new QueueMeta(2, 1, 0, 0));
        reopen();
        m = store.messages();
        assertThat(m.queued("dev", 0, 10)).extracting(QueuedMessage::position).containsExactly(1L, 2L, 3L);
        assertThat(m.queued("dev", 1, 1)).extracting(QueuedMessage::messageId).containsExactly("m2");
        assertThat(m.queued("de", 0, 10)).hasSize(1);
        assertThat(m.meta("dev")).isEqualTo(new QueueMeta(4, 3, 0, 0));
        assertThat(m.meta("nobody")).isEqualTo(QueueMeta.EMPTY);
        assertThat(m.devicesWithQueues(null, 10)).containsExactly("de", "dev", "dev-2");
        assertThat(m.devicesWithQueues("de", 1)).containsExactly("dev");
        assertThat(m.idempotencyKey("de", "key-1")).contains(new IdempotencyRecord("m1", 5000));
        assertThat(m.idempotencyKey("dev", "key-1")).isEmpty();
    }

    @Test
    void assignAndFinish_rewriteTheQueue_andPruneRemovesOnlyOldFinishedRecords() {
        MessageStore m = store.messages();
        enqueue(m, "dev", 1);
        enqueue(m, "dev", 2);
        m.assign("dev", List.of(message("dev", 1).assigned(77, 1)), new QueueMeta(3, 2, 77, 1));
        assertThat(m.queued("dev", 0, 10).getFirst().seq()).isEqualTo(1);
        assertThat(m.queued("dev", 0, 10).getFirst().sessionTag()).isEqualTo(77);

        m.finish("dev", List.of(message("dev", 1)),
                List.of(new MessageStatus("dev", "m1", State.DELIVERED, 1000, 2000, 0, 9)), new QueueMeta(3, 1, 77, 1));
        assertThat(m.queued("dev", 0, 10)).extracting(QueuedMessage::position).containsExactly(2L);
        assertThat(m.status("dev", "m1").orElseThrow().state()).isEqualTo(State.DELIVERED);

        assertThat(m.prune(1500, 0, 100)).isZero();
        assertThat(m.prune(2500, 0, 100)).isEqualTo(1);
        assertThat(m.status("dev", "m1")).isEmpty();
        assertThat(m.status("dev", "m2")).as("still queued: kept").isPresent();
    }

    @Test
    void backendTokens_areStoredOnlyAsHashes_indexedByHash_andRevokedAtOnce() {
        BackendRegistry registry = new BackendRegistry(store.backends(), TimeSource.SYSTEM);
        var issued = (BackendRegistry.Created.Issued) registry.create("billing");
        assertThat(issued.token()).hasSize(43);
        assertThat(registry.create("billing")).isInstanceOf(BackendRegistry.Created.AlreadyExists.class);
        BackendRecord stored = store.backends().load("billing").orElseThrow();
        assertThat(stored.tokenHash()).isEqualTo(TokenHash.of(issued.token().getBytes(StandardCharsets.UTF_8)));

        reopen();
        registry = new BackendRegistry(store.backends(), TimeSource.SYSTEM);
        assertThat(registry.authenticateBearer(issued.token())).contains("billing");
        assertThat(registry.authenticate("billing", issued.token())).contains("billing");
        assertThat(registry.authenticate("other", issued.token())).isEmpty();
        assertThat(registry.authenticateBearer("x" + issued.token().substring(1))).isEmpty();

        assertThat(registry.delete("billing")).isTrue();
        assertThat(registry.authenticateBearer(issued.token())).isEmpty();
        assertThat(store.backends().nameForTokenHash(stored.tokenHash())).isEmpty();
        assertThat(registry.delete("billing")).isFalse();
    }
}
