package io.connmgr.loadtest;

import io.connmgr.loadtest.backend.BackendLatencyCommand;
import io.connmgr.loadtest.density.DensityCommand;
import io.connmgr.loadtest.fleet.FleetWorkerCommand;
import io.connmgr.loadtest.messages.MessagesCommand;
import io.connmgr.loadtest.relay.RelayCommand;
import io.connmgr.loadtest.soak.SoakCommand;
import io.connmgr.loadtest.wake.WakeCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code bin/cm loadtest SCENARIO}. */
@Command(name = "cm loadtest", mixinStandardHelpOptions = true,
        description = "Load-test scenarios against a real appliance process.",
        subcommands = {DensityCommand.class, WakeCommand.class, MessagesCommand.class, RelayCommand.class, SoakCommand.class,
                BackendLatencyCommand.class, FleetWorkerCommand.class})
public final class LoadTestMain implements Runnable {

    /** Under its usual name, client-agent's logback.xml would also be on the class path and win at random. */
    public static final String LOGBACK_CONFIG = "loadtest-logback.xml";

    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", LOGBACK_CONFIG);
        }
        int rc = new CommandLine(new LoadTestMain()).execute(args);
        System.exit(rc);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.err);
    }
}
