package io.connmgr.appliance;

import io.connmgr.appliance.config.ApplianceConfig;
import io.connmgr.appliance.config.ConfigException;
import io.connmgr.appliance.config.ConfigLoader;
import io.connmgr.appliance.config.Setting;
import io.connmgr.appliance.config.Settings;
import io.connmgr.appliance.store.StoreException;
import io.connmgr.appliance.transport.tls.ApplianceTls;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code bin/cm appliance}: every configuration key is also a {@code --key value} flag, generated from
 * {@link Settings} so the two can never drift apart.
 */
public final class ApplianceMain {
    static final int EXIT_CONFIG = 2;
    static final int EXIT_STARTUP = 1;

    private ApplianceMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        CommandSpec spec = commandSpec();
        CommandLine cli = new CommandLine(spec);
        ParseResult parsed;
        try {
            parsed = cli.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            System.err.println("cm appliance: " + e.getMessage());
            cli.usage(System.err);
            return EXIT_CONFIG;
        }
        if (parsed.isUsageHelpRequested()) {
            cli.usage(System.out);
            return 0;
        }
        ApplianceConfig config;
        try {
            config = ConfigLoader.load(parsed.matchedOptionValue("--config", (Path) null), flags(parsed));
        } catch (ConfigException e) {
            System.err.println("cm appliance: " + e.getMessage());
            return EXIT_CONFIG;
        }
        Path configFile = parsed.matchedOptionValue("--config", (Path) null);
        Map<String, String> flags = flags(parsed);
        Appliance appliance = new Appliance(config).withTlsSettings(() -> ConfigLoader.load(configFile, flags).tls());
        try {
            appliance.start();
            reloadTlsOnHangup(appliance);
        } catch (StoreException | IllegalStateException | java.io.UncheckedIOException e) {
            System.err.println("cm appliance: cannot start: " + e.getMessage());
            appliance.close();
            return EXIT_STARTUP;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EXIT_STARTUP;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            appliance.drain();
            stopped.countDown();
        }, "drain"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** SIGHUP reads the TLS certificate, key and CA (and the TLS settings) again; connections stay up. */
    private static void reloadTlsOnHangup(Appliance appliance) {
        if (appliance.tls() == null) {
            return;
        }
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> {
                ApplianceTls.Reload r = appliance.reloadTls();
                System.err.println("cm appliance: SIGHUP: TLS " + (r.error() == null
                        ? "reloaded, certificate " + r.subject() + " sha256 " + r.sha256()
                        : "reload failed, previous certificate kept: " + r.error()));
            });
        } catch (IllegalArgumentException e) {
            System.err.println("cm appliance: SIGHUP cannot be handled here (" + e.getMessage()
                    + "): reload TLS with POST /v1/admin/tls/reload");
        }
    }

    static CommandSpec commandSpec() {
        CommandSpec spec = CommandSpec.create().name("cm appliance");
        spec.usageMessage().description("Runs the persistent-connection manager appliance.",
                "Every setting can be given in the YAML file (--config) or as a flag; flags win.",
                "See docs/configuration.md.");
        spec.mixinStandardHelpOptions(true);
        spec.addOption(OptionSpec.builder("--config").type(Path.class).paramLabel("FILE")
                .description("YAML configuration file").build());
        for (Setting s : Settings.ALL) {
            spec.addOption(OptionSpec.builder("--" + s.name()).type(String.class)
                    .paramLabel(s.kind().name())
                    .description(s.description() + " Default: " + s.defaultValue() + ".")
                    .build());
        }
        return spec;
    }

    private static Map<String, String> flags(ParseResult parsed) {
        Map<String, String> flags = new LinkedHashMap<>();
        for (Setting s : Settings.ALL) {
            String value = parsed.matchedOptionValue("--" + s.name(), (String) null);
            if (value != null) {
                flags.put(s.name(), value);
            }
        }
        return flags;
    }
}
