package io.connmgr.protocol.examples;

import io.connmgr.protocol.backend.BackendFrame.PresenceEvent;
import io.connmgr.protocol.backend.BackendFrame.UplinkEvent;
import io.connmgr.protocol.backend.DeviceSettings;
import io.connmgr.protocol.backend.EventFilter;
import io.connmgr.protocol.client.BackendClient;
import io.connmgr.protocol.client.BackendException;
import io.connmgr.protocol.client.BackendStream;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletionException;

/**
 * A CM-aware server in a page (docs/backend-client.md): watches presence and uplinks, sends a command, calls an RPC,
 * tunes a device's tiers and talks to its port 7 through a stream.
 *
 * <p>Run: {@code java ... BackendClientExample <host> <port> <name> <token> <device-id>}.
 */
public final class BackendClientExample {

    public static void main(String[] args) throws Exception {
        String host = args.length > 0 ? args[0] : "localhost";
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 7781;
        String name = args.length > 2 ? args[2] : "billing";
        String token = args.length > 3 ? args[3] : System.getenv("CM_BACKEND_TOKEN");
        String device = args.length > 4 ? args[4] : "sensor-0001";

        try (BackendClient cm = BackendClient.builder().host(host).port(port).credentials(name, token)
                .reconnect(true, Duration.ofMillis(200), Duration.ofSeconds(30)).build()) {
            cm.connect().join();

            // Events arrive on the client's I/O thread: keep the listener quick.
            cm.subscribe(event -> {
                switch (event) {
                    case UplinkEvent u -> System.out.printf("%s sent #%d: %s%n", u.deviceId(), u.seq(),
                            new String(u.payload(), StandardCharsets.UTF_8));
                    case PresenceEvent p -> System.out.printf("%s %s (%s)%n", p.deviceId(), p.kind(), p.tier());
                }
            }, EventFilter.all(EventFilter.UPLINK | EventFilter.PRESENCE)).join();

            String messageId = cm.send(device, "{\"led\":\"on\"}".getBytes(StandardCharsets.UTF_8),
                    Duration.ofHours(1), "led-on-1").join();
            System.out.println("queued durably as " + messageId);

            try {
                byte[] reply = cm.rpc(device, "get", "temp".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5))
                        .join();
                System.out.println("temp = " + new String(reply, StandardCharsets.UTF_8));
            } catch (CompletionException e) {
                switch (e.getCause()) {
                    case BackendException.Timeout t -> System.out.println("device did not answer in time");
                    case BackendException.Offline o -> System.out.println("device is not connected");
                    case BackendException.UnknownDevice u -> System.out.println("no such device");
                    default -> throw e;
                }
            }

            cm.settings(device, DeviceSettings.UNCHANGED.withIdleAfter(Duration.ofMinutes(2))
                    .withSleepAfter(Duration.ofMinutes(30))).join();

            BackendStream echo = cm.openStream(device, 7).join();
            try (OutputStream out = echo.output(); InputStream in = echo.input()) {
                out.write("ping\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                System.out.println("echo: " + new String(in.readNBytes(5), StandardCharsets.UTF_8).strip());
            }
        }
    }

    private BackendClientExample() {
    }
}
