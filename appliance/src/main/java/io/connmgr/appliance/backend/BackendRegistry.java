package io.connmgr.appliance.backend;

import io.connmgr.appliance.auth.BackendAuthenticator;
import io.connmgr.appliance.auth.SecretFiles;
import io.connmgr.appliance.auth.TokenHash;
import io.connmgr.appliance.store.BackendRecord;
import io.connmgr.appliance.store.BackendStore;
import io.connmgr.appliance.session.TimeSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Back-end servers' credentials: tokens are 32 random bytes (URL-safe base64), shown once when issued and stored only
 * as SHA-256 hashes in the store. An appliance has few back-ends, so the hashes are also held in memory: checking a
 * token never touches the disk, and {@link #authenticateBearer} is cheap enough for an event loop. The store stays
 * the source of truth; create and delete write it (fsync'ed) before the memory is changed.
 */
public final class BackendRegistry implements BackendAuthenticator {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    public static final String NAME_RULE = "a back-end name is 1..64 characters of A-Z, a-z, 0-9, '.', '_' and '-'";

    private final BackendStore store;
    private final TimeSource time;
    /** Token hash → name. */
    private final Map<ByteBuffer, String> byHash = new ConcurrentHashMap<>();
    /** Name → token hash. */
    private final Map<String, byte[]> byName = new ConcurrentHashMap<>();

    public BackendRegistry(BackendStore store, TimeSource time) {
        this.store = store;
        this.time = time;
        for (BackendRecord b : store.list()) {
            remember(b);
        }
    }

    public static boolean validName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** The outcome of {@link #create}. */
    public sealed interface Created {
        record Issued(String name, String token) implements Created {
            @Override
            public String toString() {
                return "Issued[name=" + name + ", token=<redacted>]";
            }
        }

        record AlreadyExists(String name) implements Created {
        }
    }

    /** Issues a back-end and its token; the token exists only in the return value. Blocks on an fsync. */
    public synchronized Created create(String name) {
        if (!validName(name)) {
            throw new IllegalArgumentException(NAME_RULE);
        }
        if (byName.containsKey(name) || store.load(name).isPresent()) {
            return new Created.AlreadyExists(name);
        }
        String token = SecretFiles.newToken();
        BackendRecord record = new BackendRecord(name, hash(token), time.currentTimeMillis());
        store.put(record);
        remember(record);
        return new Created.Issued(name, token);
    }

    /** Revokes a back-end's token at once. Blocks on an fsync. */
    public synchronized boolean delete(String name) {
        boolean existed = store.delete(name);
        byte[] h = byName.remove(name);
        if (h != null) {
            byHash.remove(ByteBuffer.wrap(h));
        }
        return existed;
    }

    /** Back-ends in name order, with when each was created (never the token). */
    public List<BackendRecord> list() {
        return store.list();
    }

    @Override
    public Optional<String> authenticate(String name, String token) {
        if (name == null || token == null) {
            return Optional.empty();
        }
        byte[] expected = byName.get(name);
        byte[] presented = hash(token);
        // Compare against a dummy when the name is unknown, so the time taken does not tell whether it exists.
        boolean match = MessageDigest.isEqual(expected != null ? expected : new byte[presented.length], presented);
        return match && expected != null ? Optional.of(name) : Optional.empty();
    }

    /** Never blocks: the index is in memory. */
    @Override
    public Optional<String> authenticateBearer(String token) {
        if (token == null || token.isEmpty()) {
            return Optional.empty();
        }
        // A lookup by hash: the hash of an unguessable token tells a timing observer nothing about other tokens.
        return Optional.ofNullable(byHash.get(ByteBuffer.wrap(hash(token))));
    }

    private void remember(BackendRecord b) {
        byName.put(b.name(), b.tokenHash());
        byHash.put(ByteBuffer.wrap(b.tokenHash()), b.name());
    }

    private static byte[] hash(String token) {
        return TokenHash.of(token.getBytes(StandardCharsets.UTF_8));
    }
}
