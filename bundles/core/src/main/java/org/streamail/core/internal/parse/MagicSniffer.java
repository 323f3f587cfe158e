package org.streamail.core.internal.parse;

import java.nio.charset.StandardCharsets;

/**
 * Recognises common file types from their first bytes, independently of what the sender declared. Small on
 * purpose: content detectors (Tika) do the thorough job; this gives every detector a trustworthy
 * {@code detectedType} for free. Stateless and thread-safe.
 */
public final class MagicSniffer {

    public static final String OCTET_STREAM = "application/octet-stream";
    /** How far into a ZIP we look for OOXML part names; local headers of the first entries sit there. */
    private static final int ZIP_SCAN = 64 * 1024;
    private static final int TEXT_SCAN = 8 * 1024;

    private MagicSniffer() {
    }

    /** The sniffed media type of {@code b}, or {@code application/octet-stream}. */
    public static String sniff(byte[] b) {
        if (b.length == 0) {
            return OCTET_STREAM;
        }
        if (starts(b, "%PDF-")) {
            return "application/pdf";
        }
        if (b.length >= 4 && b[0] == 'P' && b[1] == 'K' && (b[2] == 3 && b[3] == 4 || b[2] == 5 && b[3] == 6
                || b[2] == 7 && b[3] == 8)) {
            return zipFlavour(b);
        }
        if (starts(b, 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1)) {
            return "application/x-ole-storage";
        }
        if (starts(b, 0x7F, 'E', 'L', 'F')) {
            return "application/x-executable";
        }
        if (starts(b, 0xFE, 0xED, 0xFA, 0xCE) || starts(b, 0xFE, 0xED, 0xFA, 0xCF) || starts(b, 0xCE, 0xFA, 0xED, 0xFE)
                || starts(b, 0xCF, 0xFA, 0xED, 0xFE)) {
            return "application/x-mach-o-executable";
        }
        if (starts(b, 0xCA, 0xFE, 0xBA, 0xBE)) {
            // Fat Mach-O and Java class files share this magic; a class file's next bytes are its version
            // (major >= 45), a fat binary's the architecture count (small).
            return b.length >= 8 && (b[6] & 0xFF) == 0 && (b[7] & 0xFF) >= 45 ? "application/java-vm"
                    : "application/x-mach-o-executable";
        }
        if (starts(b, 'M', 'Z')) {
            return "application/x-msdownload";
        }
        if (starts(b, "GIF87a") || starts(b, "GIF89a")) {
            return "image/gif";
        }
        if (starts(b, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return "image/png";
        }
        if (starts(b, 0xFF, 0xD8, 0xFF)) {
            return "image/jpeg";
        }
        if (starts(b, "{\\rtf")) {
            return "application/rtf";
        }
        if (starts(b, 0x1F, 0x8B)) {
            return "application/gzip";
        }
        if (starts(b, '7', 'z', 0xBC, 0xAF, 0x27, 0x1C)) {
            return "application/x-7z-compressed";
        }
        if (starts(b, 'R', 'a', 'r', '!', 0x1A, 0x07)) {
            return "application/vnd.rar";
        }
        if (looksLikeHtml(b)) {
            return "text/html";
        }
        if (looksLikeText(b)) {
            return "text/plain";
        }
        return OCTET_STREAM;
    }

    private static String zipFlavour(byte[] b) {
        String names = new String(b, 0, Math.min(b.length, ZIP_SCAN), StandardCharsets.ISO_8859_1);
        if (names.contains("[Content_Types].xml")) {
            if (names.contains("word/")) {
                return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
            }
            if (names.contains("xl/")) {
                return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
            }
            if (names.contains("ppt/")) {
                return "application/vnd.openxmlformats-officedocument.presentationml.presentation";
            }
            return "application/x-tika-ooxml";
        }
        return "application/zip";
    }

    private static boolean looksLikeHtml(byte[] b) {
        int i = 0;
        if (starts(b, 0xEF, 0xBB, 0xBF)) {
            i = 3;
        }
        int limit = Math.min(b.length, 1024);
        while (i < limit && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) {
            i++;
        }
        String head = new String(b, i, Math.min(64, b.length - i), StandardCharsets.ISO_8859_1)
                .toLowerCase(java.util.Locale.ROOT);
        return head.startsWith("<!doctype html") || head.startsWith("<html") || head.startsWith("<head")
                || head.startsWith("<body") || head.startsWith("<script") || head.startsWith("<iframe")
                || head.startsWith("<meta") || head.startsWith("<!--") && head.contains("html");
    }

    /**
     * Whether the first 8 KiB hold a control byte no text has (C0 but tab, CR, LF, FF and ESC, which ISO-2022
     * text uses; DEL). Every archive, compound-file and executable header has one; text in any 8-bit charset
     * has none.
     */
    static boolean hasControlBytes(byte[] b) {
        int n = Math.min(b.length, TEXT_SCAN);
        for (int i = 0; i < n; i++) {
            int c = b[i] & 0xFF;
            if (c < 0x20 && c != '\t' && c != '\r' && c != '\n' && c != '\f' && c != 0x1B || c == 0x7F) {
                return true;
            }
        }
        return false;
    }

    /** UTF-8 (or ASCII) without control characters other than tab, CR, LF, FF in the first 8 KiB. */
    private static boolean looksLikeText(byte[] b) {
        int n = Math.min(b.length, TEXT_SCAN);
        int i = starts(b, 0xEF, 0xBB, 0xBF) ? 3 : 0;
        while (i < n) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                if (c < 0x20 && c != '\t' && c != '\r' && c != '\n' && c != '\f' || c == 0x7F) {
                    return false;
                }
                i++;
                continue;
            }
            int len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
            if (len == 0) {
                return false;
            }
            if (i + len > n) {
                // A sequence cut by the scan window is not evidence against text.
                return i + len > b.length ? false : true;
            }
            for (int k = 1; k < len; k++) {
                if ((b[i + k] & 0xC0) != 0x80) {
                    return false;
                }
            }
            i += len;
        }
        return true;
    }

    private static boolean starts(byte[] b, String ascii) {
        if (b.length < ascii.length()) {
            return false;
        }
        for (int i = 0; i < ascii.length(); i++) {
            if (b[i] != (byte) ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean starts(byte[] b, int... magic) {
        if (b.length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((b[i] & 0xFF) != (magic[i] & 0xFF)) {
                return false;
            }
        }
        return true;
    }
}
