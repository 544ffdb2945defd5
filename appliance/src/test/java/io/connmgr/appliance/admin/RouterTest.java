package io.connmgr.appliance.admin;

import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RouterTest {
    private final RouteHandler handler = request -> AdminResponse.noContent();
    private final Router router = Router.builder()
            .add(HttpMethod.GET, "/v1/devices", Route.Access.TOKEN, Route.Execution.WORKER, handler)
            .add(HttpMethod.POST, "/v1/devices", Route.Access.TOKEN, Route.Execution.WORKER, handler)
            .add(HttpMethod.GET, "/v1/devices/{id}", Route.Access.TOKEN, Route.Execution.WORKER, handler)
            .add(HttpMethod.POST, "/v1/devices/{id}/tier", Route.Access.TOKEN, Route.Execution.WORKER, handler)
            .build();

    @Test
    void match_capturesVariablesStillEncoded() {
        RouteMatch match = router.match(HttpMethod.POST, "/v1/devices/a%3Ab/tier");

        assertThat(match).isInstanceOfSatisfying(RouteMatch.Found.class, found -> {
            assertThat(found.rawVariables()).isEqualTo(Map.of("id", "a%3Ab"));
            assertThat(found.routeTag()).isEqualTo("/v1/devices/{id}/tier");
        });
    }

    @Test
    void match_wrongMethod_listsAllowedMethods() {
        assertThat(router.match(HttpMethod.DELETE, "/v1/devices"))
                .isEqualTo(new RouteMatch.MethodNotAllowed("/v1/devices", java.util.Set.of("GET", "POST")));
    }

    @Test
    void match_emptyVariableOrExtraSegment_isNotFound() {
        assertThat(router.match(HttpMethod.GET, "/v1/devices/")).isInstanceOf(RouteMatch.NotFound.class);
        assertThat(router.match(HttpMethod.GET, "/v1/devices//tier")).isInstanceOf(RouteMatch.NotFound.class);
        assertThat(router.match(HttpMethod.GET, "/v1/devices/a/b/c")).isInstanceOf(RouteMatch.NotFound.class);
        assertThat(router.match(HttpMethod.GET, "v1/devices")).isInstanceOf(RouteMatch.NotFound.class);
        assertThat(router.match(HttpMethod.GET, "/")).isInstanceOf(RouteMatch.NotFound.class);
    }

    @Test
    void unmatchedPaths_shareOneMetricsTag() {
        assertThat(router.match(HttpMethod.GET, "/random/" + System.nanoTime()).routeTag())
                .isEqualTo(router.match(HttpMethod.GET, "/other").routeTag());
    }

    @Test
    void builder_refusesDuplicatesAndBadTemplates() {
        assertThatThrownBy(() -> Router.builder()
                .add(HttpMethod.GET, "/a", Route.Access.OPEN, Route.Execution.WORKER, handler)
                .add(HttpMethod.GET, "/a", Route.Access.OPEN, Route.Execution.WORKER, handler))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PathTemplate.parse("/a/{}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PathTemplate.parse("/a//b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PathTemplate.parse("a")).isInstanceOf(IllegalArgumentException.class);
    }
}
