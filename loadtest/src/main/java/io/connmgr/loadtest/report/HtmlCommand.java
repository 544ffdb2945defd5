package io.connmgr.loadtest.report;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code cm loadtest html REPORT.json...}: (re)writes the HTML rendering beside each report. */
@Command(name = "html", mixinStandardHelpOptions = true,
        description = "Write REPORT.html beside each REPORT.json (scenarios do this themselves; this renders a report "
                + "again, for example after an upgrade of the harness).")
public final class HtmlCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "REPORT.json")
    List<Path> reports;

    @Override
    public Integer call() {
        int rc = 0;
        for (Path json : reports) {
            try {
                Path html = Report.htmlPath(json);
                Files.writeString(html, HtmlReport.render(Report.read(json)));
                System.out.println(html);
            } catch (IOException e) {
                System.err.println("html: " + e.getMessage());
                rc = 2;
            }
        }
        return rc;
    }
}
