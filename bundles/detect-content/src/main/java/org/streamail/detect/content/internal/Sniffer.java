package org.streamail.detect.content.internal;

import java.util.Locale;

/**
 * Recognises a part by its first bytes (and, for disk images, its last 512). Deliberately independent of
 * names and declared types: those are what an attacker controls. Stateless, thread-safe.
 */
final class Sniffer {
    static final int HEAD = 64 * 1024;

    private static final byte[] OLE = {(byte) 0xD0, (byte) 0xCF, 0x11, (byte) 0xE0, (byte) 0xA1, (byte) 0xB1, 0x1A,
            (byte) 0xE1};
    private static final byte[] LNK = {0x4C, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0, (byte) 0xC0, 0, 0, 0, 0, 0, 0,
            0x46};
    private static final byte[] ONENOTE = {(byte) 0xE4, 0x52, 0x5C, 0x7B, (byte) 0x8C, (byte) 0xD8, (byte) 0xA7, 0x4D,
            (byte) 0xAE, (byte) 0xB1, 0x53, 0x78, (byte) 0xD0, 0x29, (byte) 0x96, (byte) 0xD3};
    private static final byte[] SEVENZ = {0x37, 0x7A, (byte) 0xBC, (byte) 0xAF, 0x27, 0x1C};
    private static final byte[] XZ = {(byte) 0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00};
    private static final byte[] PNG = {(byte) 0x89, 0x50, 0x4E, 0x47};

    private Sniffer() {
    }

    /**
     * @param head the first bytes (up to {@link #HEAD})
     * @param tail the last 512 bytes of the whole part when known, else {@code null}
     */
    static Kind sniff(byte[] head, byte[] tail) {
        int n = head.length;
        if (n == 0) {
            return Kind.UNKNOWN;
        }
        if (n >= 2 && head[0] == 'M' && head[1] == 'Z' && isPe(head)) {
            return Kind.PE;
        }
        if (starts(head, new byte[] {0x7F, 'E', 'L', 'F'}) && n > 4 && (head[4] == 1 || head[4] == 2)) {
            return Kind.ELF;
        }
        if (n >= 8) {
            int m = Texts.i32be(head, 0);
            if (m == 0xFEEDFACE || m == 0xFEEDFACF || m == 0xCEFAEDFE || m == 0xCFFAEDFE) {
                return Kind.MACHO;
            }
            if (m == 0xCAFEBABE) {
                int second = Texts.i32be(head, 4);
                // Java class: minor(2) major(2); Mach-O universal: number of architectures, small.
                int major = second & 0xffff;
                return second > 0 && second < 40 ? Kind.MACHO : major >= 45 && major < 200 ? Kind.JAVA_CLASS
                        : Kind.UNKNOWN;
            }
        }
        if (starts(head, LNK)) {
            return Kind.LNK;
        }
        if (starts(head, OLE)) {
            return Kind.OLE;
        }
        if (starts(head, ONENOTE)) {
            return Kind.ONENOTE;
        }
        if (head[0] == 'P' && n >= 4 && head[1] == 'K' && (head[2] == 3 && head[3] == 4 || head[2] == 5 && head[3] == 6
                || head[2] == 7 && head[3] == 8)) {
            return Kind.ZIP;
        }
        if (starts(head, SEVENZ)) {
            return Kind.SEVENZ;
        }
        if (starts(head, Texts.ascii("Rar!\u001a\u0007"))) {
            return Kind.RAR;
        }
        if (n >= 3 && (head[0] & 0xff) == 0x1F && (head[1] & 0xff) == 0x8B && head[2] == 8) {
            return Kind.GZIP;
        }
        if (n >= 4 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h' && head[3] >= '1' && head[3] <= '9') {
            return Kind.BZIP2;
        }
        if (starts(head, XZ)) {
            return Kind.XZ;
        }
        if (starts(head, Texts.ascii("MSCF\0\0\0\0"))) {
            return Kind.CAB;
        }
        if (n >= 2 && (head[0] & 0xff) == 0x60 && (head[1] & 0xff) == 0xEA) {
            return Kind.ARJ;
        }
        if (n >= 262 && Texts.startsWith(head, 257, Texts.ascii("ustar"))) {
            return Kind.TAR;
        }
        if (starts(head, Texts.ascii("vhdxfile"))) {
            return Kind.VHDX;
        }
        if (starts(head, Texts.ascii("conectix"))) {
            return Kind.VHD;
        }
        for (int off : new int[] {0x8001, 0x8801, 0x9001}) {
            if (Texts.startsWith(head, off, Texts.ascii("CD001")) || Texts.startsWith(head, off, Texts.ascii("BEA01"))
                    || Texts.startsWith(head, off, Texts.ascii("NSR02"))) {
                return Kind.ISO;
            }
        }
        if (tail != null && tail.length == 512) {
            if (starts(tail, Texts.ascii("conectix"))) {
                return Kind.VHD;
            }
            if (starts(tail, Texts.ascii("koly"))) {
                return Kind.DMG;
            }
        }
        if (n >= 512 && (head[510] & 0xff) == 0x55 && (head[511] & 0xff) == 0xAA
                && (Texts.startsWith(head, 0x36, Texts.ascii("FAT")) || Texts.startsWith(head, 0x52, Texts.ascii("FAT32")))) {
            return Kind.FAT_IMAGE;
        }
        if (Texts.indexOf(head, 0, Math.min(n, 1024), Texts.ascii("%PDF-")) >= 0) {
            return Kind.PDF;
        }
        if (starts(head, Texts.ascii("{\\rt"))) {
            return Kind.RTF;
        }
        if (starts(head, PNG) || n >= 3 && (head[0] & 0xff) == 0xFF && (head[1] & 0xff) == 0xD8
                && (head[2] & 0xff) == 0xFF || starts(head, Texts.ascii("GIF8"))
                || starts(head, Texts.ascii("RIFF")) && Texts.startsWith(head, 8, Texts.ascii("WEBP"))
                || starts(head, new byte[] {'I', 'I', 42, 0}) || starts(head, new byte[] {'M', 'M', 0, 42})) {
            return Kind.IMAGE;
        }
        if (prependedZip(head, tail)) {
            return Kind.ZIP;
        }
        if (looksLikeText(head)) {
            return looksLikeHtml(head) ? Kind.HTML : Kind.TEXT;
        }
        return Kind.UNKNOWN;
    }

