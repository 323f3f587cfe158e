package org.streamail.detect.content.internal;

/** What the first bytes of a part say it is. */
enum Kind {
    PE("Windows executable (PE)", true),
    ELF("ELF executable", true),
    MACHO("Mach-O executable", true),
    JAVA_CLASS("Java class file", true),
    LNK("Windows shortcut (.lnk)", true),
    ONENOTE("OneNote document", false),
    ISO("ISO 9660/UDF disk image", false),
    VHD("VHD disk image", false),
    VHDX("VHDX disk image", false),
    DMG("Apple disk image", false),
    FAT_IMAGE("FAT disk image", false),
    ZIP("ZIP archive", false),
    SEVENZ("7z archive", false),
    RAR("RAR archive", false),
    GZIP("gzip stream", false),
    BZIP2("bzip2 stream", false),
    XZ("xz stream", false),
    TAR("tar archive", false),
    CAB("Cabinet archive", false),
    ARJ("ARJ archive", false),
    OLE("OLE2 compound file", false),
    PDF("PDF document", false),
    RTF("RTF document", false),
    HTML("HTML document", false),
    IMAGE("image", false),
    TEXT("text", false),
    UNKNOWN("data", false);

    final String label;
    final boolean executable;

    Kind(String label, boolean executable) {
        this.label = label;
        this.executable = executable;
    }

    boolean isDiskImage() {
        return this == ISO || this == VHD || this == VHDX || this == DMG || this == FAT_IMAGE;
    }

    boolean isContainer() {
        return switch (this) {
            case ZIP, SEVENZ, GZIP, BZIP2, XZ, TAR, CAB, RAR, OLE, PDF, RTF, ONENOTE -> true;
            default -> false;
        };
    }

    /** Whether to hold the whole part in memory to inspect it (containers, markup, text). */
    boolean needsWholePart() {
        return isContainer() || this == HTML || this == TEXT;
    }

    /** A coarse family for comparing a declared type or extension with the content. */
    String family() {
        return switch (this) {
            case PE, ELF, MACHO, JAVA_CLASS, LNK -> "executable";
            case ZIP -> "zip";
            case OLE -> "ole";
            case PDF -> "pdf";
            case RTF -> "rtf";
            case HTML -> "html";
            case IMAGE -> "image";
            case SEVENZ, RAR, GZIP, BZIP2, XZ, TAR, CAB, ARJ -> "archive";
            case ISO, VHD, VHDX, DMG, FAT_IMAGE -> "disk-image";
            case ONENOTE -> "onenote";
            case TEXT -> "text";
            case UNKNOWN -> "";
        };
    }
}
