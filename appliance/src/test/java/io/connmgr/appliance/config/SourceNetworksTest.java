package io.connmgr.appliance.config;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SourceNetworksTest {

    static InetSocketAddress peer(String address) {
        return new InetSocketAddress(address, 40000);
    }

    @Test
    void contains_whenPeerInsideAnyNetwork_thenTrue() {
        SourceNetworks n = SourceNetworks.parse("127.0.0.0/8, 10.1.0.0/16,::1, 192.168.7.9");

        assertThat(n.contains(peer("127.4.5.6"))).isTrue();
        assertThat(n.contains(peer("10.1.255.1"))).isTrue();
        assertThat(n.contains(peer("::1"))).isTrue();
        assertThat(n.contains(peer("192.168.7.9"))).isTrue();
        assertThat(n.contains(peer("::ffff:127.0.0.1"))).as("IPv4-mapped IPv6").isTrue();
    }

    @Test
    void contains_whenPeerOutside_thenFalse() {
        SourceNetworks n = SourceNetworks.parse("10.1.0.0/16,192.168.7.9/32,172.16.0.0/12");

        assertThat(n.contains(peer("10.2.0.1"))).isFalse();
        assertThat(n.contains(peer("192.168.7.10"))).isFalse();
        assertThat(n.contains(peer("172.32.0.1"))).isFalse();
        assertThat(n.contains(peer("172.31.255.255"))).isTrue();
        assertThat(n.contains(peer("::1"))).isFalse();
    }

    @Test
    void parse_whenEmpty_thenContainsNothing() {
        assertThat(SourceNetworks.parse("").contains(peer("127.0.0.1"))).isFalse();
        assertThat(SourceNetworks.parse(" ").isEmpty()).isTrue();
    }

    @Test
    void parse_whenNotAnAddressOrBadPrefix_thenNamesTheEntry() {
        assertThatThrownBy(() -> SourceNetworks.parse("127.0.0.0/8,example.com"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("example.com");
        assertThatThrownBy(() -> SourceNetworks.parse("10.0.0.0/33"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10.0.0.0/33");
        assertThatThrownBy(() -> SourceNetworks.parse("10.0.0.0/x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10.0.0.0/x");
    }
}
