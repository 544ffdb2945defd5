package io.connmgr.appliance.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * A set of networks in CIDR notation ({@code 127.0.0.0/8, ::1/128, 10.1.2.3}), matched against peer addresses.
 * IPv4-mapped IPv6 peers ({@code ::ffff:127.0.0.1}) match IPv4 networks.
 */
public final class SourceNetworks {
    public static final SourceNetworks NONE = new SourceNetworks(List.of(), "");

    private record Network(byte[] prefix, int bits) {
        boolean contains(byte[] address) {
            if (address.length != prefix.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != prefix[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return (address[full] & mask) == (prefix[full] & mask);
        }
    }

    private final List<Network> networks;
    private final String text;

    private SourceNetworks(List<Network> networks, String text) {
        this.networks = networks;
        this.text = text;
    }

    /** Parses a comma-separated list; throws {@link IllegalArgumentException} naming the bad entry. */
    public static SourceNetworks parse(String text) {
        if (text == null || text.isBlank()) {
            return NONE;
        }
        List<Network> out = new ArrayList<>();
        for (String entry : text.split(",")) {
            String e = entry.trim();
            if (!e.isEmpty()) {
                out.add(network(e));
            }
        }
        return new SourceNetworks(List.copyOf(out), text.trim());
    }

    private static Network network(String entry) {
        int slash = entry.indexOf('/');
        String host = slash < 0 ? entry : entry.substring(0, slash);
        // Only literal addresses: a host name here would be resolved once, at start-up, and silently go stale.
        if (host.isEmpty() || !host.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
            throw new IllegalArgumentException("'" + entry + "' is not an address or CIDR network");
        }
        byte[] prefix;
        try {
            prefix = InetAddress.getByName(host).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + entry + "' is not an address or CIDR network");
        }
        int max = prefix.length * 8;
        int bits = max;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(entry.substring(slash + 1));
            } catch (NumberFormatException e) {
                bits = -1;
            }
            if (bits < 0 || bits > max) {
                throw new IllegalArgumentException("'" + entry + "' has a prefix length outside 0.." + max);
            }
        }
        return new Network(prefix, bits);
    }

    public boolean contains(SocketAddress peer) {
        if (networks.isEmpty() || !(peer instanceof InetSocketAddress isa) || isa.getAddress() == null) {
            return false;
        }
        byte[] address = isa.getAddress().getAddress();
        if (address.length == 16 && isIpv4Mapped(address)) {
            byte[] v4 = {address[12], address[13], address[14], address[15]};
            if (networks.stream().anyMatch(n -> n.contains(v4))) {
                return true;
            }
        }
        return networks.stream().anyMatch(n -> n.contains(address));
    }

    private static boolean isIpv4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xFF && a[11] == (byte) 0xFF;
    }

    public boolean isEmpty() {
        return networks.isEmpty();
    }

    @Override
    public String toString() {
        return text;
    }
}
