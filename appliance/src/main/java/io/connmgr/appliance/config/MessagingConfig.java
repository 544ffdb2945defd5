package io.connmgr.appliance.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.connmgr.appliance.config.Setting.Kind.DURATION;
import static io.connmgr.appliance.config.Setting.Kind.INT;
import static io.connmgr.appliance.config.Setting.Kind.STRING;

/**
 * Settings of the ways back-end servers reach devices (downlink messages, RPC) and of the uplink webhook.
 *
 * @param queueMax          queued downlink messages per device; beyond it the API answers 429
 * @param window            downlink MSGs sent but not yet acknowledged, per device
 * @param defaultTtl        lifetime of a message sent without X-Message-TTL; 0 = until delivered
 * @param statusRetention   how long the status of a delivered or expired message (and an idempotency key without a
 *                          TTL) is kept
 * @param rpcTimeout        RPC timeout when the request names none
 * @param rpcTimeoutMax     longest RPC timeout a request may ask for
 * @param rpcConnectWait    how long an RPC waits for an offline device to connect; 0 = answer 503 at once
 * @param rpcPendingPerDevice RPCs waiting for one device
 * @param rpcPendingMax     RPCs waiting in the whole appliance
 * @param webhookUrl        where uplink messages are POSTed; empty = no webhook
 * @param webhookBacklog    journaled uplink messages the webhook may fall behind by; beyond it devices' new
 *                          messages are not acknowledged (they are sent again later)
 * @param webhookMaxAttempts attempts per message before it is dropped and counted; 0 = until the webhook takes it
 * @param directFailThreshold consecutive failed direct connection attempts (the appliance's own, or reported by
 *                          servers) after which a device is marked as needing its persistent connection
 * @param directConnectTimeout how long the appliance waits for a device's direct address to accept
 * @param directNetworks    the networks a direct address may be in; others are not dialled
 */
public record MessagingConfig(int queueMax, int window, Duration defaultTtl, Duration statusRetention,
                              Duration rpcTimeout, Duration rpcTimeoutMax, Duration rpcConnectWait,
                              int rpcPendingPerDevice, int rpcPendingMax, String webhookUrl, int webhookBacklog,
                              int webhookMaxAttempts, int directFailThreshold, Duration directConnectTimeout,
                              SourceNetworks directNetworks) {
    private static final double DAY_MS = 86_400_000d;

    static final List<Setting> SETTINGS = List.of(
            new Setting("message-queue-max", INT, "1000", 1, 1_000_000,
                    "Queued downlink messages per device; beyond it POST .../messages answers 429."),
            new Setting("message-window", INT, "64", 1, 10_000,
                    "Downlink MSGs sent to a device and not yet acknowledged, at most."),
            new Setting("message-ttl", DURATION, "7d", 0, 3650 * DAY_MS,
                    "Lifetime of a downlink message sent without X-Message-TTL; 0 = until delivered."),
            new Setting("message-status-retention", DURATION, "24h", 1000, 3650 * DAY_MS,
                    "How long the status of a delivered or expired message is kept."),
            new Setting("rpc-timeout", DURATION, "5s", 1, 3_600_000, "RPC timeout when the request names none."),
            new Setting("rpc-timeout-max", DURATION, "60s", 1, 3_600_000,
                    "Longest RPC timeout a request may ask for."),
            new Setting("rpc-connect-wait", DURATION, "0s", 0, 3_600_000,
                    "How long an RPC waits for an offline device to connect; 0 = answer 503 at once."),
            new Setting("rpc-max-pending-per-device", INT, "16", 1, 100_000, "RPCs waiting for one device."),
            new Setting("rpc-max-pending", INT, "10000", 1, 10_000_000, "RPCs waiting in the whole appliance."),
            new Setting("webhook-url", STRING, "", -Double.MAX_VALUE, Double.MAX_VALUE,
                    "http(s) URL each uplink message is POSTed to; empty = no webhook."),
            new Setting("webhook-backlog", INT, "1000000", 1, 1_000_000_000,
                    "Journaled uplink messages the webhook may fall behind by; beyond it devices' new messages are "
                            + "not acknowledged (GOAWAY OVERLOADED; they send them again later)."),
            new Setting("webhook-max-attempts", INT, "0", 0, 1000,
                    "Attempts per uplink message (exponential backoff) before it is dropped and counted; 0 = retry "
                            + "until the webhook takes it."),
            new Setting("direct-fail-threshold", INT, "3", 1, 1000,
                    "Failed direct connection attempts in a row after which a device needs its persistent "
                            + "connection."),
            new Setting("direct-connect-timeout", DURATION, "2s", 1, 60_000,
                    "How long a proxy request waits for a device's announced direct address to accept before it "
                            + "takes the normal path."),
            new Setting("direct-networks", STRING, "0.0.0.0/0,::/0", -Double.MAX_VALUE, Double.MAX_VALUE,
                    "Networks (CIDR, comma-separated) a device's direct address may be in for the appliance to dial "
                            + "it; empty = never dial direct addresses."));

    static MessagingConfig from(Map<String, Object> v) {
        return new MessagingConfig(i(v, "message-queue-max"), i(v, "message-window"), d(v, "message-ttl"),
                d(v, "message-status-retention"), d(v, "rpc-timeout"), d(v, "rpc-timeout-max"),
                d(v, "rpc-connect-wait"), i(v, "rpc-max-pending-per-device"), i(v, "rpc-max-pending"),
                (String) v.get("webhook-url"), i(v, "webhook-backlog"), i(v, "webhook-max-attempts"),
                i(v, "direct-fail-threshold"), d(v, "direct-connect-timeout"),
                SourceNetworks.parse((String) v.get("direct-networks")));
    }

    private static int i(Map<String, Object> v, String key) {
        return Math.toIntExact((Long) v.get(key));
    }

    private static Duration d(Map<String, Object> v, String key) {
        return (Duration) v.get(key);
    }
}
