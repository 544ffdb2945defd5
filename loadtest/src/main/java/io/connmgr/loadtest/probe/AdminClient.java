package io.connmgr.loadtest.probe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The few admin API calls a benchmark needs. */
public final class AdminClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;
    private final String token;

    public AdminClient(int port, String token) {
        this.base = URI.create("http://127.0.0.1:" + port);
        this.token = token;
    }

    public record Stats(long active, long idle, long sleep, long total) {
        public long inTier(String tier) {
            return switch (tier) {
                case "ACTIVE" -> active;
                case "IDLE" -> idle;
                case "SLEEP" -> sleep;
                default -> throw new IllegalArgumentException(tier);
            };
        }
    }

    public Stats stats() throws IOException, InterruptedException {
        JsonNode n = JSON.readTree(get("/v1/stats"));
        return new Stats(n.path("active").asLong(), n.path("idle").asLong(), n.path("sleep").asLong(),
                n.path("total").asLong());
    }

    public String metrics() throws IOException, InterruptedException {
        return get("/metrics");
    }

    /** Whether {@code GET /readyz} answers 200 now (false when it answers otherwise or not at all). */
    public boolean ready() {
        try {
            get("/readyz");
            return true;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(path))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }
}
