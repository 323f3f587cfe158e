package org.streamail.detect.auth.internal.spf;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.streamail.api.net.IpLiteral;

/**
 * Address helpers for SPF: strict literal parsing (never a DNS look-up, unlike {@code InetAddress.getByName}),
 * CIDR matching and the text forms the macros need.
 */
final class Ip {

    private Ip() {
    }

    /** True when the first {@code prefix} bits of both addresses (of one family) are equal. */
    static boolean inNetwork(byte[] ip, byte[] network, int prefix) {
        if (ip.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (ip[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (ip[full] & mask) == (network[full] & mask);
    }

    /** RFC 7208 ip4-network: four dec-octets without leading zeros, or null. */
    static byte[] parse4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0') || !digits(p)) {
                return null;
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                return null;
            }
            out[i] = (byte) v;
        }
        return out;
    }

    /** An IPv6 literal (RFC 4291 2.2, with "::" and a dotted IPv4 tail), or null. */
    static byte[] parse6(String s) {
        if (s.length() > 45 || s.length() < 2) {
            return null;
        }
        int gap = s.indexOf("::");
        if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        byte[] out = new byte[16];
        if (gap < 0) {
            return groups(s, out, 0, 16) == 16 ? out : null;
        }
        byte[] head = new byte[16];
        byte[] tail = new byte[16];
        int h = gap == 0 ? 0 : groups(s.substring(0, gap), head, 0, 14);
        String t = s.substring(gap + 2);
        int n = t.isEmpty() ? 0 : groups(t, tail, 0, 14);
        if (h < 0 || n < 0 || h + n > 14) {
            return null;
        }
        System.arraycopy(head, 0, out, 0, h);
        System.arraycopy(tail, 0, out, 16 - n, n);
        return out;
    }

    /** Colon-separated groups (the last may be dotted IPv4) into out from pos; the bytes written, or -1. */
    private static int groups(String s, byte[] out, int pos, int max) {
        String[] g = s.split(":", -1);
        int p = pos;
        for (int i = 0; i < g.length; i++) {
            String x = g[i];
            if (i == g.length - 1 && x.indexOf('.') >= 0) {
                byte[] v4 = parse4(x);
                if (v4 == null || p + 4 > max) {
                    return -1;
                }
                System.arraycopy(v4, 0, out, p, 4);
                p += 4;
                continue;
            }
            if (x.isEmpty() || x.length() > 4 || p + 2 > max) {
                return -1;
            }
            int v = 0;
            for (int k = 0; k < x.length(); k++) {
                int d = Character.digit(x.charAt(k), 16);
                if (d < 0) {
                    return -1;
                }
                v = v * 16 + d;
            }
            out[p++] = (byte) (v >> 8);
            out[p++] = (byte) v;
        }
        return p - pos;
    }

    private static boolean digits(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** The %{i} form: dotted decimal, or 32 dot-separated nibbles for IPv6 (RFC 7208 7.3). */
    static String macroForm(byte[] b) {
        StringBuilder sb = new StringBuilder(64);
        if (b.length == 4) {
            return dotted(b);
        }
        for (byte x : b) {
            if (sb.length() > 0) {
                sb.append('.');
            }
            sb.append(Character.forDigit((x >> 4) & 0xf, 16)).append('.').append(Character.forDigit(x & 0xf, 16));
        }
        return sb.toString();
    }

    /** The %{c} form: dotted decimal, or the RFC 5952 text of an IPv6 address (the gateway's one text form). */
    static String readable(byte[] b) {
        try {
            return IpLiteral.canonical(InetAddress.getByAddress(b));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address: " + b.length + " bytes", e);
        }
    }

    private static String dotted(byte[] b) {
        return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff);
    }
}
