package io.connmgr.appliance.admin;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AdminRequestTest {

    private static AdminRequest request(Map<String, List<String>> query, Map<String, String> headers) {
        return new AdminRequest(HttpMethod.POST, "/v1/test", Map.of(), query, new byte[0], headers);
    }

    @Test
    void durationHeader_wholeSecondsOrANumberWithAUnit() {
        AdminRequest r = request(Map.of(), Map.of("x-a", "30", "x-b", " 500ms ", "x-c", "5m", "x-d", "  "));
        assertThat(r.durationHeader("X-A")).contains(Duration.ofSeconds(30));
        assertThat(r.durationHeader("X-B")).contains(Duration.ofMillis(500));
        assertThat(r.durationHeader("X-C")).contains(Duration.ofMinutes(5));
        assertThat(r.durationHeader("X-D")).isEmpty();
        assertThat(r.durationHeader("X-Absent")).isEmpty();
    }

    @Test
    void durationParameter_wholeSecondsOrANumberWithAUnit() {
        AdminRequest r = request(Map.of("timeout", List.of("2"), "wait", List.of("300ms"), "none", List.of("")),
                Map.of());
        assertThat(r.durationParameter("timeout")).contains(Duration.ofSeconds(2));
        assertThat(r.durationParameter("wait")).contains(Duration.ofMillis(300));
        assertThat(r.durationParameter("none")).isEmpty();
        assertThat(r.durationParameter("absent")).isEmpty();
    }

    @Test
    void aBadOrOverflowingDuration_is400_namingTheField() {
        AdminRequest r = request(Map.of("timeout", List.of("soon"), "huge", List.of("999999999999d")),
                Map.of("x-message-ttl", "-1s"));
        for (Runnable read : List.<Runnable>of(() -> r.durationParameter("timeout"),
                () -> r.durationParameter("huge"), () -> r.durationHeader("X-Message-TTL"))) {
            assertThatThrownBy(read::run).isInstanceOfSatisfying(ApiException.class, e -> {
                assertThat(e.status()).isEqualTo(HttpResponseStatus.BAD_REQUEST);
                assertThat(e.getMessage()).contains("must be whole seconds or a duration such as 500ms");
            });
        }
    }
}
