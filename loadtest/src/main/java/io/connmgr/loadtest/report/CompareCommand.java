package io.connmgr.loadtest.report;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code cm loadtest compare A.json B.json}: the change of every figure from one run to another. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Print the differences between two load-test reports: every figure, latency percentile, error "
                + "count and peer ratio found in either, as A, B, delta and delta %%.",
                "Rows changed by at least --threshold percent are marked *; peer ratios (ours / theirs) are marked."})
public final class CompareCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "A.json", description = "the earlier (reference) report")
    Path a;

    @Parameters(index = "1", paramLabel = "B.json", description = "the later report")
    Path b;

    @Option(names = "--threshold", paramLabel = "PERCENT", defaultValue = "5",
            description = "mark changes of at least this many percent (default: ${DEFAULT-VALUE})")
    double threshold;

    @Override
    public Integer call() {
        Map<String, Object> ta;
        Map<String, Object> tb;
        try {
            ta = Report.read(a);
            tb = Report.read(b);
        } catch (IOException e) {
            System.err.println("compare: " + e.getMessage());
            return 2;
        }
        System.out.print(Comparison.of(ta, tb).render(describe(a, ta), describe(b, tb), threshold));
        return 0;
    }

    private static String describe(Path file, Map<String, Object> tree) {
        return file + " (" + tree.get("scenario") + ", " + tree.get("started_at") + ")";
    }
}
