package io.connmgr.protocol.backend;

import io.connmgr.protocol.wire.CodeTable;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * Which events a subscription wants: uplink messages and/or presence events, of every device, of listed devices, or
 * of devices whose id starts with a prefix.
 *
 * @param kinds    bit mask of {@link #UPLINK} and {@link #PRESENCE}, not zero
 * @param scope    which devices
 * @param deviceIds the devices of {@link Scope#LIST} (1..{@value BackendWire#MAX_FILTER_IDS}); the single prefix of
 *                 {@link Scope#PREFIX}; empty for {@link Scope#ALL}
 */
public record EventFilter(int kinds, Scope scope, List<String> deviceIds) {
    public static final int UPLINK = 0x01;
    public static final int PRESENCE = 0x02;

    public enum Scope {
        ALL(0), LIST(1), PREFIX(2);

        private static final CodeTable<Scope> BY_CODE = CodeTable.of(values(), Scope::code);

        private final int code;

        Scope(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        public static Scope fromCode(int code) {
            return BY_CODE.get(code);
        }
    }

    public EventFilter {
        Objects.requireNonNull(scope, "scope");
        deviceIds = List.copyOf(deviceIds);
        if (kinds == 0 || (kinds & ~(UPLINK | PRESENCE)) != 0) {
            throw new IllegalArgumentException("kinds must be UPLINK and/or PRESENCE");
        }
        switch (scope) {
            case ALL -> require(deviceIds.isEmpty(), "ALL takes no device ids");
            case LIST -> require(!deviceIds.isEmpty() && deviceIds.size() <= BackendWire.MAX_FILTER_IDS,
                    "LIST takes 1.." + BackendWire.MAX_FILTER_IDS + " device ids");
            case PREFIX -> require(deviceIds.size() == 1 && !deviceIds.getFirst().isEmpty(),
                    "PREFIX takes exactly one non-empty prefix");
        }
        for (String id : deviceIds) {
            require(id.getBytes(StandardCharsets.UTF_8).length <= 255, "device id longer than 255 bytes");
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public static EventFilter all(int kinds) {
        return new EventFilter(kinds, Scope.ALL, List.of());
    }

    public static EventFilter devices(int kinds, List<String> deviceIds) {
        return new EventFilter(kinds, Scope.LIST, deviceIds);
    }

    public static EventFilter prefix(int kinds, String prefix) {
        return new EventFilter(kinds, Scope.PREFIX, List.of(prefix));
    }

    /** Whether {@code event} passes this filter. */
    public boolean matches(BackendFrame.DeviceEvent event) {
        int kind = switch (event) {
            case BackendFrame.UplinkEvent u -> UPLINK;
            case BackendFrame.PresenceEvent p -> PRESENCE;
        };
        if ((kinds & kind) == 0) {
            return false;
        }
        return switch (scope) {
            case ALL -> true;
            case LIST -> deviceIds.contains(event.deviceId());
            case PREFIX -> event.deviceId().startsWith(deviceIds.getFirst());
        };
    }
}
