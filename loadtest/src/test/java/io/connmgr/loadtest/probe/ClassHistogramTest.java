package io.connmgr.loadtest.probe;

import io.connmgr.loadtest.density.DensityResults.HeapGrowth;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ClassHistogramTest {
    private static final String BEFORE = """
            12486:
             num     #instances         #bytes  class name (module)
            -------------------------------------------------------
               1:          1000          89000  [B (java.base@25.0.3)
               2:          1000          80000  io.connmgr.appliance.store.SessionRecord
               3:            10            480  java.lang.String (java.base@25.0.3)
            Total          2010         169480
            """;
    private static final String AFTER = """
            12486:
             num     #instances         #bytes  class name (module)
            -------------------------------------------------------
               1:         15000        1335000  [B (java.base@25.0.3)
               2:         15000        1200000  io.connmgr.appliance.store.SessionRecord
               3:            10            480  java.lang.String (java.base@25.0.3)
               4:             1            640  [J (java.base@25.0.3)
            Total         30011        2536120
            """;

    @Test
    void rowsAreParsedByClassName() {
        Map<String, ClassHistogram.Row> rows = ClassHistogram.parse(AFTER);
        assertThat(rows).hasSize(4);
        assertThat(rows.get("[B")).isEqualTo(new ClassHistogram.Row(15000, 1335000));
    }

    @Test
    void growthIsPerAddedDeviceLargestFirst() {
        List<HeapGrowth> g = ClassHistogram.growth(ClassHistogram.parse(BEFORE), ClassHistogram.parse(AFTER), 14000, 3);
        assertThat(g).extracting(HeapGrowth::className).containsExactly("[B",
                "io.connmgr.appliance.store.SessionRecord", "[J");
        assertThat(g.get(1).bytesPerDevice()).isEqualTo(80.0);
        assertThat(g.get(1).instancesPerDevice()).isEqualTo(1.0);
    }

    @Test
    void threadNamesOfOnePoolAreCountedTogether() {
        assertThat(ThreadCpu.groupName("device-io-3-1")).isEqualTo("device-io-3");
        assertThat(ThreadCpu.groupName("C2 CompilerThre")).isEqualTo("C2 CompilerThre");
        assertThat(ThreadCpu.groupName("GC Thread#3")).isEqualTo("GC Thread");
        assertThat(ThreadCpu.commOf("77 (sleep-loop) S 1 2 3")).isEqualTo("sleep-loop");
        assertThat(ThreadCpu.top(Map.of("a", 5L, "b", 1L), Map.of("a", 6L, "b", 9L, "c", 2L), 2))
                .containsExactly(Map.entry("b", 8L), Map.entry("c", 2L));
    }
}
