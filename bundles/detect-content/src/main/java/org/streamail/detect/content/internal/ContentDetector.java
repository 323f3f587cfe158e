package org.streamail.detect.content.internal;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.detect.Detector;
import org.streamail.api.detect.Inspection;
import org.streamail.api.model.Attachment;
import org.streamail.api.model.Finding;
import org.streamail.api.model.ParsedMessage;
import org.streamail.detect.content.internal.ScanContext.ScanStopped;

/**
 * The {@code content} detector: active code in attachments, archives, documents, HTML and text.
 *
 * <p>Lifecycle: a DS component activated with its configuration (PID {@code org.streamail.detect.content});
 * a configuration change is applied in place when it is valid; an invalid one is refused with an ERROR and the
 * previous settings stay (the detector is mandatory: were it to fail, all mail would wait). Threading: {@link #inspect} is called from
 * several pipeline threads at once; all per-message state lives in a fresh {@link ScanContext}. Bounds: the
 * per-message limits of {@link Settings} and the earlier of the pipeline deadline and {@code max.time.ms};
 * a limit reached ends the scan with an {@code archive-bomb} (size, count, depth, ratio) or
 * {@code scan-incomplete} (time) finding instead of running on.
 */
@Component(service = Detector.class, configurationPid = ContentDetector.PID, property = "detector=content")
@Designate(ocd = ContentDetector.Config.class)
public final class ContentDetector implements Detector {
    public static final String PID = "org.streamail.detect.content";
    private static final Logger LOG = LoggerFactory.getLogger(ContentDetector.class);

    @ObjectClassDefinition(name = "Streamail content detector",
            description = "Finds active code in attachments, archives, documents and HTML; disarms active HTML "
                    + "on delivery. Shared by the detector and the html-disarm transformer.")
    @interface Config {
        @AttributeDefinition(description = "How deep archives and embedded objects are followed")
        int max_depth() default 5;

        @AttributeDefinition(description = "Archive entries and embedded objects per message")
        int max_entries() default 10_000;

        @AttributeDefinition(description = "Bytes expanded from archives per message (streamed, not buffered)")
        long max_total_bytes() default 200L * 1024 * 1024;

        @AttributeDefinition(description = "Expanded/compressed ratio of one entry that makes it a bomb")
        double max_ratio() default 100;

        @AttributeDefinition(description = "An entry is judged by ratio once it expanded past this many bytes")
        long ratio_min_bytes() default 1024 * 1024;

        @AttributeDefinition(description = "Largest nested part held in memory to be inspected whole")
        int max_part_buffer() default 32 * 1024 * 1024;

        @AttributeDefinition(description = "Characters of one text scanned for command lines and blobs")
        int max_text_scan() default 2 * 1024 * 1024;

        @AttributeDefinition(description = "Own time cap per message in ms (the pipeline deadline also applies)")
        long max_time_ms() default 20_000;

        @AttributeDefinition(description = "Findings reported per message")
        int max_findings() default 200;

        @AttributeDefinition(description = "Score overrides, each rule=score, e.g. html-script=2")
        String[] rule_scores() default {};

        @AttributeDefinition(description = "Rules never reported, e.g. type-mismatch")
        String[] disabled_rules() default {};

        @AttributeDefinition(description = "Deliver a disarmed copy of DELIVER/TAG mail with active HTML "
                + "(html-script, html-event-handler, ...) and hold the original in quarantine (transformer "
                + "html-disarm)")
        boolean disarm_html() default true;
    }

    private volatile Settings settings;

    @Activate
    public ContentDetector(Config config, Map<String, Object> properties) {
        this(settingsOf(config, properties));
    }

    /**
     * Applies a changed configuration. An invalid one (a value that does not parse, an unknown rule) is refused
     * before anything changes: one ERROR, and the previous settings stay in force — the detector is mandatory, so
     * failing here would hold every new message (451) until the file is corrected.
     */
    @Modified
    void modified(Config config, Map<String, Object> properties) {
        Settings next;
        try {
            next = settingsOf(config, properties);
        } catch (IllegalArgumentException e) {
            LOG.error("{}: configuration change refused: {}; keeping the previous configuration", PID, e.getMessage());
            return;
        }
        settings = next;
        LOG.info("{}: configuration changed", PID);
    }

    private static Settings settingsOf(Config config, Map<String, Object> properties) {
        return new Settings(checked(config, properties).max_depth(), config.max_entries(), config.max_total_bytes(),
                config.max_ratio(), config.ratio_min_bytes(), config.max_part_buffer(), config.max_text_scan(),
                config.max_time_ms(), config.max_findings(), Settings.parseScores(config.rule_scores()),
                Settings.parseRules(config.disabled_rules()));
    }

    /**
     * Checks the raw properties before any config method is read ({@code max.depth = 5levels} would fail in DS
     * without naming the property; {@code disarm.html = yes} would be read as false) and logs each key nothing
     * reads (a probable typo). Returns {@code config}.
     */
    static Config checked(Config config, Map<String, Object> properties) {
        ConfigCheck.check(PID, Config.class, properties, Set.of("detector"))
                .forEach(k -> LOG.warn("{}: unknown property '{}' ignored (misspelled?)", PID, k));
        return config;
    }

    /** For tests and embedding: a detector with the given settings. */
    public ContentDetector(Settings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return ScanContext.DETECTOR;
    }

    @Override
    public List<Finding> inspect(Inspection inspection) {
        return scan(inspection.message(), inspection.deadline());
    }

