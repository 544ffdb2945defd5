package io.connmgr.appliance.admin;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes one percent-encoded path segment strictly: a stray '%' or bytes that are not UTF-8 are refused rather than
 * guessed at, and '+' stays a '+' (it means space only in form-encoded query strings).
 */
final class PercentDecoder {
    private PercentDecoder() {
    }

    /** @throws IllegalArgumentException with a message fit for the client */
    static String decodeSegment(String raw) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c >= 0x80) {
                // RFC 3986: a URI is ASCII; anything else must arrive percent-encoded.
                throw new IllegalArgumentException("path contains a non-ASCII character; percent-encode it");
            }
            if (c != '%') {
                bytes.write(c);
                continue;
            }
            if (i + 2 >= raw.length()) {
                throw new IllegalArgumentException("incomplete percent escape in path");
            }
            int high = Character.digit(raw.charAt(i + 1), 16);
            int low = Character.digit(raw.charAt(i + 2), 16);
            if (high < 0 || low < 0) {
                throw new IllegalArgumentException("invalid percent escape in path");
            }
            bytes.write(high << 4 | low);
            i += 2;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("path segment is not valid UTF-8 once decoded");
        }
    }
}
