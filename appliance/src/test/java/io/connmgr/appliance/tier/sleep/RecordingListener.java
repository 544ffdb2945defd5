package io.connmgr.appliance.tier.sleep;

import io.connmgr.appliance.tier.sleep.SleepLoop.CloseCause;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Records what a SleepLoop reports, for assertions from the test thread. */
final class RecordingListener implements SleepLoop.Listener {
    record Wake(int fd, long deviceKey, byte[] pending) {
    }

    final BlockingQueue<Wake> wakes = new LinkedBlockingQueue<>();
    final Map<Long, CloseCause> closes = new ConcurrentHashMap<>();

    @Override
    public void onWake(int fd, long deviceKey, byte[] pending) {
        wakes.add(new Wake(fd, deviceKey, pending));
    }

    @Override
    public void onClosed(long deviceKey, CloseCause cause) {
        CloseCause previous = closes.putIfAbsent(deviceKey, cause);
        if (previous != null) {
            throw new AssertionError("device " + deviceKey + " closed twice: " + previous + ", then " + cause);
        }
    }

    Wake nextWake() throws InterruptedException {
        Wake wake = wakes.poll(10, TimeUnit.SECONDS);
        if (wake == null) {
            throw new AssertionError("no onWake within 10 s");
        }
        return wake;
    }
}