    /**
     * A ZIP behind other bytes (self-extractor style junk, or two ZIPs concatenated): unzippers find it from
     * the end record, so it is a ZIP when a local header follows the start and an end record is at the end.
     */
    private static boolean prependedZip(byte[] head, byte[] tail) {
        byte[] local = {'P', 'K', 3, 4};
        byte[] end = {'P', 'K', 5, 6};
        return Texts.indexOf(head, 1, head.length, local) > 0 && (tail != null && Texts.indexOf(tail, 0, tail.length,
                end) >= 0 || Texts.indexOf(head, 1, head.length, end) > 0);
    }

    private static boolean isPe(byte[] b) {
        if (b.length >= 0x40) {
            int lfanew = Texts.i32le(b, 0x3C);
            if (lfanew > 0 && lfanew <= b.length - 4 && Texts.startsWith(b, lfanew, new byte[] {'P', 'E', 0, 0})) {
                return true;
            }
        }
        // A truncated or packed DOS/PE stub still announces itself.
        return Texts.indexOf(b, 0, Math.min(b.length, 512), Texts.ascii("This program cannot be run in DOS")) >= 0
                || Texts.indexOf(b, 0, Math.min(b.length, 512), Texts.ascii("This program must be run under")) >= 0;
    }

    private static boolean starts(byte[] b, byte[] p) {
        return Texts.startsWith(b, 0, p);
    }

    /** No NUL and few control bytes in the first 4 KB (UTF-16 text is not treated as text). */
    static boolean looksLikeText(byte[] head) {
        int n = Math.min(head.length, 4096);
        int bad = 0;
        for (int i = 0; i < n; i++) {
            int c = head[i] & 0xff;
            if (c == 0) {
                return false;
            }
            if (c < 0x09 || c > 0x0D && c < 0x20 && c != 0x1B) {
                bad++;
            }
        }
        return bad * 50 < n + 1;
    }

    static boolean looksLikeHtml(byte[] head) {
        String s = Texts.latin1(head, 0, Math.min(head.length, 2048)).toLowerCase(Locale.ROOT);
        return s.contains("<html") || s.contains("<!doctype html") || s.contains("<script") || s.contains("<body")
                || s.contains("<iframe") || s.contains("<svg") || s.contains("<hta:application")
                || s.contains("<head>") || s.contains("<form");
    }
}
