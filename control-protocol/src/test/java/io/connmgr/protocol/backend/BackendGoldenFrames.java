package io.connmgr.protocol.backend;

import io.connmgr.protocol.backend.BackendFrame.EventLoss;
import io.connmgr.protocol.backend.BackendFrame.GoAway;
import io.connmgr.protocol.backend.BackendFrame.Hello;
import io.connmgr.protocol.backend.BackendFrame.Ping;
import io.connmgr.protocol.backend.BackendFrame.PresenceEvent;
import io.connmgr.protocol.backend.BackendFrame.Result;
import io.connmgr.protocol.backend.BackendFrame.Rpc;
import io.connmgr.protocol.backend.BackendFrame.Send;
import io.connmgr.protocol.backend.BackendFrame.Settings;
import io.connmgr.protocol.backend.BackendFrame.StreamData;
import io.connmgr.protocol.backend.BackendFrame.StreamOpen;
import io.connmgr.protocol.backend.BackendFrame.StreamReset;
import io.connmgr.protocol.backend.BackendFrame.StreamWindow;
import io.connmgr.protocol.backend.BackendFrame.Subscribe;
import io.connmgr.protocol.backend.BackendFrame.Unsubscribe;
import io.connmgr.protocol.backend.BackendFrame.UplinkEvent;
import io.connmgr.protocol.backend.BackendFrame.Welcome;
import io.connmgr.protocol.golden.GoldenVector;
import io.connmgr.protocol.wire.StreamStatus;
import io.netty.buffer.Unpooled;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** Builds the frame a vector of golden/backend-frames.txt describes, reading every one of its fields. */
final class BackendGoldenFrames {
    static final String RESOURCE = "golden/backend-frames.txt";
    static final String VIOLATIONS = "golden/backend-violations.txt";

    private BackendGoldenFrames() {
    }

    static BackendFrame toFrame(GoldenVector v) {
        BackendFrameType type = BackendFrameType.valueOf(v.raw("type"));
        return switch (type) {
            case HELLO -> new Hello(v.integer("version"), (int) v.number("capabilities"), v.text("name"),
                    v.byteField("token"));
            case WELCOME -> new Welcome(v.integer("version"), v.integer("keep_alive_seconds"),
                    v.integer("max_frame_size"), (int) v.number("capabilities"), v.number("max_pending_events"),
                    v.text("name"));
            case GOAWAY -> new GoAway(v.integer("reason"), v.number("reconnect_after_ms"), v.text("message"));
            case PING -> new Ping(v.flag("ack"), v.number("data"));
            case SEND -> new Send(id(v, "request_id"), v.text("device_id"), v.number("ttl_ms"),
                    v.text("idempotency_key"), v.byteField("payload"));
            case RPC -> new Rpc(id(v, "request_id"), v.text("device_id"), v.text("method"), v.number("timeout_ms"),
                    v.byteField("body"));
            case SETTINGS -> new Settings(id(v, "request_id"), v.text("device_id"), new DeviceSettings(
                    v.has("idle_after_ms") ? Duration.ofMillis(v.number("idle_after_ms")) : null,
                    v.has("sleep_after_ms") ? Duration.ofMillis(v.number("sleep_after_ms")) : null,
                    v.has("keep_alive_ms") ? Duration.ofMillis(v.number("keep_alive_ms")) : null,
                    v.has("always_active") ? v.flag("always_active") : null,
                    v.has("persistent_required") ? v.flag("persistent_required") : null));
            case SUBSCRIBE -> {
                String ids = v.text("device_ids");
                List<String> list = ids.isEmpty() ? List.of() : Arrays.asList(ids.split(","));
                yield new Subscribe(id(v, "request_id"), new EventFilter(v.integer("kinds"),
                        EventFilter.Scope.valueOf(v.raw("scope")), list));
            }
            case UNSUBSCRIBE -> new Unsubscribe(id(v, "request_id"), id(v, "subscription_id"));
            case STREAM_OPEN -> new StreamOpen(id(v, "request_id"), id(v, "stream_id"), v.number("window"),
                    v.integer("port"), v.text("device_id"));
            case RESULT -> new Result(id(v, "request_id"), BackendStatus.valueOf(v.raw("status")),
                    v.byteField("body"));
            case EVENT -> switch (v.raw("kind")) {
                case "UPLINK" -> new UplinkEvent(v.number("timestamp_ms"), v.number("seq"), v.text("device_id"),
                        v.byteField("payload"));
                case "PRESENCE" -> new PresenceEvent(v.number("timestamp_ms"),
                        PresenceKind.valueOf(v.raw("presence")), PresenceTier.valueOf(v.raw("tier")),
                        v.text("device_id"));
                case "LOSS" -> new EventLoss(v.number("timestamp_ms"), v.number("dropped"));
                default -> throw new IllegalArgumentException(v + ": unknown event kind");
            };
            case STREAM_DATA -> new StreamData(id(v, "stream_id"), v.flag("fin"),
                    Unpooled.wrappedBuffer(v.byteField("data")));
            case STREAM_WINDOW -> new StreamWindow(id(v, "stream_id"), v.number("increment"));
            case STREAM_RESET -> new StreamReset(id(v, "stream_id"), StreamStatus.valueOf(v.raw("reason")));
        };
    }

    /** A u32 id field, in a Java int. */
    private static int id(GoldenVector v, String key) {
        return (int) v.number(key);
    }
}
