package io.connmgr.appliance.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.connmgr.appliance.config.Setting.Kind.DURATION;
import static io.connmgr.appliance.config.Setting.Kind.INT;

/**
 * Limits on failed authentications per source address, applied by each listener separately (device link, control
 * channel, proxy, admin API).
 *
 * @param failureLimit    failures an address may have in a row before its attempts are refused; 0 = no limit
 * @param failureWindow   the time in which an address's spent allowance fills up again
 * @param limiterAddresses addresses tracked at most per listener (the oldest are forgotten first)
 */
public record AuthConfig(int failureLimit, Duration failureWindow, int limiterAddresses) {

    static final List<Setting> SETTINGS = List.of(
            new Setting("auth-failure-limit", INT, "10", 0, 1_000_000,
                    "Failed authentications a source address may have in a row (per listener) before its attempts "
                            + "are refused: REJECT/GOAWAY RATE_LIMITED, HTTP 429; 0 = no limit."),
            new Setting("auth-failure-window", DURATION, "1m", 1000, 86_400_000d,
                    "Time in which a source address's spent failure allowance fills up again (token bucket)."),
            new Setting("auth-limiter-addresses", INT, "100000", 1, 100_000_000,
                    "Source addresses whose failures are tracked at most, per listener; the oldest are forgotten."));

    static AuthConfig from(Map<String, Object> v) {
        return new AuthConfig(Math.toIntExact((Long) v.get("auth-failure-limit")),
                (Duration) v.get("auth-failure-window"), Math.toIntExact((Long) v.get("auth-limiter-addresses")));
    }
}
