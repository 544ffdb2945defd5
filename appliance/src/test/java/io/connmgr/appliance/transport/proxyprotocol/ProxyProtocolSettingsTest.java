package io.connmgr.appliance.transport.proxyprotocol;

import io.connmgr.appliance.config.ConfigException;
import io.connmgr.appliance.config.ConfigLoader;
import io.connmgr.appliance.config.ProxyProtocolConfig;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProxyProtocolSettingsTest {
    static final InetSocketAddress BALANCER = new InetSocketAddress("10.0.5.10", 40000);
    static final InetSocketAddress OTHER = new InetSocketAddress("10.0.6.10", 40000);

    static ProxyProtocolConfig load(Map<String, String> flags) {
        return ConfigLoader.load(null, flags).proxyProtocol();
    }

    @Test
    void byDefault_noListenerTrustsAnyone() {
        ProxyProtocolConfig c = load(Map.of());

        assertThat(c.device().isEmpty()).isTrue();
        assertThat(c.proxy().isEmpty()).isTrue();
        assertThat(c.control().isEmpty()).isTrue();
    }

    @Test
    void theSharedList_appliesToEveryListenerWithoutItsOwn() {
        ProxyProtocolConfig c = load(Map.of("proxy-protocol-trusted", "10.0.5.10/32",
                "proxy-protocol-trusted-proxy", "10.0.6.0/24", "proxy-protocol-trusted-control", "none"));

        assertThat(c.device().contains(BALANCER)).isTrue();
        assertThat(c.proxy().contains(BALANCER)).isFalse();
        assertThat(c.proxy().contains(OTHER)).isTrue();
        assertThat(c.control().isEmpty()).isTrue();
    }

    @Test
    void aListenerMayTrustABalancerWhenTheSharedListIsEmpty() {
        ProxyProtocolConfig c = load(Map.of("proxy-protocol-trusted-device", "10.0.5.10"));

        assertThat(c.device().contains(BALANCER)).isTrue();
        assertThat(c.proxy().isEmpty()).isTrue();
    }

    @Test
    void badLists_areReportedTogether_eachNamingItsKey() {
        assertThatThrownBy(() -> load(Map.of("proxy-protocol-trusted", "balancer.example",
                "proxy-protocol-trusted-control", "10.0.0.0/33")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .anySatisfy(p -> assertThat(p).startsWith("proxy-protocol-trusted: "))
                        .anySatisfy(p -> assertThat(p).startsWith("proxy-protocol-trusted-control: ")));
    }

    @Test
    void none_isOnlyAPerListenerWord() {
        assertThatThrownBy(() -> load(Map.of("proxy-protocol-trusted", "none")))
                .isInstanceOf(ConfigException.class);
    }
}
