package io.connmgr.agent;

import io.connmgr.agent.config.AgentConfig;
import io.connmgr.agent.control.DeviceClient;
import io.connmgr.agent.exec.CommandRpcHandler;
import io.connmgr.agent.exec.ConnectRequestNotifier;

/**
 * The agent's command-line glue around the library's handlers: connect requests passed to a command or a local URL,
 * and RPCs answered by a command.
 */
final class CommandFeatures implements AgentExtension {
    /** Largest RPC reply read from a command; a reply must fit in one frame. */
    private static final int MAX_RPC_REPLY = 1024 * 1024 - 16;

    private final AgentConfig.Features features;

    CommandFeatures(AgentConfig config) {
        this.features = config.features();
    }

    @Override
    public void configure(DeviceClient.Builder builder) {
        if (!features.onConnectRequestExec().isEmpty() || features.onConnectRequestUrl() != null) {
            builder.connectRequestHandler(new ConnectRequestNotifier(features.onConnectRequestExec(),
                    features.onConnectRequestUrl(), features.execTimeout()));
        }
        if (!features.rpcExec().isEmpty()) {
            builder.rpcHandler(new CommandRpcHandler(features.rpcExec(), features.execTimeout(), MAX_RPC_REPLY));
        }
    }

    @Override
    public void close() {
        // nothing held: the client owns the worker threads
    }
}
