package io.connmgr.agent.stream;

import java.util.concurrent.CompletionStage;

/**
 * Tells the device's own application that a back-end wants it to dial in (a connection-initiating device, capability
 * CONNECT_REQUESTS). The application then opens a data connection with {@link DataConnection#attach} and the
 * request's token. Called off the event loop, on the client's worker executor, so it may block; the client answers
 * the appliance {@code OK} when the returned stage completes normally and {@code FAILED} when it fails or throws.
 */
@FunctionalInterface
public interface ConnectRequestHandler {

    CompletionStage<Void> onConnectRequest(ConnectRequestInfo request) throws Exception;
}
