package org.streamail.detect.content.internal;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Locale;

/** Small text helpers. Stateless. */
final class Texts {
    private Texts() {
    }

    /** At most {@code max} characters, with an ellipsis when cut; control characters made visible. */
    static String clip(String s, int max) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), max) + 8);
        for (int i = 0; i < s.length() && b.length() < max; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || Names.isBidiControl(c)) {
                b.append(String.format("<U+%04X>", (int) c));
            } else {
                b.append(c);
            }
        }
        if (b.length() >= max && s.length() > max) {
            b.setLength(max);
            b.append('…');
        }
        return b.toString();
    }

    static String nfc(String s) {
        return s == null ? "" : Normalizer.normalize(s, Normalizer.Form.NFC);
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    /** UTF-16 text with a byte-order mark as UTF-8 (what a browser reads); other bytes unchanged. */
    static byte[] utf16ToUtf8(byte[] b) {
        if (b.length >= 2 && ((b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xFE
                || (b[0] & 0xff) == 0xFE && (b[1] & 0xff) == 0xFF)) {
            return new String(b, StandardCharsets.UTF_16).getBytes(StandardCharsets.UTF_8);
        }
        return b;
    }

    /** Bytes as Latin-1 text: every byte one char, so offsets match and binary never fails to decode. */
    static String latin1(byte[] b, int off, int len) {
        return new String(b, off, len, StandardCharsets.ISO_8859_1);
    }

    /** Index of {@code needle} in {@code hay[from, to)}, or -1. */
    static int indexOf(byte[] hay, int from, int to, byte[] needle) {
        to = Math.min(to, hay.length);
        outer:
        for (int i = Math.max(0, from); i <= to - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static boolean startsWith(byte[] b, int off, byte[] prefix) {
        if (off < 0 || b.length - off < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[off + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static int u16le(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8;
    }

    static int i32le(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    static long u32le(byte[] b, int off) {
        return i32le(b, off) & 0xffffffffL;
    }

    static int i32be(byte[] b, int off) {
        return (b[off] & 0xff) << 24 | (b[off + 1] & 0xff) << 16 | (b[off + 2] & 0xff) << 8 | (b[off + 3] & 0xff);
    }
}
