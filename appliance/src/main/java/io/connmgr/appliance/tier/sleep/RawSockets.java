package io.connmgr.appliance.tier.sleep;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Closing parked descriptors from any thread, optionally after a last message. */
final class RawSockets {
    private RawSockets() {
    }

    static void close(int fd) {
        try (Arena call = Arena.ofConfined()) {
            LibC.close(LibC.newCallState(call), fd);
        }
    }

    /**
     * Sends {@code farewell} without blocking (a parked socket's send buffer is empty, so a short message fits),
     * half-closes so the peer reads it followed by a clean end of stream, then closes.
     */
    static void sendAndClose(int fd, byte[] farewell) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment callState = LibC.newCallState(call);
            if (farewell != null && farewell.length > 0) {
                MemorySegment bytes = call.allocate(farewell.length);
                MemorySegment.copy(farewell, 0, bytes, ValueLayout.JAVA_BYTE, 0, farewell.length);
                LibC.send(callState, fd, bytes, farewell.length, LibC.MSG_DONTWAIT | LibC.MSG_NOSIGNAL);
                LibC.shutdown(callState, fd, LibC.SHUT_WR);
            }
            LibC.close(callState, fd);
        }
    }
}
