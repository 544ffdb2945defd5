package io.connmgr.appliance.tier.sleep;

import java.io.UncheckedIOException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One epoll instance plus an eventfd that interrupts its wait.
 *
 * <p>Parked sockets are watched LEVEL-triggered: Netty watched them edge-triggered, so bytes that arrived before
 * {@link #add} would never produce an edge here. Interest changes ({@link #add}, {@link #remove}) may come from any
 * thread but must be serialised by the caller (they share one event struct); the kernel allows them concurrently
 * with {@link #await}, which only the loop thread calls.
 */
final class EpollSet {
    /** epoll data of the eventfd; parked sockets carry their fd, which is never negative. */
    static final long WAKE_TOKEN = -1L;
    private static final int PARKED_INTEREST = LibC.EPOLLIN | LibC.EPOLLRDHUP;

    private final int epfd;
    private final int wakeFd;
    private final MemorySegment ctlEvent;
    private final MemorySegment ctlCallState;
    private final MemorySegment events;
    private final MemorySegment waitCallState;
    private final MemorySegment eventfdCounter;
    private final int maxEvents;

    EpollSet(Arena arena, int maxEvents) {
        this.maxEvents = maxEvents;
        this.ctlEvent = arena.allocate(LibC.EPOLL_EVENT_SIZE, 8);
        this.ctlCallState = LibC.newCallState(arena);
        this.events = arena.allocate(LibC.EPOLL_EVENT_SIZE * maxEvents, 8);
        this.waitCallState = LibC.newCallState(arena);
        this.eventfdCounter = arena.allocate(ValueLayout.JAVA_LONG);
        this.epfd = LibC.epollCreate1(ctlCallState, LibC.EPOLL_CLOEXEC);
        if (epfd < 0) {
            throw failure("epoll_create1", LibC.errno(ctlCallState));
        }
        this.wakeFd = LibC.eventfd(ctlCallState, 0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC);
        if (wakeFd < 0) {
            int errno = LibC.errno(ctlCallState);
            LibC.close(ctlCallState, epfd);
            throw failure("eventfd", errno);
        }
        if (ctl(LibC.EPOLL_CTL_ADD, wakeFd, LibC.EPOLLIN, WAKE_TOKEN) != 0) {
            int errno = LibC.errno(ctlCallState);
            LibC.close(ctlCallState, wakeFd);
            LibC.close(ctlCallState, epfd);
            throw failure("epoll_ctl(eventfd)", errno);
        }
    }

    /** Watches a parked socket; returns 0 or the errno. */
    int add(int fd) {
        return ctl(LibC.EPOLL_CTL_ADD, fd, PARKED_INTEREST, fd) == 0 ? 0 : LibC.errno(ctlCallState);
    }

    /** Stops watching fd; returns 0 or the errno (ENOENT if it was not watched). */
    int remove(int fd) {
        return LibC.epollCtl(ctlCallState, epfd, LibC.EPOLL_CTL_DEL, fd, MemorySegment.NULL) == 0
                ? 0 : LibC.errno(ctlCallState);
    }

    /** Waits for events; returns how many are ready (0 on timeout or EINTR). Loop thread only. */
    int await(int timeoutMillis) {
        int n = LibC.epollWait(waitCallState, epfd, events, maxEvents, timeoutMillis);
        if (n >= 0) {
            return n;
        }
        int errno = LibC.errno(waitCallState);
        if (errno == LibC.EINTR) {
            return 0;
        }
        throw failure("epoll_wait", errno);
    }

    /** Data word of the i-th event returned by the last {@link #await}: a parked fd or {@link #WAKE_TOKEN}. */
    long data(int i) {
        return events.get(ValueLayout.JAVA_LONG_UNALIGNED, i * LibC.EPOLL_EVENT_SIZE + LibC.EPOLL_EVENT_DATA_OFFSET);
    }

    /** Resets the eventfd after a wake-up so that level-triggering does not report it again. Loop thread only. */
    void drainWakeups() {
        LibC.read(waitCallState, wakeFd, eventfdCounter, 8);
    }

    /** Interrupts a current or the next {@link #await}. Any thread. */
    void wakeup() {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment one = call.allocate(ValueLayout.JAVA_LONG);
            one.set(ValueLayout.JAVA_LONG, 0, 1L);
            LibC.write(LibC.newCallState(call), wakeFd, one, 8);
        }
    }

    /** Closes both descriptors; call only once the loop thread has left {@link #await}. */
    void close() {
        LibC.close(ctlCallState, wakeFd);
        LibC.close(ctlCallState, epfd);
    }

    private int ctl(int op, int fd, int interest, long data) {
        ctlEvent.set(ValueLayout.JAVA_INT_UNALIGNED, 0, interest);
        ctlEvent.set(ValueLayout.JAVA_LONG_UNALIGNED, LibC.EPOLL_EVENT_DATA_OFFSET, data);
        return LibC.epollCtl(ctlCallState, epfd, op, fd, ctlEvent);
    }

    private static UncheckedIOException failure(String call, int errno) {
        return new UncheckedIOException(new IOException(call + " failed, errno " + errno));
    }
}
