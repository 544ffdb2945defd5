package io.connmgr.agent;

import io.connmgr.agent.config.AgentConfig;
import io.connmgr.agent.control.LinkTls;
import io.connmgr.agent.control.ConnectionState;
import io.connmgr.agent.control.DeviceClient;
import io.connmgr.agent.control.DeviceClientListener;
import io.connmgr.agent.control.DisconnectCause;
import io.connmgr.agent.control.ReconnectPolicy;
import io.connmgr.agent.control.StateChange;
import io.connmgr.protocol.message.Capabilities;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The running agent: a {@link DeviceClient} built from the config, its state log, and the extensions. */
public final class Agent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Agent.class);

    private final DeviceClient client;
    private final AgentConfig config;
    private final List<AgentExtension> extensions;

    public Agent(AgentConfig config, List<AgentExtension> extensions) {
        this.extensions = List.copyOf(extensions);
        this.config = config;
        String appliance = config.appliance().toString();
        AgentConfig.Features features = config.features();
        int capabilities = Capabilities.CM_COMMANDS;
        DeviceClient.Builder builder = DeviceClient.builder()
                .appliance(config.appliance().host(), config.appliance().port())
                .deviceId(config.deviceId())
                .token(config.token())
                .keepAliveSeconds((int) config.keepAlive().toSeconds())
                .reconnectPolicy(new ReconnectPolicy(config.backoffInitial(), config.backoffCap(),
                        ReconnectPolicy.DEFAULT_STABLE_AFTER))
                .handshakeTimeout(config.handshakeTimeout())
                .streamMode(features.streamMode())
                .streamWindow(features.streamWindow())
                .maxStreams(features.maxStreams())
                .dataConnectionSplice(features.dataConnectionSplice())
                .localConnectTimeout(features.localConnectTimeout())
                .proxy(features.via())
                .tls(config.tls().enabled() ? LinkTls.of(config.tls().ca(), config.tls().cert(), config.tls().key(),
                        config.tls().verifyHost()) : null)
                .listener(new DeviceClientListener() {
                    @Override
                    public void onStateChange(StateChange change) {
                        logStateChange(StateLogLine.format(change, appliance, config.deviceId()), change);
                    }
                });
        AgentConfig.OnDemand onDemand = config.onDemand();
        if (onDemand.enabled()) {
            builder.onDemand(onDemand.quietPeriod(), onDemand.reconnectInterval());
        }
        if (onDemand.directAddress() != null) {
            builder.directAddress(onDemand.directAddress());
        }
        features.expose().forEach(builder::expose);
        features.links().forEach(builder::link);
        for (AgentExtension extension : this.extensions) {
            capabilities |= extension.capabilities();
            builder.listener(extension.listener());
            extension.configure(builder);
        }
        this.client = builder.capabilities(capabilities).build();
        for (AgentExtension extension : this.extensions) {
            extension.attach(client);
        }
    }

    public Agent start() {
        client.start();
        AgentConfig.Features f = config.features();
        AgentConfig.OnDemand onDemand = config.onDemand();
        if (onDemand.enabled() || onDemand.directAddress() != null) {
            log.info("{}, direct address {}", onDemand.enabled() ? "on demand (quiet " + onDemand.quietPeriod().toMillis()
                    + " ms, reconnect every " + onDemand.reconnectInterval().toMillis() + " ms)" : "persistent",
                    onDemand.directAddress() == null ? "none" : onDemand.directAddress());
        }
        if (!f.expose().isEmpty() || !f.links().isEmpty() || f.via() != null) {
            log.info("exposing {} ({} streams), links {}, via {}", f.expose(), f.streamMode().name().toLowerCase(
                    java.util.Locale.ROOT).replace('_', '-'), f.links(), f.via() == null ? "direct" : f.via());
        }
        return this;
    }

    public DeviceClient client() {
        return client;
    }

    /** Completes once the agent has closed. */
    public CompletableFuture<Void> whenClosed() {
        return client.whenClosed();
    }

    @Override
    public void close() {
        for (AgentExtension extension : extensions.reversed()) {
            extension.close();
        }
        client.close();
    }

    private static void logStateChange(String line, StateChange change) {
        DisconnectCause cause = change.cause();
        boolean trouble = change.state() == ConnectionState.BACKING_OFF && cause != null
                && cause.kind() != DisconnectCause.Kind.GOAWAY;
        if (trouble) {
            log.warn(line);
        } else {
            log.info(line);
        }
    }
}
