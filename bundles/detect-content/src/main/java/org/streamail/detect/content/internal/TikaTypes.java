package org.streamail.detect.content.internal;

import java.io.ByteArrayInputStream;
import java.util.Locale;
import java.util.Set;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.metadata.TikaCoreProperties;
import org.apache.tika.mime.MediaType;
import org.apache.tika.mime.MimeTypes;

/**
 * Apache Tika's type detection (tika-core's {@link MimeTypes}: the magic numbers and file-name globs of
 * {@code tika-mimetypes.xml}) for the parts and archive entries that {@link Sniffer} does not recognise.
 * Sniffer stays first: the rules need exact structural facts, and it is cheaper; Tika names everything else
 * (audio, video, fonts, Flash, DOS executables, UTF-16 text, ...) so {@code type-mismatch} and
 * {@code executable} can judge them too.
 *
 * <p>Why {@code MimeTypes} and not {@code new Tika()} / {@code TikaConfig.getDefaultConfig()}: those build a
 * {@code DefaultDetector} and {@code DefaultParser} through Tika's service loading, which inside OSGi looks at
 * the thread context class loader and the tika-core activator's service trackers; with tika-core alone the
 * only detector they would find is this same {@code MimeTypes} instance. Going to it directly gives the same
 * answer without the service lookups.
 *
 * <p>Threading: the registry is loaded once (about 0.1–0.3 s, lazily on first use) and is thread-safe
 * afterwards. Every call sets the thread context class loader to this bundle's class loader: the XML
 * parser factory that reads {@code tika-mimetypes.xml} is found through it, and a context loader left by
 * the caller (a pipeline thread) must not pick another XML parser. Never throws: a failure of Tika (or
 * tika-core missing at runtime) is answered with {@code ""}, "undecided".
 */
final class TikaTypes {
    /** Tika's answer when the bytes decide nothing. */
    static final String OCTET_STREAM = "application/octet-stream";

    private static final Set<String> EXECUTABLE = Set.of("application/x-msdownload", "application/x-dosexec",
            "application/x-executable", "application/x-sharedlib", "application/x-elf", "application/java-vm",
            "application/x-mach-o-executable", "application/x-mach-o-dylib", "application/x-mach-o-bundle",
            "application/x-mach-o-universal", "application/x-mach-o-object", "application/x-mach-o-core",
            "application/x-mach-o-dsym", "application/x-mach-o-preload", "application/x-mach-o-fvmlib",
            "application/x-mach-o-kext-bundle", "application/x-mach-o-dylinker");

    private TikaTypes() {
    }

    /** Lazy holder: the registry is only parsed when a part needs it. */
    private static final class Registry {
        static final MimeTypes TYPES = withBundleLoader(() -> MimeTypes.getDefaultMimeTypes(
                MimeTypes.class.getClassLoader()));
    }

    /**
     * The base media type Tika gives {@code head} (the first bytes of a part, up to {@link Sniffer#HEAD}),
     * e.g. {@code application/x-msdownload}; with {@code name} the file-name glob decides when the magic does
     * not. Returns {@code ""} when Tika decides nothing ({@code application/octet-stream}) or fails.
     *
     * @param head the first bytes; not modified
     * @param name a file name to use as a hint, or {@code null} to judge by content only
     */
    static String detect(byte[] head, String name) {
        if (head == null || head.length == 0) {
            return "";
        }
        try {
            MediaType type = withBundleLoader(() -> {
                Metadata md = new Metadata();
                if (name != null && !name.isBlank()) {
                    md.set(TikaCoreProperties.RESOURCE_NAME_KEY, name);
                }
                // A ByteArrayInputStream supports mark/reset, which MimeTypes needs; the head is already
                // bounded, so Tika reads at most what we hold.
                return Registry.TYPES.detect(new ByteArrayInputStream(head), md);
            });
            String base = type == null ? "" : type.getBaseType().toString().toLowerCase(Locale.ROOT);
            return base.equals(OCTET_STREAM) ? "" : base;
        } catch (Exception | LinkageError e) {
            // LinkageError: tika-core not installed, or its bundle being refreshed. Undecided, never fatal.
            return "";
        }
    }

    /** Whether a type Tika gave is a native or Java executable (run on double-click, or loadable code). */
    static boolean isExecutable(String type) {
        return EXECUTABLE.contains(type) || type.startsWith("application/x-mach-o");
    }

    /**
     * The coarse family of a Tika type, comparable with {@link Kind#family()} and
     * {@link ContentDetector#familyOfType(String)}: {@code executable}, {@code image}, {@code text},
     * {@code html}, {@code pdf}, ...; a type without a family is its own family (so a Flash file declared
     * as {@code image/png} is a mismatch); {@code ""} when undecided.
     */
    static String family(String type) {
        if (type == null || type.isEmpty()) {
            return "";
        }
        if (isExecutable(type)) {
            return "executable";
        }
        String known = ContentDetector.familyOfType(type);
        if (!known.isEmpty()) {
            return known;
        }
        if (type.equals("application/xhtml+xml")) {
            return "html";
        }
        if (type.startsWith("text/") || type.equals("application/xml") || type.equals("application/json")) {
            return "text";
        }
        int slash = type.indexOf('/');
        String top = slash < 0 ? type : type.substring(0, slash);
        return switch (top) {
            case "audio", "video", "font" -> top;
            default -> switch (type) {
                case "application/x-7z-compressed", "application/gzip", "application/x-gzip", "application/x-bzip2",
                        "application/x-xz", "application/x-tar", "application/vnd.ms-cab-compressed",
                        "application/x-rar-compressed", "application/x-arj", "application/zstd",
                        "application/x-lzip", "application/x-lzma", "application/x-compress" -> "archive";
                case "application/x-tika-msoffice" -> "ole";
                case "application/x-tika-ooxml", "application/java-archive" -> "zip";
                default -> type;
            };
        };
    }

    /** A body that may throw. */
    @FunctionalInterface
    private interface Body<T> {
        T run() throws Exception;
    }

    private static <T> T withBundleLoader(Body<T> body) {
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(TikaTypes.class.getClassLoader());
        try {
            return body.run();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            t.setContextClassLoader(previous);
        }
    }
}
