package org.streamail.detect.content.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.delivery.MessageTransformer;
import org.streamail.api.delivery.Transformation;
import org.streamail.api.model.Action;
import org.streamail.api.model.Content;
import org.streamail.api.model.Finding;
import org.streamail.api.model.MessageIds;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.QuarantineStore;
import org.streamail.detect.content.internal.MimeParts.Field;
import org.streamail.detect.content.internal.MimeParts.Part;
import org.streamail.api.mime.EncodedWords;

/**
 * The {@code html-disarm} {@link MessageTransformer}: when the policy lets a message through (DELIVER or
 * TAG) although the {@code content} detector found active HTML in its body or in a top-level HTML
 * attachment, the recipients get a disarmed copy and the original is held in quarantine for an
 * administrator to release.
 *
 * <p>The copy: every HTML leaf part (type {@code text/html} or {@code application/xhtml+xml}, or a file
 * named {@code .htm}/{@code .html}/{@code .xhtml}/{@code .shtml}, whatever its declared type) is passed
 * through {@link HtmlDisarmer} with a banner naming what was removed and the quarantine id; each
 * {@code text/plain} body part (not an attachment) gets one line at its top saying the same. Rewritten
 * parts are re-encoded as UTF-8 base64. Every other byte of the message (other parts, boundaries, preamble,
 * epilogue, the other header fields) is kept exactly; the top header section gets
 * {@code X-Streamail-Disarmed: <quarantine id>} first. The original bytes are held under
 * {@code <message id>-original} with the envelope and the verdict, its reason prefixed
 * {@value #REASON_PREFIX}.
 *
 * <p>Idempotent: a message carrying our marker with this message's quarantine id is returned as is, and
 * {@link QuarantineStore#hold} is idempotent on the id. A marker with any other value arrived from outside
 * (a sender must not be able to switch disarming off by writing the header) and is removed. Nothing is
 * held unless the copy was built: the original is held last, just before the copy is returned.
 *
 * <p>Failure: a message whose structure exceeds {@link MimeParts}' bounds, or an HTML part larger than
 * {@code max.part.buffer / 4} bytes decoded, makes {@link #transform} throw; the core then delivers the
 * message unchanged, as the policy decided. {@code message/rfc822} attachments and HTML inside archives
 * are not rewritten; a message whose only active HTML is there (or in an SVG) is delivered unchanged.
 *
 * <p>Lifecycle: a DS component on PID {@code org.streamail.detect.content} (property {@code disarm.html},
 * default {@code true}), active while a {@link QuarantineStore} is registered; a configuration change
 * re-creates it. Ranking {@value #RANKING}: it runs before transformers at the default ranking 0 (retention
 * stamp, link rewriting), so the original it holds is the message as received. Threading: stateless,
 * thread-safe.
 */
@Component(service = MessageTransformer.class, configurationPid = ContentDetector.PID,
        property = {Constants.SERVICE_RANKING + ":Integer=" + HtmlDisarmTransformer.RANKING,
            "transformer=" + HtmlDisarmTransformer.NAME})
public final class HtmlDisarmTransformer implements MessageTransformer {
    static final String NAME = "html-disarm";
    static final int RANKING = 100;
    /** Header naming the quarantine entry holding the original; also our idempotency marker. */
    static final String MARKER = "X-Streamail-Disarmed";
    static final String ID_SUFFIX = "-original";
    static final String REASON_PREFIX = "original of a disarmed delivery: ";
    /** The content rules that mean active HTML, the ones a disarmed copy takes care of. */
    static final Set<String> ACTIVE_HTML_RULES = Set.of(Rule.HTML_SCRIPT.id(), Rule.HTML_EVENT_HANDLER.id(),
            Rule.HTML_EMBED.id(), Rule.HTML_FORM_EXTERNAL.id(), Rule.HTML_META_REFRESH.id(), Rule.HTML_DATA_URI.id(),
            Rule.HTML_SMUGGLING.id(), Rule.HTML_OVERLAY.id(), Rule.HTML_CSS_SCRIPT.id());
    private static final Set<String> HTML_EXTENSIONS = Set.of("htm", "html", "xhtml", "shtml");
    private static final byte[] CRLF = {'\r', '\n'};

    private final boolean enabled;
    private final int maxHtmlBytes;
    private final QuarantineStore store;
    private final HtmlDisarmer disarmer = new HtmlDisarmer();

    @Activate
    public HtmlDisarmTransformer(ContentDetector.Config config, Map<String, Object> properties,
            @Reference(name = "quarantine") QuarantineStore store) {
        this(checked(config, properties).disarm_html(), Math.max(64 * 1024, config.max_part_buffer() / 4), store);
    }

    /** The values are checked strictly; ContentDetector, on the same PID, logs the unknown keys once. */
    private static ContentDetector.Config checked(ContentDetector.Config config, Map<String, Object> properties) {
        ConfigCheck.check(ContentDetector.PID, ContentDetector.Config.class, properties);
        return config;
    }

