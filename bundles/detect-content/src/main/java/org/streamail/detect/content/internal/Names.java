package org.streamail.detect.content.internal;

import java.util.Locale;
import java.util.Set;

/** File-name judgements: executable extensions, double extensions, bidi controls. Stateless. */
final class Names {
    /** Extensions Windows (or a shell) runs, or mounts, when the user double-clicks. */
    static final Set<String> EXECUTABLE_EXT = Set.of("exe", "dll", "scr", "cpl", "com", "pif", "msi", "msp", "mst",
            "lnk", "js", "jse", "vbs", "vbe", "wsf", "wsh", "wsc", "hta", "ps1", "psm1", "psd1", "bat", "cmd", "jar",
            "msc", "application", "appref-ms", "gadget", "reg", "scf", "sct", "inf", "chm", "xll", "url", "iso",
            "img", "vhd", "vhdx", "one", "appx", "msix", "apk", "elf", "sh", "command", "app", "dmg",
            // Java Web Start, Excel web queries and SYLK (DDE, macros), shell shortcuts that run or fetch code,
            // macro add-ins, troubleshooting packs (sixth audit: none of these was listed)
            "jnlp", "iqy", "slk", "settingcontent-ms", "library-ms", "searchconnector-ms", "xlam", "ppam",
            "diagcab", "appinstaller");
    static final Set<String> DISK_IMAGE_EXT = Set.of("iso", "img", "vhd", "vhdx", "dmg");
    /** Extensions a user trusts: the decoy half of {@code invoice.pdf.exe}. */
    static final Set<String> DECOY_EXT = Set.of("pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "rtf", "txt",
            "csv", "jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "mp3", "mp4", "avi", "mov", "wav", "zip",
            "rar", "7z", "htm", "html", "odt", "ods", "eml", "msg", "xml", "json", "svg", "webp", "heic");

    private Names() {
    }

    static boolean isBidiControl(int c) {
        return c >= 0x202A && c <= 0x202E || c >= 0x2066 && c <= 0x2069 || c == 0x200E || c == 0x200F
                || c == 0x061C;
    }

    static boolean hasBidiControl(String name) {
        for (int i = 0; i < name.length(); i++) {
            if (isBidiControl(name.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /** The last path segment of an archive entry name ({@code a/b/c.exe} gives {@code c.exe}). */
    static String baseName(String path) {
        int slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
        return slash < 0 ? path : path.substring(slash + 1);
    }

    /** Lower-case extension after the last dot, trailing dots/spaces ignored as Windows does; or "". */
    static String extension(String name) {
        String n = stripTrailing(baseName(name));
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).trim().toLowerCase(Locale.ROOT);
    }

    private static String stripTrailing(String n) {
        int end = n.length();
        while (end > 0 && (n.charAt(end - 1) == '.' || Character.isWhitespace(n.charAt(end - 1)))) {
            end--;
        }
        return n.substring(0, end);
    }

    static boolean executableByName(String name) {
        return EXECUTABLE_EXT.contains(extension(name));
    }

    /**
     * Whether the name hides an executable extension behind a trusted one ({@code invoice.pdf.exe},
     * {@code photo.jpg      .scr}); bidi controls are removed first so {@code "doc\u202Eexe.pdf"} style
     * names are judged by what Windows runs.
     */
    static boolean doubleExtension(String name) {
        String n = stripTrailing(baseName(name));
        StringBuilder clean = new StringBuilder(n.length());
        for (int i = 0; i < n.length(); i++) {
            if (!isBidiControl(n.charAt(i))) {
                clean.append(n.charAt(i));
            }
        }
        String[] parts = clean.toString().split("\\.");
        if (parts.length < 3) {
            return false;
        }
        String last = parts[parts.length - 1].trim().toLowerCase(Locale.ROOT);
        String before = parts[parts.length - 2].trim().toLowerCase(Locale.ROOT);
        return EXECUTABLE_EXT.contains(last) && DECOY_EXT.contains(before);
    }
}
