package io.connmgr.loadtest.fleet;

import java.util.ArrayList;
import java.util.List;

/**
 * How many worker processes hold a fleet, and which share of a device count each holds. A process may not open more
 * than its descriptor limit, and a worker needs some descriptors of its own (jars, epoll, pipes), so each worker holds
 * at most {@code perWorker} devices, itself kept under the limit with a margin.
 */
public record WorkerPlan(int workers, int perWorker) {
    /** Descriptors a worker JVM needs besides its sockets: class path jars, epoll, eventfds, stdio. */
    public static final int RESERVED_DESCRIPTORS = 500;

    /** Devices one worker can give a source address of its own (see {@link #sourceAddress}). */
    public static final int ADDRESSES_PER_WORKER = 250 * 250;

    /**
     * As few workers as the open-file limit allows: each holds up to {@code fileLimit} minus the descriptors a worker
     * needs for itself, and no more than it has source addresses for. With {@code perWorkerCap} > 0, no more than
     * that either (to spread the fleet's own CPU over more processes).
     */
    public static WorkerPlan forLimit(int maxDevices, long fileLimit, int perWorkerCap) {
        long usable = fileLimit - RESERVED_DESCRIPTORS;
        if (usable < 1) {
            throw new IllegalArgumentException("an open-file limit of " + fileLimit + " leaves no room for devices ("
                    + RESERVED_DESCRIPTORS + " descriptors are kept for the worker's own use)");
        }
        long per = Math.min(usable, ADDRESSES_PER_WORKER);
        if (perWorkerCap > 0) {
            per = Math.min(per, perWorkerCap);
        }
        WorkerPlan plan = forFleet(maxDevices, (int) per, fileLimit);
        if (plan.workers() > MAX_WORKERS) {
            throw new IllegalArgumentException(maxDevices + " devices need " + plan.workers() + " workers of " + per
                    + "; source addresses exist for " + MAX_WORKERS);
        }
        return plan;
    }

    /** Workers that get a 127.w.0.0/16 of their own. */
    public static final int MAX_WORKERS = 254;

    public static WorkerPlan forFleet(int maxDevices, int perWorker, long fileLimit) {
        if (maxDevices < 0) {
            throw new IllegalArgumentException("device count must not be negative");
        }
        long usable = fileLimit - RESERVED_DESCRIPTORS;
        if (perWorker < 1 || perWorker > usable) {
            throw new IllegalArgumentException("devices per worker must be 1.." + usable + " under a limit of "
                    + fileLimit + " open files, got " + perWorker);
        }
        return new WorkerPlan(Math.max(1, (maxDevices + perWorker - 1) / perWorker), perWorker);
    }

    /** Spreads {@code total} as evenly as possible; earlier workers take the remainder. */
    public List<Integer> split(int total) {
        if (total > (long) workers * perWorker) {
            throw new IllegalArgumentException(total + " devices do not fit in " + workers + " workers of " + perWorker);
        }
        return spread(total);
    }

    /** Work (PINGs, wakes) shared out like devices, without the capacity check. */
    public List<Integer> spread(int total) {
        if (total < 0) {
            throw new IllegalArgumentException("a negative amount cannot be shared out");
        }
        List<Integer> shares = new ArrayList<>(workers);
        for (int w = 0; w < workers; w++) {
            shares.add(total / workers + (w < total % workers ? 1 : 0));
        }
        return shares;
    }

    /**
     * Source address of a device: each worker gets its own 127.w.0.0/16 and each device its own address, so the
     * ephemeral port range of one address never runs out however many runs follow each other.
     */
    public static String sourceAddress(int worker, int device) {
        if (worker < 0 || worker > 253 || device < 0 || device >= 250 * 250) {
            throw new IllegalArgumentException("worker 0..253 and device 0..62499 expected");
        }
        return "127." + (worker + 1) + "." + (1 + device / 250) + "." + (1 + device % 250);
    }
}
