package io.connmgr.appliance.proxy;

import java.util.Locale;

/** Back-ends name a device by its id as the destination host: {@code dev-42}, or {@code dev-42.devices}. */
final class Destinations {
    static final String SUFFIX = ".devices";

    private Destinations() {
    }

    /** The device id a destination host names. */
    static String deviceId(String host) {
        String h = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        if (h.length() > SUFFIX.length() && h.toLowerCase(Locale.ROOT).endsWith(SUFFIX)) {
            h = h.substring(0, h.length() - SUFFIX.length());
        }
        return h;
    }
}
