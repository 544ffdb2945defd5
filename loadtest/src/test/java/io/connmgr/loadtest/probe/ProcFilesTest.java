package io.connmgr.loadtest.probe;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProcFilesTest {

    @Test
    void rssComesFromVmRssInKibibytes() {
        String status = "Name:\tjava\nVmPeak:\t 9000000 kB\nVmHWM:\t  1300000 kB\nVmRSS:\t  1191936 kB\nRssAnon:\t 1 kB\n";
        assertThat(ProcFiles.parseRssBytes(status)).isEqualTo(1191936L * 1024);
    }

    @Test
    void missingRssIsAnError() {
        assertThatThrownBy(() -> ProcFiles.parseRssBytes("Name:\tzombie\n")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cpuTicksAreUtimePlusStime() {
        String stat = "12486 (java) S 12485 12485 100 0 -1 4194560 5000 0 0 0 1234 567 0 0 20 0 40 0 9999 "
                + "9000000000 290000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        assertThat(ProcFiles.parseCpuTicks(stat)).isEqualTo(1234 + 567);
    }

    @Test
    void commandNamesWithSpacesAndParenthesesDoNotShiftTheFields() {
        String stat = "42 (my (odd) proc) R 1 42 42 0 -1 0 0 0 0 0 10 20 0 0 20 0 1 0 5 0 0";
        assertThat(ProcFiles.parseCpuTicks(stat)).isEqualTo(30);
    }

    @Test
    void heapInfoUsedIsRead() {
        String out = """
                12486:
                 garbage-first heap   total reserved 1048576K, committed 1048576K, used 9523K [0x00000000c0000000, 0x0000000100000000)
                  region size 1024K, 1 young (1024K), 0 survivors (0K)
                 Metaspace       used 21000K, committed 21504K, reserved 1114112K
                """;
        assertThat(HeapInfo.usedBytes(out)).isEqualTo(9523L * 1024);
    }

    @Test
    void prometheusSampleMatchesNameAndLabelExactly() {
        String text = """
                # HELP cm_keepalives_answered_total Application PINGs answered
                # TYPE cm_keepalives_answered_total counter
                cm_keepalives_answered_total_extra{tier="sleep"} 99.0
                cm_keepalives_answered_total{tier="idle"} 3.0
                cm_keepalives_answered_total{tier="sleep"} 20000.0
                process_cpu_seconds_total 1.5
                """;
        assertThat(PrometheusText.sample(text, "cm_keepalives_answered_total", "tier=\"sleep\"")).isEqualTo(20000.0);
        assertThat(PrometheusText.sample(text, "process_cpu_seconds_total", null)).isEqualTo(1.5);
        assertThat(PrometheusText.sample(text, "cm_absent", null)).isNaN();
    }
}
