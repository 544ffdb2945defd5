package io.connmgr.protocol.codec;

import io.connmgr.protocol.message.Ack;
import io.connmgr.protocol.message.Cmd;
import io.connmgr.protocol.message.CmdResult;
import io.connmgr.protocol.message.DirectAddress;
import io.connmgr.protocol.message.Frame;
import io.connmgr.protocol.message.GoAway;
import io.connmgr.protocol.message.Hello;
import io.connmgr.protocol.message.Msg;
import io.connmgr.protocol.message.Ping;
import io.connmgr.protocol.message.Pong;
import io.connmgr.protocol.message.Reject;
import io.connmgr.protocol.message.Welcome;
import io.connmgr.protocol.wire.CmdStatus;
import io.connmgr.protocol.wire.Wire;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

import java.nio.charset.StandardCharsets;

/** jqwik generators of well-formed frames: every field anywhere in the range its wire layout allows. */
public final class FrameArbitraries {
    private FrameArbitraries() {
    }

    public static Arbitrary<Frame> frames() {
        return Arbitraries.oneOf(hellos(), welcomes(), rejects(), goAways(), Arbitraries.just(Ping.INSTANCE),
                Arbitraries.just(Pong.INSTANCE), msgs(), acks(), cmds(), cmdResults());
    }

    public static Arbitrary<Frame> hellos() {
        return Combinators.combine(u16(), Arbitraries.integers(), deviceIds(), bytes(0, Wire.MAX_CREDENTIAL_BYTES),
                        resumeTokens(), Arbitraries.of(true, false), directAddresses().injectNull(0.3),
                        Arbitraries.longs().between(Hello.NO_DELIVERED_SEQ, Long.MAX_VALUE))
                .as((keepAlive, caps, id, credential, token, onDemand, direct, delivered) ->
                        new Hello(Wire.PROTOCOL_VERSION, keepAlive, caps, id, credential, token, onDemand, direct,
                                delivered));
    }

    public static Arbitrary<Frame> welcomes() {
        return Combinators.combine(Arbitraries.integers().between(0, 255), Arbitraries.of(true, false), u16(),
                        Arbitraries.integers().between(0, Wire.MAX_LENGTH_FIELD), Arbitraries.integers(),
                        Arbitraries.longs(), bytes(Wire.RESUME_TOKEN_BYTES, Wire.RESUME_TOKEN_BYTES),
                        Arbitraries.of(true, false))
                .as(Welcome::new);
    }

    /** Host names, IPv4 and IPv6 addresses, with or without a port. */
    public static Arbitrary<DirectAddress> directAddresses() {
        Arbitrary<String> label = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
                .ofMinLength(1).ofMaxLength(63).filter(l -> !l.startsWith("-") && !l.endsWith("-"));
        Arbitrary<String> name = label.list().ofMinSize(1).ofMaxSize(4).map(l -> String.join(".", l))
                .filter(n -> n.length() <= 253 && !n.matches("[0-9.]+"));
        Arbitrary<String> ipv4 = Arbitraries.integers().between(0, 255).list().ofSize(4)
                .map(l -> l.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(".")));
        Arbitrary<String> ipv6 = Arbitraries.integers().between(0, 0xFFFF).list().ofSize(8)
                .map(l -> l.stream().map(Integer::toHexString).collect(java.util.stream.Collectors.joining(":")));
        return Combinators.combine(Arbitraries.oneOf(name, ipv4, ipv6), Arbitraries.integers().between(0, 65535))
                .as(DirectAddress::new);
    }

    public static Arbitrary<Frame> rejects() {
        return Combinators.combine(u8(), texts()).as(Reject::new);
    }

    public static Arbitrary<Frame> goAways() {
        return Combinators.combine(u8(), Arbitraries.longs().between(0, 0xFFFF_FFFFL), texts()).as(GoAway::new);
    }

    public static Arbitrary<Frame> msgs() {
        return Combinators.combine(Arbitraries.longs(), bytes(0, 300)).as(Msg::new);
    }

    public static Arbitrary<Frame> acks() {
        return Arbitraries.longs().map(Ack::new);
    }

    public static Arbitrary<Frame> cmds() {
        return Combinators.combine(u16(), u8(), Arbitraries.longs().between(0, 0xFFFF_FFFFL)).as(Cmd::new);
    }

    public static Arbitrary<Frame> cmdResults() {
        return Combinators.combine(u16(), Arbitraries.of(CmdStatus.class)).as(CmdResult::new);
    }

    /** Valid ids, mostly ASCII as in real fleets, some with any Unicode the rule allows. */
    public static Arbitrary<String> deviceIds() {
        Arbitrary<String> ascii = Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(128);
        Arbitrary<String> unicode = Arbitraries.strings().all().ofMinLength(1).ofMaxLength(64);
        return Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(3, ascii), net.jqwik.api.Tuple.of(1, unicode))
                .filter(DeviceIds::isValid);
    }

    /** Text that survives UTF-8 both ways (no lone surrogates). */
    public static Arbitrary<String> texts() {
        return Arbitraries.strings().all().ofMaxLength(80)
                .filter(s -> new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8).equals(s));
    }

    static Arbitrary<byte[]> resumeTokens() {
        return Arbitraries.oneOf(Arbitraries.just(new byte[0]),
                bytes(Wire.RESUME_TOKEN_BYTES, Wire.RESUME_TOKEN_BYTES));
    }

    static Arbitrary<byte[]> bytes(int min, int max) {
        return Arbitraries.bytes().array(byte[].class).ofMinSize(min).ofMaxSize(max);
    }

    static Arbitrary<Integer> u8() {
        return Arbitraries.integers().between(0, 0xFF);
    }

    static Arbitrary<Integer> u16() {
        return Arbitraries.integers().between(0, 0xFFFF);
    }
}
