package io.connmgr.protocol.wire;

import io.connmgr.protocol.backend.BackendFrameType;
import io.connmgr.protocol.backend.BackendStatus;
import io.connmgr.protocol.backend.EventFilter;
import io.connmgr.protocol.backend.PresenceKind;
import io.connmgr.protocol.backend.PresenceTier;
import io.connmgr.protocol.message.StreamMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The code tables: unique, one byte, and {@code fromCode} is the exact inverse of {@code code()}. */
class WireCodesTest {

    @ParameterizedTest
    @EnumSource(FrameType.class)
    void frameType_fromCode_thenSameType(FrameType type) {
        assertThat(FrameType.fromCode(type.code())).isSameAs(type);
    }

    @Test
    void frameType_fromCode_whenUnassigned_thenNull() {
        assertUnassignedCodesMapToNull(FrameType.values(), FrameType::code, FrameType::fromCode);
    }

    @Test
    void frameType_reservedExactlyTheBackendFamily_streamsAndRpcInTheirRanges() {
        for (FrameType t : FrameType.values()) {
            boolean backend = t.name().startsWith("BACKEND_");
            assertThat(t.isReserved()).as(t.name()).isEqualTo(backend);
            boolean stream = t.name().startsWith("STREAM_") || t == FrameType.CONNECT_REQUEST;
            boolean rpc = t.name().startsWith("RPC_");
            int low = backend ? 0x40 : stream ? 0x20 : rpc ? 0x30 : 0x01;
            assertThat(t.code()).as(t.name()).isBetween(low, low + 0x0F);
        }
        assertThat(Arrays.stream(FrameType.values()).filter(t -> t.name().startsWith("BACKEND_"))
                .allMatch(t -> t.code() >= 0x40 && t.code() <= 0x4F)).isTrue();
    }

    @Test
    void frameType_directionsAsSpecified() {
        assertThat(FrameType.HELLO.direction()).isEqualTo(FrameType.Direction.DEVICE_TO_APPLIANCE);
        assertThat(FrameType.CMD.direction()).isEqualTo(FrameType.Direction.DEVICE_TO_APPLIANCE);
        for (FrameType t : EnumSet.of(FrameType.WELCOME, FrameType.REJECT, FrameType.GOAWAY, FrameType.CMD_RESULT)) {
            assertThat(t.direction()).isEqualTo(FrameType.Direction.APPLIANCE_TO_DEVICE);
        }
        for (FrameType t : EnumSet.of(FrameType.PING, FrameType.PONG, FrameType.MSG, FrameType.ACK)) {
            assertThat(t.direction()).isEqualTo(FrameType.Direction.BOTH);
        }
    }

    @ParameterizedTest
    @EnumSource(ReasonCode.class)
    void reasonCode_fromCode_thenSameReason(ReasonCode reason) {
        assertThat(ReasonCode.fromCode(reason.code())).isSameAs(reason);
        assertThat(reason.description()).isNotBlank();
        assertThat(reason.tag()).isEqualTo(reason.name().toLowerCase());
    }

    @Test
    void reasonCode_fromCode_whenUnassigned_thenNull() {
        assertUnassignedCodesMapToNull(ReasonCode.values(), ReasonCode::code, ReasonCode::fromCode);
    }

    @Test
    void reasonCode_codesAreDenseFromOne() {
        // The table in docs/protocol.md lists 0x01..0x12 without gaps; a new reason takes the next code.
        assertThat(Arrays.stream(ReasonCode.values()).mapToInt(ReasonCode::code))
                .containsExactlyElementsOf(IntStream.rangeClosed(1, ReasonCode.values().length).boxed().toList());
    }

    @ParameterizedTest
    @EnumSource(CmdOpcode.class)
    void cmdOpcode_fromCode_thenSameOpcode(CmdOpcode opcode) {
        assertThat(CmdOpcode.fromCode(opcode.code())).isSameAs(opcode);
    }

    @Test
    void cmdOpcode_fromCode_whenUnassigned_thenNull() {
        assertUnassignedCodesMapToNull(CmdOpcode.values(), CmdOpcode::code, CmdOpcode::fromCode);
    }

    @ParameterizedTest
    @EnumSource(CmdStatus.class)
    void cmdStatus_fromCode_thenSameStatus(CmdStatus status) {
        assertThat(CmdStatus.fromCode(status.code())).isSameAs(status);
    }

    @Test
    void cmdStatus_fromCode_whenUnassigned_thenNull() {
        assertUnassignedCodesMapToNull(CmdStatus.values(), CmdStatus::code, CmdStatus::fromCode);
    }

    @Test
    void theOtherTables_fromCode_isTheExactInverseOfCode() {
        assertInverse(RpcStatus.values(), RpcStatus::code, RpcStatus::fromCode);
        assertInverse(StreamStatus.values(), StreamStatus::code, StreamStatus::fromCode);
        assertInverse(StreamMode.values(), StreamMode::code, StreamMode::fromCode);
        assertInverse(BackendFrameType.values(), BackendFrameType::code, BackendFrameType::fromCode);
        assertInverse(BackendStatus.values(), BackendStatus::code, BackendStatus::fromCode);
        assertInverse(PresenceKind.values(), PresenceKind::code, PresenceKind::fromCode);
        assertInverse(PresenceTier.values(), PresenceTier::code, PresenceTier::fromCode);
        assertInverse(EventFilter.Scope.values(), EventFilter.Scope::code, EventFilter.Scope::fromCode);
    }

    private static <E> void assertInverse(E[] values, ToIntFunction<E> code, IntFunction<E> fromCode) {
        for (E e : values) {
            assertThat(fromCode.apply(code.applyAsInt(e))).as("%s", e).isSameAs(e);
        }
        assertUnassignedCodesMapToNull(values, code, fromCode);
    }

    private static <E> void assertUnassignedCodesMapToNull(E[] values, ToIntFunction<E> code, IntFunction<E> fromCode) {
        Set<Integer> assigned = Arrays.stream(values).map(code::applyAsInt).collect(Collectors.toSet());
        assertThat(assigned).as("codes are unique").hasSize(values.length);
        assertThat(assigned).allMatch(c -> c >= 0 && c <= 0xFF);
        for (int c = -1; c <= 0x100; c++) {
            if (!assigned.contains(c)) {
                assertThat(fromCode.apply(c)).as("code %d", c).isNull();
            }
        }
        assertThat(fromCode.apply(Integer.MIN_VALUE)).isNull();
        assertThat(fromCode.apply(Integer.MAX_VALUE)).isNull();
    }
}
