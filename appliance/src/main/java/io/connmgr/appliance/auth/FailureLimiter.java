package io.connmgr.appliance.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.connmgr.appliance.session.TimeSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;

/**
 * Failed authentications per source address, as a token bucket: an address may fail {@code burst} times at once and
 * earns one more attempt every {@code window / burst}. While its bucket is empty every attempt from it is refused
 * before the credential is looked at, good or bad: answering a right guess differently from a wrong one would let a
 * guesser carry on. One instance per listener (device link, control channel, proxy, admin API), each with its own
 * counter of refusals.
 *
 * <p>Addresses are keyed by IP without the port (a client picks a new port for each attempt). The table is a bounded
 * Caffeine cache: a flood of distinct addresses evicts old entries instead of growing the heap; an evicted address
 * starts again with a full bucket, which costs an attacker as many addresses as it has buckets to spend.
 */
public final class FailureLimiter {
    /** Addresses tracked at most per listener; about 100 bytes each. */
    public static final int DEFAULT_MAX_ADDRESSES = 100_000;

    private final int burst;
    private final long nanosPerToken;
    private final TimeSource time;
    private final Cache<Object, Bucket> buckets;
    private final Counter refused;
    private final Counter failures;

    /**
     * @param burst  failures an address may have in a row; 0 turns limiting off
     * @param window the time in which a spent bucket fills again
     */
    public FailureLimiter(String listener, int burst, Duration window, int maxAddresses, TimeSource time,
                          MeterRegistry registry) {
        if (burst < 0 || (burst > 0 && (window.isNegative() || window.isZero()))) {
            throw new IllegalArgumentException("need burst >= 0 and a positive window, got " + burst + "/" + window);
        }
        this.burst = burst;
        this.nanosPerToken = burst == 0 ? 0 : Math.max(1, window.toNanos() / burst);
        this.time = time;
        this.buckets = Caffeine.newBuilder().maximumSize(Math.max(1, maxAddresses))
                .expireAfterAccess(window.isZero() ? Duration.ofMinutes(1) : window.multipliedBy(2)).build();
        this.refused = Counter.builder("cm.auth.rate_limited")
                .description("Authentication attempts refused because their address failed too often, by listener")
                .tag("listener", listener).register(registry);
        this.failures = Counter.builder("cm.auth.failed_attempts")
                .description("Failed authentications counted against their source address, by listener")
                .tag("listener", listener).register(registry);
    }

    /** A limiter that never refuses (tests of one component, and {@code auth-failure-limit: 0}). */
    public static FailureLimiter unlimited(String listener, MeterRegistry registry) {
        return new FailureLimiter(listener, 0, Duration.ZERO, 1, TimeSource.SYSTEM, registry);
    }

    /** True when {@code address} may try; false (and counted) when it has failed too often lately. */
    public boolean allow(SocketAddress address) {
        if (burst == 0) {
            return true;
        }
        Bucket b = buckets.getIfPresent(key(address));
        if (b == null || b.available(time.nanoTime(), burst, nanosPerToken) >= 1) {
            return true;
        }
        refused.increment();
        return false;
    }

    /** Counts one failed authentication from {@code address}. */
    public void failed(SocketAddress address) {
        failures.increment();
        if (burst == 0) {
            return;
        }
        long now = time.nanoTime();
        buckets.asMap().compute(key(address), (k, b) -> {
            Bucket bucket = b != null ? b : new Bucket(burst, nanosPerToken, now);
            bucket.take(now, burst, nanosPerToken);
            return bucket;
        });
    }

    /** How long until {@code address} may try again, rounded up to whole seconds (for Retry-After); 0 if now. */
    public long retryAfterSeconds(SocketAddress address) {
        if (burst == 0) {
            return 0;
        }
        Bucket b = buckets.getIfPresent(key(address));
        if (b == null) {
            return 0;
        }
        long waitNanos = b.nanosUntilToken(time.nanoTime(), burst, nanosPerToken);
        return waitNanos <= 0 ? 0 : Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
    }

    private static Object key(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            InetAddress ip = inet.getAddress();
            return ip != null ? ip : inet.getHostString();
        }
        return address == null ? "unknown" : address.toString();
    }

    /**
     * The bucket's content counted in nanoseconds of refill (one token = {@code nanosPerToken}), so that refill and
     * waiting times are exact integers. Guarded by its own monitor.
     */
    private static final class Bucket {
        private long credit;
        private long updatedNanos;

        Bucket(int burst, long nanosPerToken, long now) {
            this.credit = capacity(burst, nanosPerToken);
            this.updatedNanos = now;
        }

        synchronized long available(long now, int burst, long nanosPerToken) {
            refill(now, burst, nanosPerToken);
            return credit / nanosPerToken;
        }

        synchronized void take(long now, int burst, long nanosPerToken) {
            refill(now, burst, nanosPerToken);
            credit = Math.max(0, credit - nanosPerToken);
        }

        synchronized long nanosUntilToken(long now, int burst, long nanosPerToken) {
            refill(now, burst, nanosPerToken);
            return Math.max(0, nanosPerToken - credit);
        }

        private void refill(long now, int burst, long nanosPerToken) {
            long elapsed = now - updatedNanos;
            if (elapsed > 0) {
                credit = Math.min(capacity(burst, nanosPerToken), credit + elapsed);
                updatedNanos = now;
            }
        }

        private static long capacity(int burst, long nanosPerToken) {
            return Math.multiplyHigh(burst, nanosPerToken) != 0 ? Long.MAX_VALUE : burst * nanosPerToken;
        }
    }
}
