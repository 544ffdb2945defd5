package io.connmgr.appliance.session;

/** Time as the tier logic sees it: a monotonic clock for timers, a wall clock for what people read. */
public interface TimeSource {
    long nanoTime();

    long currentTimeMillis();

    TimeSource SYSTEM = new TimeSource() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public long currentTimeMillis() {
            return System.currentTimeMillis();
        }
    };
}
