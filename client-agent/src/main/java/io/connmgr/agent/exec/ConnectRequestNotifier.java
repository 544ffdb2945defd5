package io.connmgr.agent.exec;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.connmgr.agent.stream.ConnectRequestHandler;
import io.connmgr.agent.stream.ConnectRequestInfo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The agent's way of telling a local application about a CONNECT_REQUEST ({@code --on-connect-request-exec} and/or
 * {@code --on-connect-request-url}): runs a command with the request in environment variables, and/or POSTs it as
 * JSON to a local URL. Succeeds when the command exits 0 and the URL answers 2xx, each within the timeout.
 */
public final class ConnectRequestNotifier implements ConnectRequestHandler {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> command;
    private final URI url;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param command the command and its arguments, or empty for none
     * @param url     where to POST, or {@code null} for none
     */
    public ConnectRequestNotifier(List<String> command, URI url, Duration timeout) {
        this.command = List.copyOf(command);
        this.url = url;
        this.timeout = timeout;
        this.http = url == null ? null : HttpClient.newBuilder().connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).proxy(HttpClient.Builder.NO_PROXY).build();
    }

    /** The request as environment variables ({@code CM_*}) for the command. */
    public static Map<String, String> environment(ConnectRequestInfo r) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CM_APPLIANCE_HOST", r.applianceHost());
        env.put("CM_APPLIANCE_PORT", Integer.toString(r.appliancePort()));
        env.put("CM_STREAM_TOKEN", r.tokenHex());
        env.put("CM_PORT", Integer.toString(r.port()));
        env.put("CM_ORIGIN", r.origin());
        env.put("CM_REQUEST_ID", Long.toString(r.requestId()));
        return env;
    }

    /** The request as the JSON body posted to the URL. */
    public static byte[] json(ConnectRequestInfo r) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("applianceHost", r.applianceHost());
        body.put("appliancePort", r.appliancePort());
        body.put("token", r.tokenHex());
        body.put("port", r.port());
        body.put("origin", r.origin());
        body.put("requestId", r.requestId());
        return JSON.writeValueAsBytes(body);
    }

    @Override
    public CompletionStage<Void> onConnectRequest(ConnectRequestInfo request) throws Exception {
        if (!command.isEmpty()) {
            ProcessRunner.Result result = ProcessRunner.run(command, environment(request), new byte[0], timeout, 0);
            if (result.exitCode() != 0) {
                throw new IOException(command.getFirst() + " exited with status " + result.exitCode()
                        + (result.stderr().length == 0 ? "" : ": " + result.stderrLine()));
            }
        }
        if (url != null) {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(url)
                    .timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json(request)))
                    .build(), HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() / 100 != 2) {
                throw new IOException(url + " answered HTTP " + response.statusCode());
            }
        }
        return CompletableFuture.completedFuture(null);
    }
}
