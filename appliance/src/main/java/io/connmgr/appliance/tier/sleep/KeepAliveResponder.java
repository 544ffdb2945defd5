package io.connmgr.appliance.tier.sleep;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The loop thread's raw socket I/O: one read into a preallocated native buffer, recognition of leading whole pings,
 * and one write answering all of them.
 *
 * <p>The pongs for a batch of pings go out in a single send from a buffer pre-filled with as many pongs as the read
 * buffer can hold pings: the peer sees exactly one pong per ping, at the cost of one system call. Not thread-safe:
 * only the loop thread uses it.
 */
final class KeepAliveResponder {
    /** {@link #read} result: nothing to read now. */
    static final int WOULD_BLOCK = -1;
    /** {@link #read} result: the peer reset the connection. */
    static final int RESET = -2;
    /** {@link #read} result: any other error. */
    static final int FAILED = -3;

    private final MemorySegment readBuffer;
    private final MemorySegment ping;
    private final MemorySegment pongs;
    private final int pingLength;
    private final int pongLength;
    private final MemorySegment callState;

    KeepAliveResponder(Arena arena, byte[] ping, byte[] pong, int readBufferBytes) {
        this.pingLength = ping.length;
        this.pongLength = pong.length;
        this.readBuffer = arena.allocate(readBufferBytes, 8);
        this.ping = arena.allocate(pingLength);
        MemorySegment.copy(ping, 0, this.ping, ValueLayout.JAVA_BYTE, 0, pingLength);
        int maxPingsPerRead = readBufferBytes / pingLength;
        this.pongs = arena.allocate((long) pongLength * maxPingsPerRead);
        for (int i = 0; i < maxPingsPerRead; i++) {
            MemorySegment.copy(pong, 0, pongs, ValueLayout.JAVA_BYTE, (long) i * pongLength, pongLength);
        }
        this.callState = LibC.newCallState(arena);
    }

    /** Reads what is waiting on fd: a byte count (0 means end of stream) or one of the negative results. */
    int read(int fd) {
        long n = LibC.recv(callState, fd, readBuffer, readBuffer.byteSize(), LibC.MSG_DONTWAIT);
        if (n >= 0) {
            return (int) n;
        }
        int errno = LibC.errno(callState);
        if (errno == LibC.EAGAIN || errno == LibC.EINTR) {
            return WOULD_BLOCK;
        }
        return errno == LibC.ECONNRESET ? RESET : FAILED;
    }

    /** How many whole pings the first {@code length} bytes of the read buffer begin with. */
    int leadingPings(int length) {
        int count = 0;
        long offset = 0;
        while (offset + pingLength <= length
                && MemorySegment.mismatch(readBuffer, offset, offset + pingLength, ping, 0, pingLength) == -1) {
            count++;
            offset += pingLength;
        }
        return count;
    }

    int pingLength() {
        return pingLength;
    }

    /** Writes {@code count} pongs in one send; false if the socket did not take them all. */
    boolean answer(int fd, int count) {
        long bytes = (long) count * pongLength;
        return LibC.send(callState, fd, pongs, bytes, LibC.MSG_DONTWAIT | LibC.MSG_NOSIGNAL) == bytes;
    }

    /** Copies bytes of the read buffer to the heap. */
    byte[] copy(int offset, int length) {
        return readBuffer.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
    }
}
