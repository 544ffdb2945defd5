package io.connmgr.protocol.codec;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * One kind of damage to a valid byte stream, for the fuzz properties of every decoder (device frames, control frames,
 * the proxy's SOCKS5 and HTTP, the admin API's HTTP). Positions wrap around the stream's length, so any generated
 * position is valid for any stream.
 */
public sealed interface Mutation {
    byte[] apply(byte[] stream);

    /** Bit flips, truncation, insertion, deletion, splicing in another valid input, and length-field extremes. */
    static Arbitrary<List<Mutation>> arbitrary(List<byte[]> spliceSources) {
        Arbitrary<Integer> position = Arbitraries.integers().between(0, Integer.MAX_VALUE);
        Arbitrary<Mutation> flip = Combinators.combine(position, Arbitraries.integers().between(0, 7))
                .as(FlipBit::new);
        Arbitrary<Mutation> truncate = position.map(Truncate::new);
        Arbitrary<Mutation> insert = Combinators.combine(position, Arbitraries.bytes().array(byte[].class)
                .ofMinSize(1).ofMaxSize(8)).as(Insert::new);
        Arbitrary<Mutation> delete = Combinators.combine(position, Arbitraries.integers().between(1, 8))
                .as(Delete::new);
        Arbitrary<Mutation> length = Combinators.combine(
                Arbitraries.oneOf(Arbitraries.just(1), position),
                Arbitraries.of(0, 1, 0x7F, 0x80, 0xFF, 0xFFFF, 0x10000, 0xFFFFFE, 0xFFFFFF, Integer.MAX_VALUE, -1))
                .as(LengthExtreme::new);
        if (spliceSources.isEmpty()) {
            return Arbitraries.oneOf(flip, truncate, insert, delete, length).list().ofMinSize(1).ofMaxSize(4);
        }
        Arbitrary<Mutation> splice = Combinators.combine(position, Arbitraries.of(spliceSources), position, position)
                .as((at, source, from, to) -> {
                    int a = from % (source.length + 1);
                    int b = to % (source.length + 1);
                    return new Splice(at, Arrays.copyOfRange(source, Math.min(a, b), Math.max(a, b)));
                });
        return Arbitraries.oneOf(flip, truncate, insert, delete, length, splice).list().ofMinSize(1).ofMaxSize(4);
    }

    static byte[] applyAll(byte[] stream, List<Mutation> mutations) {
        for (Mutation m : mutations) {
            stream = m.apply(stream);
        }
        return stream;
    }

    record FlipBit(int position, int bit) implements Mutation {
        public byte[] apply(byte[] s) {
            if (s.length == 0) {
                return s;
            }
            byte[] copy = s.clone();
            copy[position % s.length] ^= (byte) (1 << bit);
            return copy;
        }
    }

    record Truncate(int position) implements Mutation {
        public byte[] apply(byte[] s) {
            return Arrays.copyOf(s, s.length == 0 ? 0 : position % s.length);
        }
    }

    record Insert(int position, byte[] bytes) implements Mutation {
        public byte[] apply(byte[] s) {
            int at = position % (s.length + 1);
            return TestBytes.concat(Arrays.copyOf(s, at), bytes, Arrays.copyOfRange(s, at, s.length));
        }

        @Override
        public String toString() {
            return "Insert[" + position + ", " + HexFormat.of().formatHex(bytes) + "]";
        }
    }

    record Delete(int position, int count) implements Mutation {
        public byte[] apply(byte[] s) {
            if (s.length == 0) {
                return s;
            }
            int at = position % s.length;
            int end = Math.min(s.length, at + count);
            return TestBytes.concat(Arrays.copyOf(s, at), Arrays.copyOfRange(s, end, s.length));
        }
    }

    /** A piece of another valid input inserted at a position: frames or requests cut and joined in the wrong place. */
    record Splice(int position, byte[] piece) implements Mutation {
        public byte[] apply(byte[] s) {
            int at = position % (s.length + 1);
            return TestBytes.concat(Arrays.copyOf(s, at), piece, Arrays.copyOfRange(s, at, s.length));
        }

        @Override
        public String toString() {
            return "Splice[" + position + ", " + HexFormat.of().formatHex(piece) + "]";
        }
    }

    /**
     * Overwrites three bytes (big-endian, as a u24 length field) at a position with an extreme value; position 1 is
     * the first frame's length field on both framed channels, and a SOCKS5 length byte or an HTTP digit elsewhere.
     */
    record LengthExtreme(int position, int value) implements Mutation {
        public byte[] apply(byte[] s) {
            if (s.length == 0) {
                return s;
            }
            byte[] copy = s.clone();
            int at = position % s.length;
            for (int i = 0; i < 3 && at + i < copy.length; i++) {
                copy[at + i] = (byte) (value >>> (16 - 8 * i));
            }
            return copy;
        }
    }
}
