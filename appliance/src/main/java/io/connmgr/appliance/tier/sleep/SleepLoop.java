package io.connmgr.appliance.tier.sleep;

import java.lang.foreign.Arena;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches parked sockets with its own epoll set on one low-priority thread.
 *
 * <p>A parked socket has no Netty channel and no Java object: only a slot in a {@link SleepTable}. The loop answers
 * whole pings with pongs by raw writes (a ping refreshes the silence timer but never wakes the connection), hands the
 * descriptor back through {@link Listener#onWake} as soon as anything else arrives, and closes sockets that stay
 * silent beyond their timeout.
 *
 * <p>Thread-safety: {@link #park}, {@link #unpark}, {@link #closeParked}, {@link #evictAll} and the queries may be
 * called from any thread; one lock serialises table and epoll-interest changes with the loop's handling of an event,
 * so a descriptor is never served by the loop after another thread took it. Listener calls are made outside the lock.
 */
public final class SleepLoop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SleepLoop.class);
    private static final int MAX_EVENTS_PER_WAIT = 512;
    private static final long CLOSE_JOIN_MILLIS = 5_000;

    private final SleepLoopOptions options;
    private final Listener listener;
    private final InstantSource clock;
    private final long epochMillis;
    private final long scanIntervalNanos;

    private final ReentrantLock lock = new ReentrantLock();
    private final Arena arena = Arena.ofShared();
    private final SleepTable table;
    private final EpollSet epoll;
    private final KeepAliveResponder responder;

    private Thread thread;
    private volatile boolean closed;
    private boolean released;
    // Written only by the loop thread (single writer), read by metrics from any thread.
    private volatile long pingsAnswered;
    private volatile long wakes;
    private volatile long silenceScans;

    public SleepLoop(SleepLoopOptions options, Listener listener, InstantSource clock) {
        this.options = Objects.requireNonNull(options, "options");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.epochMillis = clock.millis();
        this.scanIntervalNanos = options.silenceScanInterval().toNanos();
        this.table = new SleepTable(options.initialCapacity(), options.maxEntries());
        try {
            this.epoll = new EpollSet(arena, MAX_EVENTS_PER_WAIT);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
        this.responder = new KeepAliveResponder(arena, options.ping(), options.pong(), options.readBufferBytes());
    }

    /** Starts the loop thread: a daemon at minimum priority, so device traffic on the worker loops always wins. */
    public void start() {
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("closed");
            }
            if (thread != null) {
                throw new IllegalStateException("already started");
            }
            thread = Thread.ofPlatform().name("sleep-loop").daemon(true).priority(Thread.MIN_PRIORITY)
                    .unstarted(this::run);
            thread.start();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes ownership of fd (already deregistered from Netty, nothing pending in its outbound buffer).
     *
     * @param silenceTimeoutMillis close the socket if no byte at all (ping included) arrives for that long; kept in
     *                             whole seconds, rounded up, so the close happens up to one second plus one scan
     *                             interval late, never early
     * @return false, leaving ownership with the caller, if the table is full or closed, if the fd or the device key
     *         is already parked, or if epoll refuses the fd
     */
    public boolean park(int fd, long deviceKey, long silenceTimeoutMillis) {
        if (fd < 0) {
            throw new IllegalArgumentException("fd must be >= 0: " + fd);
        }
        if (silenceTimeoutMillis < 1) {
            throw new IllegalArgumentException("silenceTimeoutMillis must be >= 1: " + silenceTimeoutMillis);
        }
        int timeoutSecs = (int) Math.min(Integer.MAX_VALUE, (silenceTimeoutMillis + 999) / 1000);
        lock.lock();
        try {
            if (closed || !table.add(fd, deviceKey, nowSecs(), timeoutSecs)) {
                return false;
            }
            int errno = epoll.add(fd);
            if (errno != 0) {
                table.remove(fd);
                log.warn("epoll refused fd {} of device {}: errno {}", fd, deviceKey, errno);
                return false;
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Server-side wake: removes the entry and returns its fd (ownership passes to the caller), or -1 if not parked. */
    public int unpark(long deviceKey) {
        lock.lock();
        try {
            if (closed) {
                return -1;
            }
            int fd = table.fdOf(deviceKey);
            if (fd >= 0) {
                listener.leaving(deviceKey);
                forget(fd);
            }
            return fd;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes and closes (e.g. admin disconnect, credential revoked) after writing {@code farewell} (may be null)
     * best-effort. {@link Listener#onClosed} is called with {@link CloseCause#CLOSED_BY_REQUEST} on this thread.
     */
    public boolean closeParked(long deviceKey, byte[] farewell) {
        return closeByKey(deviceKey, farewell, CloseCause.CLOSED_BY_REQUEST);
    }

    public boolean isParked(long deviceKey) {
        lock.lock();
        try {
            return table.fdOf(deviceKey) >= 0;
        } finally {
            lock.unlock();
        }
    }

    public int size() {
        lock.lock();
        try {
            return table.size();
        } finally {
            lock.unlock();
        }
    }

    /** User-space bytes held by the table (arrays + map), for the metric cm_sleep_table_bytes. */
    public long tableBytes() {
        lock.lock();
        try {
            return table.bytes();
        } finally {
            lock.unlock();
        }
    }

    public long pingsAnswered() {
        return pingsAnswered;
    }

    /** How many parked sockets were handed back through {@link Listener#onWake}. */
    public long wakes() {
        return wakes;
    }

    /** Completed silence scans; lets tests wait for a scan instead of for time. */
    long silenceScans() {
        return silenceScans;
    }

    /**
     * Shutdown eviction: for every socket parked when called, writes {@code goaway.apply(deviceKey)} then closes, at
     * most {@code ratePerSecond} per second so that devices do not all reconnect elsewhere at once. Blocks the calling
     * (shutdown) thread until done or until {@code deadline} has passed; sockets not reached by then stay parked and
     * are closed by {@link #close()}. {@link Listener#onClosed} is called with {@link CloseCause#EVICTED} on this
     * thread.
     *
     * @return how many were evicted
     */
    public int evictAll(LongFunction<byte[]> goaway, int ratePerSecond, Duration deadline) {
        Objects.requireNonNull(goaway, "goaway");
        if (ratePerSecond < 1) {
            throw new IllegalArgumentException("ratePerSecond must be >= 1: " + ratePerSecond);
        }
        long start = System.nanoTime();
        long deadlineNanos = deadline.toNanos();
        long[] keys = parkedKeys();
        int evicted = 0;
        for (int i = 0; i < keys.length; i++) {
            // The i-th eviction is due i/rate seconds after the start: a steady rate with no burst at the start.
            long dueNanos = i * TimeUnit.SECONDS.toNanos(1) / ratePerSecond;
            if (dueNanos >= deadlineNanos || !waitUntil(start + dueNanos) || System.nanoTime() - start >= deadlineNanos) {
                break;
            }
            if (closeByKey(keys[i], goaway.apply(keys[i]), CloseCause.EVICTED)) {
                evicted++;
            }
        }
        return evicted;
    }

    /** Stops the thread, then closes the epoll fd and every parked fd, without listener calls. */
    @Override
    public void close() {
        Thread loopThread;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            loopThread = thread;
            if (loopThread != null && !released) {
                // Under the lock: once released, the eventfd number may already belong to someone else.
                epoll.wakeup();
            }
        } finally {
            lock.unlock();
        }
        if (loopThread == null) {
            release();
            return;
        }
        if (loopThread == Thread.currentThread()) {
            return; // called from a listener: the loop releases everything as it exits
        }
        try {
            loopThread.join(CLOSE_JOIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (loopThread.isAlive()) {
            // Freeing the native buffers under a running loop would crash the JVM; leaking them is the lesser harm.
            log.error("sleep loop did not stop within {} ms; its native resources are left allocated",
                    CLOSE_JOIN_MILLIS);
            return;
        }
        release();
    }

    private void run() {
        long nextScan = System.nanoTime() + scanIntervalNanos;
        try {
            while (!closed) {
                int timeoutMillis = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextScan - System.nanoTime()));
                int ready = epoll.await(timeoutMillis);
                for (int i = 0; i < ready && !closed; i++) {
                    long data = epoll.data(i);
                    if (data == EpollSet.WAKE_TOKEN) {
                        epoll.drainWakeups();
                    } else {
                        serveReadable((int) data);
                    }
                }
                if (System.nanoTime() - nextScan >= 0 && !closed) {
                    closeSilent();
                    nextScan = System.nanoTime() + scanIntervalNanos;
                }
            }
        } catch (RuntimeException | Error e) {
            log.error("sleep loop stopped by an unexpected failure; parked sockets are no longer served", e);
            lock.lock();
            try {
                closed = true;
            } finally {
                lock.unlock();
            }
        } finally {
            release();
        }
    }

    /** One read on a readable parked socket: answer pings, close on end of stream or error, wake on anything else. */
    private void serveReadable(int fd) {
        long deviceKey;
        byte[] pending = null;
        CloseCause closeCause = null;
        lock.lock();
        try {
            // The event may be stale: another thread may have taken the fd since epoll_wait returned.
            if (closed || !table.contains(fd)) {
                return;
            }
            deviceKey = table.deviceKeyOf(fd);
            int n = responder.read(fd);
            if (n == KeepAliveResponder.WOULD_BLOCK) {
                return;
            }
            if (n == 0 || n == KeepAliveResponder.RESET) {
                closeCause = CloseCause.PEER_CLOSED;
            } else if (n < 0) {
                closeCause = CloseCause.ERROR;
            } else {
                table.touch(fd, nowSecs());
                int pings = responder.leadingPings(n);
                if (pings > 0) {
                    if (!responder.answer(fd, pings)) {
                        closeCause = CloseCause.ERROR;
                    } else {
                        pingsAnswered += pings; // single writer: this thread
                    }
                }
                int consumed = pings * responder.pingLength();
                if (closeCause == null && consumed < n) {
                    pending = responder.copy(consumed, n - consumed);
                    listener.leaving(deviceKey);
                    forget(fd);
                    wakes++;
                }
            }
            if (closeCause != null) {
                forget(fd);
                RawSockets.close(fd);
            }
        } finally {
            lock.unlock();
        }
        if (pending != null) {
            notifyWake(fd, deviceKey, pending);
        } else if (closeCause != null) {
            notifyClosed(deviceKey, closeCause);
        }
    }

    private void closeSilent() {
        long[] keys;
        lock.lock();
        try {
            int[] expired = table.expired(nowSecs());
            keys = new long[expired.length];
            for (int i = 0; i < expired.length; i++) {
                int fd = expired[i];
                keys[i] = table.deviceKeyOf(fd);
                forget(fd);
                RawSockets.close(fd);
            }
        } finally {
            lock.unlock();
        }
        for (long key : keys) {
            notifyClosed(key, CloseCause.SILENCE_TIMEOUT);
        }
        silenceScans++; // single writer: the loop thread
    }

    private boolean closeByKey(long deviceKey, byte[] farewell, CloseCause cause) {
        lock.lock();
        try {
            int fd = closed ? -1 : table.fdOf(deviceKey);
            if (fd < 0) {
                return false;
            }
            forget(fd);
            RawSockets.sendAndClose(fd, farewell);
        } finally {
            lock.unlock();
        }
        notifyClosed(deviceKey, cause);
        return true;
    }

    /** Removes fd from epoll and the table; the caller holds the lock and now owns fd. */
    private void forget(int fd) {
        int errno = epoll.remove(fd);
        if (errno != 0) {
            log.warn("epoll_ctl(DEL) of parked fd {} failed: errno {}", fd, errno);
        }
        table.remove(fd);
    }

    private long[] parkedKeys() {
        lock.lock();
        try {
            int[] fds = table.fds();
            long[] keys = new long[fds.length];
            for (int i = 0; i < fds.length; i++) {
                keys[i] = table.deviceKeyOf(fds[i]);
            }
            return keys;
        } finally {
            lock.unlock();
        }
    }

    /** Closes every parked fd and the epoll set and frees native memory, once. */
    private void release() {
        lock.lock();
        try {
            if (released) {
                return;
            }
            released = true;
            closed = true;
            for (int fd : table.fds()) {
                table.remove(fd);
                RawSockets.close(fd);
            }
            epoll.close();
        } finally {
            lock.unlock();
        }
        arena.close();
    }

    private void notifyWake(int fd, long deviceKey, byte[] pending) {
        try {
            listener.onWake(fd, deviceKey, pending);
        } catch (RuntimeException e) {
            // Ownership of fd has passed; closing it here could close a descriptor number already reused elsewhere.
            log.error("onWake failed for device {} (fd {})", deviceKey, fd, e);
        }
    }

    private void notifyClosed(long deviceKey, CloseCause cause) {
        try {
            listener.onClosed(deviceKey, cause);
        } catch (RuntimeException e) {
            log.error("onClosed failed for device {} ({})", deviceKey, cause, e);
        }
    }

    private int nowSecs() {
        return (int) ((clock.millis() - epochMillis) / 1000);
    }

    private static boolean waitUntil(long nanoTime) {
        long remaining;
        while ((remaining = nanoTime - System.nanoTime()) > 0) {
            LockSupport.parkNanos(remaining);
            if (Thread.currentThread().isInterrupted()) {
                return false;
            }
        }
        return true;
    }

    /** Receives what happens to parked sockets. */
    public interface Listener {
        /**
         * Bytes other than whole pings arrived. fd is already removed from the table; ownership passes. pending
         * holds the bytes read (in order, nothing lost), possibly starting mid-frame after answered pings were
         * stripped. Called on the sleep thread: must hand off quickly.
         */
        void onWake(int fd, long deviceKey, byte[] pending);

        /**
         * The socket of {@code deviceKey} is about to leave the table to be woken (through {@link #onWake} or
         * {@link #unpark}). Called under the table's lock, before it is removed, so that whoever looks for the device
         * in between finds it on its way rather than nowhere. Must be quick and must not call back into the loop.
         */
        default void leaving(long deviceKey) {
        }

        /**
         * The socket closed: peer EOF/RST, read/write error, or silence timeout (on the sleep thread), or a
         * {@link #closeParked}/{@link #evictAll} request (on the requesting thread). fd already closed.
         */
        void onClosed(long deviceKey, CloseCause cause);
    }

    /** Why a parked socket was closed. */
    public enum CloseCause { PEER_CLOSED, ERROR, SILENCE_TIMEOUT, EVICTED, CLOSED_BY_REQUEST }
}
