package io.connmgr.appliance.tier.sleep;

import java.util.Arrays;

/**
 * Open-addressing map from a 64-bit device key to a non-negative int (the sleep table's file descriptors; a device's
 * capability bits), in two primitive arrays: about 16 to 32 bytes per entry, with no object per entry.
 *
 * <p>Linear probing with backward-shift deletion, so there are no tombstones and lookups never degrade after churn.
 * A slot is free when its value is -1, which leaves every long value usable as a key. Not thread-safe.
 */
public final class DeviceKeyIndex {
    private static final int FREE = -1;
    /** 3/4 keeps probe sequences short while holding 16..32 bytes per entry. */
    private static final int MAX_LOAD_NUMERATOR = 3;
    private static final int MAX_LOAD_DENOMINATOR = 4;

    private long[] keys;
    private int[] fds;
    private int mask;
    private int size;

    public DeviceKeyIndex(int expectedEntries) {
        long needed = (long) Math.max(1, expectedEntries) * MAX_LOAD_DENOMINATOR / MAX_LOAD_NUMERATOR + 1;
        allocate(Math.max(8, Integer.highestOneBit((int) Math.min(1 << 30, needed - 1)) << 1));
    }

    public int size() {
        return size;
    }

    /** Returns the fd stored for key, or -1. */
    public int get(long key) {
        for (int i = slot(key); ; i = (i + 1) & mask) {
            int fd = fds[i];
            if (fd == FREE) {
                return FREE;
            }
            if (keys[i] == key) {
                return fd;
            }
        }
    }

    /** Stores key -> fd; returns false (and changes nothing) if key is already present. */
    public boolean putIfAbsent(long key, int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("fd must be >= 0: " + fd);
        }
        if ((size + 1) * MAX_LOAD_DENOMINATOR > fds.length * MAX_LOAD_NUMERATOR) {
            rehash(fds.length << 1);
        }
        for (int i = slot(key); ; i = (i + 1) & mask) {
            if (fds[i] == FREE) {
                keys[i] = key;
                fds[i] = fd;
                size++;
                return true;
            }
            if (keys[i] == key) {
                return false;
            }
        }
    }

    /** Removes key; returns the fd it mapped to, or -1. */
    public int remove(long key) {
        for (int i = slot(key); ; i = (i + 1) & mask) {
            int fd = fds[i];
            if (fd == FREE) {
                return FREE;
            }
            if (keys[i] == key) {
                shiftBack(i);
                size--;
                return fd;
            }
        }
    }

    /** Bytes of the two arrays including their headers. */
    public long bytes() {
        return PrimitiveArrays.longArrayBytes(keys.length) + PrimitiveArrays.intArrayBytes(fds.length);
    }

    /**
     * Fills the hole at {@code hole} by moving back later entries of the same probe run whose home slot is not
     * strictly between the hole and their current position.
     */
    private void shiftBack(int hole) {
        int i = hole;
        while (true) {
            i = (i + 1) & mask;
            int fd = fds[i];
            if (fd == FREE) {
                break;
            }
            int home = slot(keys[i]);
            boolean homeInOpenRange = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
            if (!homeInOpenRange) {
                keys[hole] = keys[i];
                fds[hole] = fd;
                hole = i;
            }
        }
        fds[hole] = FREE;
    }

    private void rehash(int capacity) {
        long[] oldKeys = keys;
        int[] oldFds = fds;
        allocate(capacity);
        for (int i = 0; i < oldFds.length; i++) {
            if (oldFds[i] != FREE) {
                int j = slot(oldKeys[i]);
                while (fds[j] != FREE) {
                    j = (j + 1) & mask;
                }
                keys[j] = oldKeys[i];
                fds[j] = oldFds[i];
            }
        }
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        fds = new int[capacity];
        Arrays.fill(fds, FREE);
        mask = capacity - 1;
    }

    private int slot(long key) {
        // Device keys may be sequential or hash-derived; the murmur3 finalizer spreads either kind.
        long h = key;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int) h & mask;
    }
}
