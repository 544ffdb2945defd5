package io.connmgr.protocol.codec;

import io.connmgr.protocol.wire.Wire;

import java.nio.charset.StandardCharsets;

/** The one rule for what a device id may be, shared by the codec, the admin API and the CLI. */
public final class DeviceIds {
    private DeviceIds() {
    }

    /**
     * 1..128 bytes of UTF-8 without control characters (Unicode Cc), space or line/paragraph separators (Zs, Zl, Zp,
     * including the no-break spaces), {@code /} or {@code \}: ids appear in URLs, logs and store keys, so anything
     * that would need escaping there is refused at the door. docs/protocol.md lists the same rule.
     */
    public static boolean isValid(String id) {
        if (id == null || id.isEmpty()) {
            return false;
        }
        int bytes = id.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > Wire.MAX_DEVICE_ID_BYTES) {
            return false;
        }
        for (int i = 0; i < id.length(); ) {
            int cp = id.codePointAt(i);
            // isSpaceChar adds the no-break spaces that isWhitespace lets through: they look like spaces in a log.
            if (Character.isISOControl(cp) || Character.isWhitespace(cp) || Character.isSpaceChar(cp)
                    || cp == '/' || cp == '\\'
                    || Character.getType(cp) == Character.SURROGATE) {
                return false;
            }
            i += Character.charCount(cp);
        }
        return true;
    }
}
