package io.connmgr.appliance.tier.sleep;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few Linux libc calls the sleep tier needs, bound once through the FFM API.
 *
 * <p>Every call that can fail takes a call-state segment first (see {@link #newCallState}) so that errno is captured
 * by the downcall itself: reading errno later from Java would see whatever the JVM did in between.
 */
final class LibC {
    static final int EPOLL_CLOEXEC = 0x80000;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EPOLLIN = 0x001;
    static final int EPOLLERR = 0x008;
    static final int EPOLLHUP = 0x010;
    static final int EPOLLRDHUP = 0x2000;

    static final int EFD_NONBLOCK = 0x800;
    static final int EFD_CLOEXEC = 0x80000;

    static final int MSG_DONTWAIT = 0x40;
    /** Without it a send on a reset socket raises SIGPIPE instead of returning EPIPE. */
    static final int MSG_NOSIGNAL = 0x4000;
    static final int SHUT_WR = 1;

    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int EPIPE = 32;
    static final int ECONNRESET = 104;

    /**
     * struct epoll_event is packed on x86-64 (12 bytes: u32 events, u64 data at offset 4) and naturally aligned
     * elsewhere (16 bytes, data at offset 8).
     */
    static final long EPOLL_EVENT_SIZE;
    static final long EPOLL_EVENT_DATA_OFFSET;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle EPOLL_CREATE1 = bind("epoll_create1",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle EPOLL_CTL = bind("epoll_ctl",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle EPOLL_WAIT = bind("epoll_wait",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle EVENTFD = bind("eventfd",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    // recv/send are always non-blocking here (MSG_DONTWAIT), the case Linker.Option.critical is meant for: it skips
    // the thread-state transition that dominates the cost of a 4-byte PONG.
    private static final MethodHandle RECV = bindCritical("recv",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle SEND = bindCritical("send",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle READ = bind("read",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG));
    private static final MethodHandle WRITE = bind("write",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG));
    private static final MethodHandle SHUTDOWN = bind("shutdown",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = bind("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    static {
        boolean packed = "amd64".equals(System.getProperty("os.arch"))
                || "x86_64".equals(System.getProperty("os.arch"));
        EPOLL_EVENT_SIZE = packed ? 12 : 16;
        EPOLL_EVENT_DATA_OFFSET = packed ? 4 : 8;
    }

    private LibC() {
    }

    // Restricted by design: the launcher grants native access (--enable-native-access=ALL-UNNAMED).
    @SuppressWarnings("restricted")
    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor, CAPTURE_ERRNO);
    }

    @SuppressWarnings("restricted")
    private static MethodHandle bindCritical(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor, CAPTURE_ERRNO, Linker.Option.critical(false));
    }

    private static MemorySegment symbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    }

    /** A segment that receives errno of the calls it is passed to; one per thread that makes calls. */
    static MemorySegment newCallState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    static int errno(MemorySegment callState) {
        return (int) ERRNO.get(callState, 0L);
    }

    static int epollCreate1(MemorySegment cs, int flags) {
        try {
            return (int) EPOLL_CREATE1.invokeExact(cs, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int epollCtl(MemorySegment cs, int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) EPOLL_CTL.invokeExact(cs, epfd, op, fd, event);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int epollWait(MemorySegment cs, int epfd, MemorySegment events, int maxEvents, int timeoutMillis) {
        try {
            return (int) EPOLL_WAIT.invokeExact(cs, epfd, events, maxEvents, timeoutMillis);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int eventfd(MemorySegment cs, int initval, int flags) {
        try {
            return (int) EVENTFD.invokeExact(cs, initval, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long recv(MemorySegment cs, int fd, MemorySegment buf, long len, int flags) {
        try {
            return (long) RECV.invokeExact(cs, fd, buf, len, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long send(MemorySegment cs, int fd, MemorySegment buf, long len, int flags) {
        try {
            return (long) SEND.invokeExact(cs, fd, buf, len, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long read(MemorySegment cs, int fd, MemorySegment buf, long len) {
        try {
            return (long) READ.invokeExact(cs, fd, buf, len);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long write(MemorySegment cs, int fd, MemorySegment buf, long len) {
        try {
            return (long) WRITE.invokeExact(cs, fd, buf, len);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int shutdown(MemorySegment cs, int fd, int how) {
        try {
            return (int) SHUTDOWN.invokeExact(cs, fd, how);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int close(MemorySegment cs, int fd) {
        try {
            return (int) CLOSE.invokeExact(cs, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Downcalls declare Throwable but native functions cannot throw; anything here is a JVM-level failure. */
    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("native call failed", t);
    }
}