    /** Scans a parsed message; stops by {@code deadline} at the latest. Never throws for bad content. */
    public List<Finding> scan(ParsedMessage message, Instant deadline) {
        Settings current = settings; // one configuration for the whole scan
        long millis = Math.min(current.maxTimeMillis(),
                Math.max(0, java.time.Duration.between(Instant.now(), deadline).toMillis()));
        ScanContext ctx = ScanContext.withBudget(current, millis);
        PartScanner scanner = new PartScanner(ctx);
        try {
            if (!message.textBody().isEmpty()) {
                scanner.text().inspectText("text body", message.textBody(), 0);
            }
            if (!message.htmlBody().isEmpty()) {
                String html = message.htmlBody();
                try {
                    scanner.html().inspect("html body", html, null);
                } catch (RuntimeException e) {
                    ctx.report(Rule.MALFORMED_PART, "html body", "HTML could not be read: " + PartScanner.describe(e));
                }
                scanner.text().inspectText("html body", html, 0);
            }
            for (Attachment a : message.attachments()) {
                ctx.checkTime(a.displayName());
                String path = a.displayName();
                judgeNames(ctx, a, path);
                byte[] data = a.content().toByteArray();
                judgeType(ctx, a, path, data);
                scanner.scanBytes(path, path, data, 0);
            }
        } catch (ScanStopped stop) {
            ctx.report(stop.rule, stop.part, stop.getMessage());
        }
        return ctx.findings();
    }

    /** Name rules that need both names of an attachment. */
    static void judgeNames(ScanContext ctx, Attachment a, String path) {
        String file = Texts.nfc(a.fileName());
        String type = Texts.nfc(a.contentTypeName());
        if (!file.isEmpty() && !type.isEmpty() && !file.equalsIgnoreCase(type)) {
            ctx.report(Rule.NAME_MISMATCH, path, "filename=\"" + Texts.clip(file, 100) + "\" but name=\""
                    + Texts.clip(type, 100) + "\"");
        }
        for (String n : new String[] {file, type}) {
            if (Names.hasBidiControl(n)) {
                ctx.report(Rule.BIDI_FILENAME, path, "file name contains bidirectional control characters: "
                        + Texts.clip(n, 120));
            }
            if (Names.doubleExtension(n)) {
                ctx.report(Rule.DOUBLE_EXTENSION, path, "file name hides an executable extension: " + Texts.clip(n, 120));
            }
        }
        // The part is scanned under its display name (filename=); a client that saves it under name= instead
        // runs what that name says, so an executable name there counts as much.
        if (!type.isEmpty() && !Names.executableByName(path) && Names.executableByName(type)) {
            String ext = Names.extension(type);
            if (Names.DISK_IMAGE_EXT.contains(ext)) {
                ctx.report(Rule.DISK_IMAGE, path, "disk image by its Content-Type name (." + ext + "): "
                        + Texts.clip(type, 120));
            } else if (!ext.equals("one")) {
                ctx.report(Rule.EXECUTABLE, path, "executable or script by its Content-Type name (." + ext + "): "
                        + Texts.clip(type, 120));
            }
        }
    }

    /** Declared type or extension against what the bytes are. */
    static void judgeType(ScanContext ctx, Attachment a, String path, byte[] data) {
        byte[] head = data.length <= Sniffer.HEAD ? data : java.util.Arrays.copyOf(data, Sniffer.HEAD);
        Kind kind = Sniffer.sniff(head, null);
        String content = kind.family();
        String label = "a " + kind.label;
        if (content.isEmpty()) {
            // Our sniffer does not know these bytes: ask Tika's magic, by content only (the name is what is
            // being judged, it must not be the evidence too).
            String tika = TikaTypes.detect(head, null);
            content = TikaTypes.family(tika);
            label = tika + " (detected by Apache Tika)";
            if (content.isEmpty()) {
                return;
            }
        }
        String declared = familyOfType(a.declaredType());
        if (!declared.isEmpty() && !compatible(declared, content)) {
            ctx.report(Rule.TYPE_MISMATCH, path, "declared " + a.declaredType() + " but the content is " + label);
            return;
        }
        String byName = familyOfExtension(Names.extension(a.displayName()));
        if (!byName.isEmpty() && !compatible(byName, content)) {
            ctx.report(Rule.TYPE_MISMATCH, path, "named ." + Names.extension(a.displayName())
                    + " but the content is " + label);
        }
    }

    private static boolean compatible(String expected, String content) {
        return expected.equals(content) || expected.equals("text") && content.equals("html")
                || expected.equals("html") && content.equals("text");
    }

    static String familyOfType(String type) {
        String t = type.toLowerCase(Locale.ROOT);
        if (t.startsWith("image/") && !t.equals("image/svg+xml")) {
            return "image";
        }
        return switch (t) {
            case "application/pdf" -> "pdf";
            case "text/html" -> "html";
            case "text/plain", "text/csv" -> "text";
            case "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
                    "application/vnd.ms-outlook" -> "ole";
            case "application/zip", "application/x-zip-compressed",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
                    "application/epub+zip" -> "zip";
            case "application/rtf", "text/rtf" -> "rtf";
            default -> "";
        };
    }

    static String familyOfExtension(String ext) {
        return switch (ext) {
            case "pdf" -> "pdf";
            case "jpg", "jpeg", "png", "gif", "tif", "tiff", "webp" -> "image";
            case "doc", "xls", "ppt", "msg" -> "ole";
            case "docx", "xlsx", "pptx", "docm", "xlsm", "pptm", "odt", "ods", "zip" -> "zip";
            case "txt", "csv" -> "text";
            case "htm", "html" -> "html";
            case "rtf" -> "rtf";
            default -> "";
        };
    }
}
