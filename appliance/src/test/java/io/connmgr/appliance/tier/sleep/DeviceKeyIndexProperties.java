package io.connmgr.appliance.tier.sleep;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class DeviceKeyIndexProperties {
    /** kind 0 = put, 1 = remove, 2 = get; keys from a small range so that operations collide. */
    record Op(int kind, long key, int fd) {
    }

    @Property(tries = 300)
    void behavesLikeAHashMap(@ForAll("ops") List<Op> ops) {
        DeviceKeyIndex index = new DeviceKeyIndex(1);
        Map<Long, Integer> model = new HashMap<>();
        for (Op op : ops) {
            switch (op.kind()) {
                case 0 -> assertThat(index.putIfAbsent(op.key(), op.fd()))
                        .isEqualTo(model.putIfAbsent(op.key(), op.fd()) == null);
                case 1 -> {
                    Integer removed = model.remove(op.key());
                    assertThat(index.remove(op.key())).isEqualTo(removed == null ? -1 : removed);
                }
                default -> assertThat(index.get(op.key())).isEqualTo(model.getOrDefault(op.key(), -1));
            }
            assertThat(index.size()).isEqualTo(model.size());
        }
        model.forEach((key, fd) -> assertThat(index.get(key)).isEqualTo(fd));
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        // Small key range forces long probe runs and backward shifts; extreme keys cover the sign bit.
        Arbitrary<Long> keys = Arbitraries.oneOf(Arbitraries.longs().between(-40, 40),
                Arbitraries.of(Long.MIN_VALUE, Long.MAX_VALUE, 0L));
        Arbitrary<Op> op = Combinators.combine(Arbitraries.integers().between(0, 2), keys,
                Arbitraries.integers().between(0, 100_000)).as(Op::new);
        return op.list().ofMaxSize(400);
    }
}
