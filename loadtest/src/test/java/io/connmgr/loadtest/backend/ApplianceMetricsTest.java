package io.connmgr.loadtest.backend;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ApplianceMetricsTest {
    private static final String TEXT = """
            # HELP cm_wakes_total Wakes
            # TYPE cm_wakes_total counter
            cm_wakes_total{cause="admin"} 1.0
            cm_wakes_total{cause="server_request"} 41.0
            cm_wakes_total_extra 1000.0
            jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 8388608.0
            jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 3700632.0
            jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 2.3616424E7
            cm_streams_active 3.0
            """;

    @Test
    void sumsEverySampleOfAMetricWhateverItsLabels() {
        assertThat(ApplianceMetrics.sum(TEXT, "cm_wakes_total")).isEqualTo(42.0);
        assertThat(ApplianceMetrics.sum(TEXT, "cm_streams_active")).isEqualTo(3.0);
    }

    @Test
    void aLabelPrefixSelectsSamples() {
        assertThat(ApplianceMetrics.sum(TEXT, "jvm_memory_used_bytes{area=\"heap\"")).isEqualTo(12089240.0);
    }

    @Test
    void anAbsentMetricIsNaN() {
        assertThat(ApplianceMetrics.sum(TEXT, "cm_rpc_calls_total")).isNaN();
        assertThat(ApplianceMetrics.sum(TEXT, "cm_wakes")).isNaN();
    }
}
