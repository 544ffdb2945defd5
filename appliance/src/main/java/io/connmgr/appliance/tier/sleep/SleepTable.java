package io.connmgr.appliance.tier.sleep;

import java.util.Arrays;

/**
 * The parked connections: three arrays indexed by fd plus a device-key index. No per-entry objects.
 *
 * <p>Indexing by fd makes the epoll event (which carries the fd) a direct array access. The kernel hands out the
 * lowest free descriptor numbers, so the arrays stay about as long as the process's open-descriptor count. Times are
 * whole seconds since the loop's epoch, which is precise enough for silence timeouts of minutes to hours and keeps
 * each time in an int. A slot is free when its timeout is 0. Not thread-safe: the owner serialises access.
 */
final class SleepTable {
    private final int maxEntries;
    private long[] deviceKeyByFd;
    private int[] lastSeenSecsByFd;
    private int[] timeoutSecsByFd;
    private final DeviceKeyIndex fdByDeviceKey;
    private int size;

    SleepTable(int initialCapacity, int maxEntries) {
        if (initialCapacity < 1 || maxEntries < 1) {
            throw new IllegalArgumentException("capacities must be >= 1");
        }
        this.maxEntries = maxEntries;
        this.deviceKeyByFd = new long[initialCapacity];
        this.lastSeenSecsByFd = new int[initialCapacity];
        this.timeoutSecsByFd = new int[initialCapacity];
        this.fdByDeviceKey = new DeviceKeyIndex(initialCapacity);
    }

    int size() {
        return size;
    }

    /** Adds an entry; false if the table is full, or the fd or the key is already present. */
    boolean add(int fd, long deviceKey, int nowSecs, int timeoutSecs) {
        if (fd < 0 || timeoutSecs < 1) {
            throw new IllegalArgumentException("fd " + fd + ", timeoutSecs " + timeoutSecs);
        }
        if (size >= maxEntries || contains(fd)) {
            return false;
        }
        if (!fdByDeviceKey.putIfAbsent(deviceKey, fd)) {
            return false;
        }
        ensureFdCapacity(fd);
        deviceKeyByFd[fd] = deviceKey;
        lastSeenSecsByFd[fd] = nowSecs;
        timeoutSecsByFd[fd] = timeoutSecs;
        size++;
        return true;
    }

    boolean contains(int fd) {
        return fd >= 0 && fd < timeoutSecsByFd.length && timeoutSecsByFd[fd] != 0;
    }

    /** The fd parked for deviceKey, or -1. */
    int fdOf(long deviceKey) {
        return fdByDeviceKey.get(deviceKey);
    }

    /** Device key of a present fd. */
    long deviceKeyOf(int fd) {
        return deviceKeyByFd[fd];
    }

    void touch(int fd, int nowSecs) {
        lastSeenSecsByFd[fd] = nowSecs;
    }

    /** Removes a present fd and its key. */
    void remove(int fd) {
        fdByDeviceKey.remove(deviceKeyByFd[fd]);
        timeoutSecsByFd[fd] = 0;
        deviceKeyByFd[fd] = 0;
        lastSeenSecsByFd[fd] = 0;
        size--;
    }

    /** The fds whose silence has lasted longer than their timeout. */
    int[] expired(int nowSecs) {
        int[] out = new int[16];
        int n = 0;
        for (int fd = 0; fd < timeoutSecsByFd.length; fd++) {
            int timeout = timeoutSecsByFd[fd];
            // Subtraction, not comparison of deadlines, so a clock running backwards cannot overflow into expiry.
            if (timeout != 0 && nowSecs - lastSeenSecsByFd[fd] > timeout) {
                if (n == out.length) {
                    out = Arrays.copyOf(out, n * 2);
                }
                out[n++] = fd;
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** Every present fd, lowest first. */
    int[] fds() {
        int[] out = new int[size];
        int n = 0;
        for (int fd = 0; fd < timeoutSecsByFd.length && n < size; fd++) {
            if (timeoutSecsByFd[fd] != 0) {
                out[n++] = fd;
            }
        }
        return out;
    }

    /** Heap bytes of all arrays, including the key index. */
    long bytes() {
        int fdSlots = deviceKeyByFd.length;
        return PrimitiveArrays.longArrayBytes(fdSlots)
                + 2 * PrimitiveArrays.intArrayBytes(fdSlots)
                + fdByDeviceKey.bytes();
    }

    private void ensureFdCapacity(int fd) {
        int length = deviceKeyByFd.length;
        if (fd < length) {
            return;
        }
        int newLength = length;
        while (newLength <= fd) {
            newLength = newLength << 1;
        }
        deviceKeyByFd = Arrays.copyOf(deviceKeyByFd, newLength);
        lastSeenSecsByFd = Arrays.copyOf(lastSeenSecsByFd, newLength);
        timeoutSecsByFd = Arrays.copyOf(timeoutSecsByFd, newLength);
    }
}
