package io.connmgr.protocol.wire;

import java.lang.reflect.Array;
import java.util.function.ToIntFunction;

/**
 * The lookup from a one-byte wire code to its enum constant, built once from {@code values()} and the code accessor.
 * A lookup is a bounds check and an array load, so decoders can call it per frame.
 *
 * @param <E> the enum whose constants carry the codes
 */
public final class CodeTable<E extends Enum<E>> {
    private static final int SIZE = 256;

    private final E[] byCode;

    private CodeTable(E[] byCode) {
        this.byCode = byCode;
    }

    /**
     * Indexes {@code values} by {@code code}. Throws {@link IllegalStateException} (so the enum fails to initialise)
     * when a code is outside 0..255 or two constants share one.
     */
    public static <E extends Enum<E>> CodeTable<E> of(E[] values, ToIntFunction<E> code) {
        @SuppressWarnings("unchecked")
        E[] byCode = (E[]) Array.newInstance(values.getClass().getComponentType(), SIZE);
        for (E e : values) {
            int c = code.applyAsInt(e);
            if (c < 0 || c >= SIZE) {
                throw new IllegalStateException("%s.%s: code %d is not one byte"
                        .formatted(e.getDeclaringClass().getSimpleName(), e, c));
            }
            if (byCode[c] != null) {
                throw new IllegalStateException("%s code 0x%02x already in use by %s"
                        .formatted(e.getDeclaringClass().getSimpleName(), c, byCode[c]));
            }
            byCode[c] = e;
        }
        return new CodeTable<>(byCode);
    }

    /** The constant with that code, or {@code null} when the code is unassigned (any int is allowed). */
    public E get(int code) {
        return code >= 0 && code < SIZE ? byCode[code] : null;
    }
}
