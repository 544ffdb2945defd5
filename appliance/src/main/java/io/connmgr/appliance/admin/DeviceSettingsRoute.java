package io.connmgr.appliance.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.connmgr.appliance.config.ApplianceConfig;
import io.connmgr.appliance.config.Setting;
import io.connmgr.appliance.session.Tier;
import io.connmgr.appliance.store.DeviceSettings;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * {@code PUT /v1/devices/{id}/settings}: a device's overrides of the tier policy, from a back-end server or an
 * operator. Fields left out stay as they are; a field set to null returns to the global default. Stored with fsync,
 * then in force on the live connection at once through the same path as the device's own CMD.
 */
final class DeviceSettingsRoute {
    private static final Set<String> FIELDS = Set.of("idle_after", "sleep_after", "keep_alive", "always_active",
            "persistent_required");
    private static final double YEAR_MS = 365 * 86_400_000d;

    private final BackendApi api;

    DeviceSettingsRoute(BackendApi api) {
        this.api = api;
    }

    CompletableFuture<AdminResponse> put(AdminRequest request) {
        String deviceId = request.deviceId();
        ObjectNode body = AdminJson.readObject(request.body());
        body.fieldNames().forEachRemaining(name -> {
            if (!FIELDS.contains(name)) {
                throw ApiException.badRequest("unknown field '" + AdminJson.truncate(name) + "'; expected some of "
                        + String.join(", ", FIELDS.stream().sorted().toList()));
            }
        });
        ApplianceConfig config = api.config();
        Field<Long> idle = duration(body, "idle_after", 0, YEAR_MS);
        Field<Long> sleep = duration(body, "sleep_after", 0, YEAR_MS);
        Field<Long> keepAlive = duration(body, "keep_alive", config.keepAliveMin().toMillis(),
                config.keepAliveMax().toMillis());
        Field<Boolean> alwaysActive = bool(body, "always_active");
        Field<Boolean> persistent = bool(body, "persistent_required");
        api.requireKnown(deviceId);
        UnaryOperator<DeviceSettings> change = o -> new DeviceSettings(
                idle.or(o.idleAfterMillis()), sleep.or(o.sleepAfterMillis()), keepAlive.or(o.keepAliveMillis()),
                alwaysActive.or(o.alwaysActive()), persistent.or(o.persistentRequired()));
        return api.manager().updateSettings(deviceId, change).thenApply(updated ->
                answer(deviceId, updated, api.manager().tierOf(deviceId) != Tier.DISCONNECTED));
    }

    /** {@code POST /v1/devices/{id}/direct-attempts} {"success": bool}: a server's direct connection attempt. */
    CompletableFuture<AdminResponse> directAttempt(AdminRequest request) {
        String deviceId = request.deviceId();
        ObjectNode body = AdminJson.readObject(request.body());
        body.fieldNames().forEachRemaining(name -> {
            if (!name.equals("success")) {
                throw ApiException.badRequest("unknown field '" + AdminJson.truncate(name) + "'; expected 'success'");
            }
        });
        JsonNode success = body.get("success");
        if (success == null || !success.isBoolean()) {
            throw ApiException.badRequest("field 'success' must be true or false");
        }
        api.requireKnown(deviceId);
        return api.reachability().attempt(deviceId, success.booleanValue()).thenApply(v ->
                AdminResponse.json(HttpResponseStatus.OK, new Reachability(deviceId, v.consecutiveFailures(),
                        v.persistentRequired())));
    }

    record Reachability(String deviceId, int consecutiveFailures, boolean persistentRequired) {
    }

    AdminResponse get(AdminRequest request) {
        String deviceId = request.deviceId();
        api.requireKnown(deviceId);
        return answer(deviceId, api.store().loadSettings(deviceId).orElse(DeviceSettings.NONE),
                api.manager().tierOf(deviceId) != Tier.DISCONNECTED);
    }

    private static AdminResponse answer(String deviceId, DeviceSettings s, boolean live) {
        return AdminResponse.json(HttpResponseStatus.OK, new SettingsView(deviceId, text(s.idleAfterMillis()),
                text(s.sleepAfterMillis()), text(s.keepAliveMillis()), s.alwaysActive(), s.persistentRequired(),
                live ? "now" : "on_connect"));
    }

    private static String text(Long millis) {
        if (millis == null) {
            return null;
        }
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    /** A field of the request: absent (keep), null (back to the default) or a value. */
    private record Field<T>(boolean present, T value) {
        T or(T current) {
            return present ? value : current;
        }
    }

    private static Field<Long> duration(ObjectNode body, String name, double min, double max) {
        if (!body.has(name)) {
            return new Field<>(false, null);
        }
        JsonNode v = body.get(name);
        if (v.isNull()) {
            return new Field<>(true, null);
        }
        if (!v.isTextual()) {
            throw ApiException.badRequest("field '" + name + "' must be a duration string such as \"30s\" or null");
        }
        try {
            Duration d = (Duration) new Setting(name, Setting.Kind.DURATION, "0s", min, max, "").parse(v.textValue());
            return new Field<>(true, d.toMillis());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    private static Field<Boolean> bool(ObjectNode body, String name) {
        if (!body.has(name)) {
            return new Field<>(false, null);
        }
        JsonNode v = body.get(name);
        if (v.isNull()) {
            return new Field<>(true, null);
        }
        if (!v.isBoolean()) {
            throw ApiException.badRequest("field '" + name + "' must be true, false or null");
        }
        return new Field<>(true, v.booleanValue());
    }

    /** @param appliesFrom "now" when the device is connected, else "on_connect" */
    record SettingsView(String deviceId, String idleAfter, String sleepAfter, String keepAlive, Boolean alwaysActive,
                        Boolean persistentRequired, String appliesFrom) {
    }
}
