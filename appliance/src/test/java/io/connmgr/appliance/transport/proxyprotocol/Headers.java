package io.connmgr.appliance.transport.proxyprotocol;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/** PROXY protocol headers written by hand from the specification, for the tests to send. */
final class Headers {
    static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    static final int LOCAL = 0x20;
    static final int PROXY = 0x21;
    static final int TCP4 = 0x11;
    static final int UDP4 = 0x12;
    static final int TCP6 = 0x21;
    static final int UNSPEC = 0x00;

    private Headers() {
    }

    /** {@code PROXY TCP4 src dst sport dport\r\n}, or TCP6, or {@code PROXY UNKNOWN\r\n} when {@code family} is so. */
    static byte[] v1(String family, String src, String dst, int srcPort, int dstPort) {
        String line = family.equals("UNKNOWN") ? "PROXY UNKNOWN\r\n"
                : "PROXY %s %s %s %d %d\r\n".formatted(family, src, dst, srcPort, dstPort);
        return line.getBytes(StandardCharsets.US_ASCII);
    }

    /** A v2 header: command byte, family/transport byte, addresses as given, then TLVs (type, length, value). */
    static byte[] v2(int command, int familyTransport, byte[] addresses, byte[]... tlvs) {
        ByteArrayOutputStream tail = new ByteArrayOutputStream();
        tail.writeBytes(addresses);
        for (byte[] tlv : tlvs) {
            tail.writeBytes(tlv);
        }
        return v2Raw(command, familyTransport, tail.size(), tail.toByteArray());
    }

    /** A v2 header whose length field says {@code declaredLength}, whatever follows. */
    static byte[] v2Raw(int command, int familyTransport, int declaredLength, byte[] rest) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(V2_SIGNATURE);
        out.write(command);
        out.write(familyTransport);
        out.write(declaredLength >> 8);
        out.write(declaredLength);
        out.writeBytes(rest);
        return out.toByteArray();
    }

    /** Source address, destination address, source port, destination port, as v2 carries them. */
    static byte[] addresses(String src, String dst, int srcPort, int dstPort) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ip(src));
        out.writeBytes(ip(dst));
        out.write(srcPort >> 8);
        out.write(srcPort);
        out.write(dstPort >> 8);
        out.write(dstPort);
        return out.toByteArray();
    }

    static byte[] tlv(int type, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(type);
        out.write(value.length >> 8);
        out.write(value.length);
        out.writeBytes(value);
        return out.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] ip(String literal) {
        try {
            return InetAddress.getByName(literal).getAddress(); // literals only: nothing is looked up
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