    /**
     * For tests and embedding.
     *
     * @param enabled      whether to disarm at all ({@code disarm.html})
     * @param maxHtmlBytes largest decoded HTML part rewritten; a larger one makes the transform fail
     * @param store        where originals are held; not {@code null}
     */
    public HtmlDisarmTransformer(boolean enabled, int maxHtmlBytes, QuarantineStore store) {
        this.enabled = enabled;
        this.maxHtmlBytes = maxHtmlBytes;
        this.store = Objects.requireNonNull(store, "store");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Content transform(Transformation t) {
        Verdict verdict = t.verdict();
        if (!enabled || verdict.action() != Action.DELIVER && verdict.action() != Action.TAG
                || !hasActiveHtml(verdict)) {
            return t.raw();
        }
        String quarantineId = quarantineId(t.id());
        byte[] original = t.raw().toByteArray();
        byte[] msg = MimeParts.crlf(original);
        Part root = MimeParts.parse(msg);
        List<Field> markers = root.fields(MARKER);
        if (markers.stream().anyMatch(f -> f.value().trim().equals(quarantineId))) {
            return t.raw(); // our own output, transformed again after a restart
        }

        // First pass: disarm every HTML part, adding up what was removed for the text/plain notice.
        List<Part> leaves = new ArrayList<>();
        leaves(root, leaves);
        // Identity: parts are records, and equal-looking parts at different offsets are different parts.
        Map<Part, byte[]> replaced = new java.util.IdentityHashMap<>();
        Map<String, Integer> removed = new LinkedHashMap<>();
        for (Part p : leaves) {
            if (isHtml(p)) {
                byte[] html = MimeParts.decodedBody(msg, p);
                if (html.length > maxHtmlBytes) {
                    throw new IllegalArgumentException("an HTML part of " + html.length
                            + " bytes is larger than the " + maxHtmlBytes + " bytes disarmed");
                }
                HtmlDisarmer.Result r = disarmer.disarm(MimeParts.text(html, htmlCharset(html, p)), quarantineId);
                r.counts().forEach((what, n) -> removed.merge(what, n, Integer::sum));
                replaced.put(p, r.html().getBytes(StandardCharsets.UTF_8));
            }
        }
        if (replaced.isEmpty()) {
            // The active HTML is somewhere we do not rewrite (an archive, an SVG, a forwarded message): a copy
            // with banners but the same content would be a lie; deliver as the policy decided.
            return t.raw();
        }
        String notice = notice(removed, quarantineId);
        for (Part p : leaves) {
            if (!replaced.containsKey(p) && isTextBody(p)) {
                String text = MimeParts.text(MimeParts.decodedBody(msg, p), p.params().get("charset"));
                replaced.put(p, (notice + "\r\n\r\n" + text).getBytes(StandardCharsets.UTF_8));
            }
        }

        List<Edit> edits = new ArrayList<>();
        edits.add(new Edit(0, 0, (MARKER + ": " + quarantineId + "\r\n").getBytes(StandardCharsets.US_ASCII)));
        Predicate<Field> foreignMarker = f -> f.is(MARKER);
        if (!replaced.containsKey(root)) {
            for (Field f : markers) {
                edits.add(new Edit(f.start(), f.end(), new byte[0]));
            }
        }
        for (Map.Entry<Part, byte[]> e : replaced.entrySet()) {
            Part p = e.getKey();
            Predicate<Field> drop = p == root ? foreignMarker : f -> false;
            edits.add(new Edit(p.start(), p.end(), rewritten(msg, p, e.getValue(), drop, p == root)));
        }
        byte[] out = splice(msg, edits);

        store.hold(quarantineId, MessageIds.bare(root.first("Message-ID")), EncodedWords.decode(root.first("Subject")),
                t.envelope(), new Verdict(verdict.action(), verdict.score(), verdict.categories(), verdict.findings(),
                        REASON_PREFIX + verdict.reason()), original);
        return Content.of(out);
    }

    /** The quarantine id of the original of message {@code id}. */
    static String quarantineId(String id) {
        String q = id + ID_SUFFIX;
        // It goes into a header field and an HTML banner: only plain visible ASCII.
        if (!q.chars().allMatch(c -> c > 32 && c < 127)) {
            throw new IllegalArgumentException("message id is not a plain ASCII token: " + Texts.clip(id, 80));
        }
        return q;
    }

    /** Whether the content detector found active HTML in the body or a top-level attachment. */
    static boolean hasActiveHtml(Verdict verdict) {
        for (Finding f : verdict.findings()) {
            if (f.detector().equals(ScanContext.DETECTOR) && ACTIVE_HTML_RULES.contains(f.rule())
                    && !f.part().contains("!/")) {
                return true;
            }
        }
        return false;
    }

    private static void leaves(Part p, List<Part> out) {
        if (p.isMultipart()) {
            for (Part c : p.children()) {
                leaves(c, out);
            }
        } else {
            out.add(p);
        }
    }

    static boolean isHtml(Part p) {
        if (p.mediaType().equals("text/html") || p.mediaType().equals("application/xhtml+xml")) {
            return true;
        }
        if (p.mediaType().startsWith("multipart/") || p.mediaType().startsWith("message/")) {
            return false;
        }
        // filename= or name=: clients differ in which one they save the part under
        return HTML_EXTENSIONS.contains(Names.extension(p.fileName()))
                || HTML_EXTENSIONS.contains(Names.extension(MimeParts.paramValue(p.params(), "name")));
    }

    private static final java.util.regex.Pattern META_CHARSET = java.util.regex.Pattern.compile(
            "(?i)<meta\\s[^>]{0,512}?charset\\s*+=\\s*+[\"']?+([a-z0-9._:-]{1,40})");

    /**
     * The charset of an HTML part: its {@code charset=} parameter when Java knows it, else the document's own
     * {@code <meta charset>} / {@code <meta http-equiv=Content-Type>} in its first 4 KB, as a mail client reads
     * it — only an ASCII-compatible one (a {@code UTF-16} or EBCDIC label would turn the markup into other
     * characters); else {@code null}.
     */
    static String htmlCharset(byte[] html, Part p) {
        String declared = p.params().get("charset");
        if (MimeParts.charset(declared) != null) {
            return declared;
        }
        java.util.regex.Matcher m = META_CHARSET.matcher(Texts.latin1(html, 0, Math.min(html.length, 4096)));
        if (m.find()) {
            java.nio.charset.Charset cs = MimeParts.charset(m.group(1));
            String probe = "<meta charset=x>";
            if (cs != null && cs.canEncode()
                    && java.util.Arrays.equals(probe.getBytes(cs), probe.getBytes(StandardCharsets.US_ASCII))) {
                return m.group(1);
            }
        }
        return declared;
    }

    /** A text/plain part a reader sees as the message text, not a .txt attachment. */
    static boolean isTextBody(Part p) {
        return p.mediaType().equals("text/plain") && !p.disposition().equals("attachment") && p.fileName().isEmpty();
    }

    /** "[Streamail] Active content was removed ... quarantine as <id> ..." — one line, ASCII. */
    static String notice(Map<String, Integer> removed, String quarantineId) {
        List<String> what = HtmlDisarmer.describe(removed);
        return "[Streamail] Active content was removed from the HTML of this message"
                + (what.isEmpty() ? "" : " (" + String.join(", ", what) + ")")
                + ". The original is held in quarantine as " + quarantineId
                + "; ask your administrator to release it if you need it.";
    }

    /**
     * Part {@code p} with {@code body} as its new content: its header fields kept byte for byte except
     * Content-Type, Content-Transfer-Encoding, Content-Length, Content-MD5 (and {@code drop}); a new
     * Content-Type with {@code charset=UTF-8} for text types (other parameters kept) and base64 encoding.
     */
    private static byte[] rewritten(byte[] msg, Part p, byte[] body, Predicate<Field> drop, boolean root) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length * 4 / 3 + 1024);
        for (Field f : p.fields()) {
            if (f.is("Content-Type") || f.is("Content-Transfer-Encoding") || f.is("Content-Length")
                    || f.is("Content-MD5") || drop.test(f)) {
                continue;
            }
            out.write(msg, f.start(), f.end() - f.start());
        }
        StringBuilder ct = new StringBuilder("Content-Type: ").append(p.mediaType());
        boolean text = p.mediaType().startsWith("text/") || p.mediaType().equals("application/xhtml+xml");
        if (text) {
            ct.append("; charset=UTF-8");
        }
        for (String param : p.rawParams()) {
            if (!param.toLowerCase(Locale.ROOT).startsWith("charset=")) {
                ct.append(";\r\n\t").append(param);
            }
        }
        out.writeBytes(ct.append("\r\nContent-Transfer-Encoding: base64\r\n\r\n").toString()
                .getBytes(StandardCharsets.UTF_8));
        out.writeBytes(Base64.getMimeEncoder(76, CRLF).encode(body));
        if (root) {
            out.writeBytes(CRLF); // the message ends with a line end; a nested part's CRLF is its delimiter's
        }
        return out.toByteArray();
    }

    /** Replace {@code [start, end)} with {@code bytes}; a zero-length edit inserts. */
    private record Edit(int start, int end, byte[] bytes) {
    }

    private static byte[] splice(byte[] msg, List<Edit> edits) {
        List<Edit> sorted = new ArrayList<>(edits);
        sorted.sort(Comparator.comparingInt(Edit::start).thenComparingInt(Edit::end));
        ByteArrayOutputStream out = new ByteArrayOutputStream(msg.length + 4096);
        int pos = 0;
        for (Edit e : sorted) {
            if (e.start() < pos) {
                throw new IllegalStateException("overlapping edits at " + e.start()); // a bug, never input
            }
            out.write(msg, pos, e.start() - pos);
            out.writeBytes(e.bytes());
            pos = e.end();
        }
        out.write(msg, pos, msg.length - pos);
        return out.toByteArray();
    }
}
