package org.streamail.linkguard.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;

/**
 * The links of Office Open XML files — Word ({@code docx docm dotx dotm}), Excel ({@code xlsx xlsm xltx xltm xlam}),
 * PowerPoint ({@code pptx pptm ppsx ppsm potx potm}) and any other OPC package — rewritten to click URLs.
 *
 * <p><b>What is rewritten.</b>
 * <ul>
 *   <li><b>Relationships.</b> Every relationship part ({@code *.rels} in any folder, the package's {@code _rels/.rels}
 *       included; found by name, in any case) is read, and each {@code <Relationship TargetMode="External">} whose
 *       {@code Type} is a hyperlink ({@code …/relationships/hyperlink}, transitional or strict) has its
 *       {@code Target} replaced — whatever its scheme, as {@link DocumentLinks.Replacer} leaves what it does not
 *       guard. Every other external relationship whose target is http(s) is replaced too: an attached template, a
 *       linked OLE object, a frame, a linked picture or an external workbook are fetched or opened from there by
 *       Office, often when the document opens (remote template injection), and go through the gateway as links do.
 *       Internal targets (part names: no {@code TargetMode}, or {@code Internal}) are never touched. Word's
 *       {@code w:hyperlink}, Excel's {@code <hyperlink>} and PowerPoint's and DrawingML's {@code a:hlinkClick}
 *       all point at such relationships, so this covers the links of all three applications.</li>
 *   <li><b>Word fields.</b> A {@code HYPERLINK} field is followed by its instruction, not by its displayed result:
 *       {@code HYPERLINK "url" \o "tip"} in a simple field's {@code w:fldSimple w:instr} or in a complex field's
 *       {@code w:instrText} runs (between {@code w:fldChar} begin and separate), in the document, headers, footers,
 *       footnotes, endnotes, comments and glossary (building blocks). A complex field's instruction is read as Word
 *       reads it, all its {@code w:instrText} pieces joined, so a URL split over several runs (which Word does when
 *       editing, and a sender can do on purpose) is found whole: the click URL takes the place of the first piece's
 *       part of it, and the rest of the URL is removed from the following pieces; the runs themselves, their
 *       formatting and everything else stay. Left as written: a URL that is itself computed by a field nested in the
 *       instruction ({@code HYPERLINK "{ MERGEFIELD url }"}: no one can know its value before Word computes it),
 *       deleted instruction text of tracked changes ({@code w:delInstrText}, not part of the field Word follows), and
 *       other fields that fetch ({@code INCLUDEPICTURE}, {@code INCLUDETEXT}, {@code LINK}).</li>
 *   <li><b>Excel formulas.</b> {@code HYPERLINK("url", …)} in a cell formula ({@code <f>} of a worksheet or macro
 *       sheet), wherever the call stands in the formula: the string literal that is the whole first argument is
 *       replaced. Left as written: a first argument computed from cells or by concatenation
 *       ({@code HYPERLINK(A1)}, {@code HYPERLINK("https://"&A1)}), and formulas of defined names and tables.</li>
 * </ul>
 * A relative hyperlink target (a relationship's, a field's or a formula's) under an http(s) hyperlink base — the
 * document property {@code HyperlinkBase} of {@code docProps/app.xml}, which Office puts in front of relative
 * hyperlinks — is resolved against it (RFC 3986) before it is asked for, and the click URL replaces the relative
 * target: otherwise {@code Target="login"} under the base {@code https://attacker.example/} would be a live link the
 * replacer never sees as one. The base itself is left as it is (it no longer applies to the absolute click URLs).
 * Targets with a scheme ({@code C:} included) or starting with two slashes or backslashes (a share) are not resolved.
 *
 * <p>Which parts are stories and worksheets is read from {@code [Content_Types].xml} (the content type Office goes by),
 * and the usual part names ({@code word/document.xml}, {@code word/header3.xml}, {@code xl/worksheets/sheet1.xml} …)
 * count as well, so a part whose content type was given another way is not missed. Each part is changed only in the
 * characters of the target (see {@link XmlPart}); the container is written back with every other entry copied raw
 * (see {@link ZipPackage}).
 *
 * <p><b>Left as written, with the reason.</b> Signed: a part under {@code _xmlsignatures/}, or a part whose content
 * type is an XML digital signature, is {@link DocumentLinks.DocumentException.Reason#SIGNED} unless {@code signed}
 * (rewriting breaks the signature; Office then shows it as invalid). A VBA project signature covers the macros only
 * and does not count. Encrypted: a password-protected Office file is not a zip at all but an OLE2 compound file
 * holding the encrypted package ({@code EncryptedPackage}), so it is not {@link #recognises recognised} (nothing in
 * it can be read or rewritten without the password); a zip entry with encryption is ENCRYPTED. See {@link ZipPackage}
 * and {@link XmlPart} for the bounds and what is UNREADABLE.
 *
 * <p>Not covered: the legacy binary formats ({@code .doc .xls .ppt}, OLE2), and RTF here (see {@link RtfLinks});
 * Office files embedded in an Office file ({@code word/embeddings/*.xlsx}, copied as they are); VML {@code href}
 * attributes in legacy drawings; HTML or MHT imported with {@code w:altChunk}. A file that is both a package and an
 * OpenDocument (it has {@code [Content_Types].xml} and {@code mimetype}) is recognised by both this and
 * {@link OpenDocumentLinks}.
 *
 * <p>Stateless and thread-safe.
 */
final class OfficeLinks implements DocumentLinks {

    /** The WordprocessingML namespaces (transitional, strict). */
    static final Set<String> WORD_NS = Set.of("http://schemas.openxmlformats.org/wordprocessingml/2006/main",
            "http://purl.oclc.org/ooxml/wordprocessingml/main");
    /** The SpreadsheetML namespaces (transitional, strict). */
    static final Set<String> SHEET_NS = Set.of("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
            "http://purl.oclc.org/ooxml/spreadsheetml/main");

    private static final String CONTENT_TYPES = "[content_types].xml";
    private static final String SIGNATURE_TYPE = "application/vnd.openxmlformats-package.digital-signature-xmlsignature+xml";
    private static final String HYPERLINK_TYPE_SUFFIX = "/relationships/hyperlink";
    private static final String APP_TYPE = "application/vnd.openxmlformats-officedocument.extended-properties+xml";
    /** The extended properties namespaces (transitional, strict): where {@code HyperlinkBase} is. */
    private static final Set<String> APP_NS = Set.of(
            "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
            "http://purl.oclc.org/ooxml/officeDocument/extendedProperties");

    /** Content types of the Word parts that hold fields: main document (plain, macro, templates), stories. */
    private static final Set<String> WORD_STORY_TYPES = Set.of(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            "application/vnd.ms-word.document.macroenabled.main+xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
            "application/vnd.ms-word.template.macroenabledtemplate.main+xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.glossary+xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml");
    private static final Pattern WORD_STORY_NAME =
            Pattern.compile("word/(document|header\\d*|footer\\d*|footnotes|endnotes|comments)\\.xml");
    /** Content types of the Excel parts whose cells hold formulas. */
    private static final Set<String> SHEET_TYPES = Set.of(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
            "application/vnd.ms-excel.macrosheet+xml", "application/vnd.ms-excel.intlmacrosheet+xml");
    private static final Pattern SHEET_NAME = Pattern.compile("xl/(worksheets|macrosheets)/[^/]+\\.xml");

    /** Stands in a joined field instruction for a nested field's result (U+FFFF is no XML character). */
    private static final char NESTED = '\uFFFF';

    @Override
    public String kind() {
        return "Office";
    }

    /**
     * A zip ({@code PK\3\4} at 0) whose central directory names {@code [Content_Types].xml} (any case). Reads the
     * directory only. An encrypted Office file is an OLE2 compound file, not a zip: false.
     */
    @Override
    public boolean recognises(byte[] decoded) {
        List<String> names = ZipPackage.names(decoded);
        if (names == null) {
            return false;
        }
        for (String name : names) {
            if (name.equalsIgnoreCase(CONTENT_TYPES)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public byte[] rewrite(byte[] decoded, Replacer links, boolean signed) throws DocumentException {
        try (ZipPackage zip = ZipPackage.open(decoded, true)) {
            List<ZipArchiveEntry> entries = zip.entries();
            int typesIndex = -1;
            for (int i = 0; i < entries.size(); i++) {
                String name = entries.get(i).getName().toLowerCase(Locale.ROOT);
                if (!signed && (name.startsWith("_xmlsignatures/") || name.contains("/_xmlsignatures/"))) {
                    throw new DocumentException(DocumentException.Reason.SIGNED, "a digitally signed Office document");
                }
                if (name.equals(CONTENT_TYPES)) {
                    typesIndex = i;
                }
            }
            if (typesIndex < 0) {
                throw new DocumentException(DocumentException.Reason.UNREADABLE,
                        "no [Content_Types].xml: not an Office Open XML package");
            }
            ContentTypes types = new ContentTypes();
            XmlPart.decode(zip.read(typesIndex)).scan(types);
            if (!signed) {
                for (ZipArchiveEntry e : entries) {
                    if (SIGNATURE_TYPE.equals(types.of(e.getName()))) {
                        throw new DocumentException(DocumentException.Reason.SIGNED,
                                "a digitally signed Office document");
                    }
                }
            }
            Hyperlinks hyperlinks = new Hyperlinks(links, hyperlinkBase(zip, types));
            Map<Integer, byte[]> changed = new HashMap<>();
            for (int i = 0; i < entries.size(); i++) {
                String name = entries.get(i).getName().toLowerCase(Locale.ROOT);
                if (entries.get(i).isDirectory()) {
                    continue;
                }
                String type = types.of(name);
                XmlPart.Handler handler;
                XmlPart part;
                if (name.endsWith(".rels")) {
                    part = XmlPart.decode(zip.read(i));
                    handler = new Relationships(hyperlinks);
                } else if (WORD_STORY_TYPES.contains(type) || WORD_STORY_NAME.matcher(name).matches()) {
                    part = XmlPart.decode(zip.read(i));
                    handler = new WordFields(part, hyperlinks);
                } else if (SHEET_TYPES.contains(type) || SHEET_NAME.matcher(name).matches()) {
                    part = XmlPart.decode(zip.read(i));
                    handler = new SheetFormulas(part, hyperlinks);
                } else {
                    continue;
                }
                part.scan(handler);
                if (handler instanceof WordFields fields) {
                    fields.finish();
                }
                if (part.changed()) {
                    changed.put(i, part.encode());
                }
            }
            return changed.isEmpty() ? decoded : zip.write(changed, null);
        } catch (RuntimeException e) {
            // A bug or a case not foreseen: the document is left as written, never the message.
            throw ZipPackage.unreadable(e);
        }
    }

    /**
     * The hyperlink base of the package ({@code HyperlinkBase} in the extended properties part, found by content type
     * or as {@code docProps/app.xml}) when it is an absolute http(s) URL, else null.
     */
    private static URI hyperlinkBase(ZipPackage zip, ContentTypes types) throws DocumentException {
        List<ZipArchiveEntry> entries = zip.entries();
        for (int i = 0; i < entries.size(); i++) {
            String name = entries.get(i).getName().toLowerCase(Locale.ROOT);
            if (!APP_TYPE.equals(types.of(name)) && !name.equals("docprops/app.xml")) {
                continue;
            }
            String[] base = new String[1];
            XmlPart.decode(zip.read(i)).scan(new XmlPart.Handler() {
                @Override
                public void start(XmlPart.Tag tag) {
                    if (tag.is(APP_NS, "HyperlinkBase")) {
                        tag.captureText();
                    }
                }

                @Override
                public void end(XmlPart.Tag tag) {
                    if (tag.is(APP_NS, "HyperlinkBase") && base[0] == null) {
                        base[0] = tag.text().text;
                    }
                }
            });
            if (base[0] != null) {
                return httpBase(base[0]);
            }
        }
        return null;
    }

    /**
     * A hyperlink base as written in a document ({@code HyperlinkBase} here, RTF's {@code \hlinkbase}) when it is an
     * absolute http(s) URL, else null: relative hyperlinks are resolved against it (see {@link Hyperlinks}).
     */
    static URI httpBase(String value) {
        if (value == null || !isHttp(value)) {
            return null;
        }
        try {
            return new URI(LinkRewriter.uriSafe(Urls.httpUrl(value).orElseThrow()));
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Asks for the replacement of hyperlink targets, a relative one resolved against the hyperlink base first. Also
     * used by {@link RtfLinks}, whose {@code \hlinkbase} plays the same part.
     */
    static final class Hyperlinks {
        private final Replacer links;
        private final URI base;

        Hyperlinks(Replacer links, URI base) {
            this.links = links;
            this.base = base;
        }

        /** The click URL for a hyperlink written as {@code target}, or null when it stays. */
        String replacement(String target) {
            return OfficeLinks.replacement(links, resolve(target), LinkTokens.Kind.LINK);
        }

        /** Any other target (not a hyperlink: the base does not apply). */
        String other(String target) {
            return OfficeLinks.replacement(links, target, LinkTokens.Kind.LINK);
        }

        private String resolve(String target) {
            String t = Urls.clean(target);
            if (base == null || t.isEmpty() || SCHEME.matcher(t).lookingAt() || t.startsWith("//")
                    || t.startsWith("\\\\") || t.startsWith("/\\") || t.startsWith("\\/")) {
                return target;
            }
            try {
                return base.resolve(new URI(LinkRewriter.uriSafe(t))).toString();
            } catch (URISyntaxException | IllegalArgumentException e) {
                return base.toString();
            }
        }
    }

    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*:");

    /** Whether a target, read the way a browser cleans it, has the scheme http or https (any case). */
    static boolean isHttp(String target) {
        String s = Urls.clean(target);
        int colon = s.indexOf(':');
        if (colon < 0) {
            return false;
        }
        String scheme = s.substring(0, colon);
        return scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https");
    }

    /** The replacement of {@code target}, or null when it stays (no replacement, or the same text). */
    static String replacement(Replacer links, String target, LinkTokens.Kind kind) {
        String r = links.replacement(target, kind);
        return r == null || r.equals(target) ? null : r;
    }

    /** {@code [Content_Types].xml}: the content type of each part, by override or by extension (case-insensitive). */
    private static final class ContentTypes implements XmlPart.Handler {
        private final Map<String, String> overrides = new HashMap<>();
        private final Map<String, String> defaults = new HashMap<>();

        @Override
        public void start(XmlPart.Tag tag) throws DocumentException {
            XmlPart.Attr type = tag.attribute("", "ContentType");
            if (type == null) {
                return;
            }
            String ct = type.value().trim().toLowerCase(Locale.ROOT);
            if (tag.local.equals("Override")) {
                XmlPart.Attr part = tag.attribute("", "PartName");
                String name = part == null ? "" : part.value().trim();
                if (name.startsWith("/")) {
                    overrides.putIfAbsent(name.substring(1).toLowerCase(Locale.ROOT), ct);
                }
            } else if (tag.local.equals("Default")) {
                XmlPart.Attr ext = tag.attribute("", "Extension");
                if (ext != null) {
                    defaults.putIfAbsent(ext.value().trim().toLowerCase(Locale.ROOT), ct);
                }
            }
        }

        /** The content type of the part stored as zip entry {@code name} (lower case), or {@code ""}. */
        String of(String name) {
            String lower = name.toLowerCase(Locale.ROOT);
            String ct = overrides.get(lower);
            if (ct != null) {
                return ct;
            }
            int slash = lower.lastIndexOf('/');
            int dot = lower.lastIndexOf('.');
            return dot > slash ? defaults.getOrDefault(lower.substring(dot + 1), "") : "";
        }
    }

    /** A relationship part: the targets of external relationships (see the class comment for which). */
    private static final class Relationships implements XmlPart.Handler {
        private final Hyperlinks links;

        Relationships(Hyperlinks links) {
            this.links = links;
        }

        @Override
        public void start(XmlPart.Tag tag) throws DocumentException {
            if (!tag.local.equals("Relationship")) {
                return;
            }
            XmlPart.Attr target = tag.attribute("", "Target");
            XmlPart.Attr mode = tag.attribute("", "TargetMode");
            if (target == null || mode == null || !mode.value().trim().equalsIgnoreCase("External")) {
                return;
            }
            XmlPart.Attr type = tag.attribute("", "Type");
            boolean hyperlink = type != null && type.value().trim().endsWith(HYPERLINK_TYPE_SUFFIX);
            String value = target.value();
            if (!hyperlink && !isHttp(value)) {
                return;
            }
            String r = hyperlink ? links.replacement(value) : links.other(value);
            if (r != null) {
                target.replaceValue(r);
            }
        }
    }

    /** A Word story: {@code HYPERLINK} field instructions (see the class comment). */
    private static final class WordFields implements XmlPart.Handler {
        private final XmlPart part;
        private final Hyperlinks links;
        /** Complex fields open, innermost first; each collects its instruction until its separate mark. */
        private final Deque<Field> open = new ArrayDeque<>();

        private static final class Field {
            /** Instruction pieces in order; null stands for a nested field's result. */
            final List<XmlPart.Run> pieces = new ArrayList<>();
            boolean inInstruction = true;
        }

        WordFields(XmlPart part, Hyperlinks links) {
            this.part = part;
            this.links = links;
        }

        @Override
        public void start(XmlPart.Tag tag) throws DocumentException {
            if (tag.is(WORD_NS, "fldSimple")) {
                XmlPart.Attr instr = tag.attribute(WORD_NS, "instr");
                if (instr != null) {
                    instruction(List.of(instr.run()));
                }
            } else if (tag.is(WORD_NS, "instrText")) {
                tag.captureText();
            } else if (tag.is(WORD_NS, "fldChar")) {
                XmlPart.Attr type = tag.attribute(WORD_NS, "fldCharType");
                String t = type == null ? "" : type.value().trim();
                Field top = open.peek();
                if (t.equals("begin")) {
                    if (top != null && top.inInstruction) {
                        top.pieces.add(null);
                    }
                    if (open.size() >= XmlPart.MAX_DEPTH) {
                        throw new DocumentException(DocumentException.Reason.TOO_LARGE,
                                "fields nested deeper than " + XmlPart.MAX_DEPTH);
                    }
                    open.push(new Field());
                } else if (t.equals("separate") && top != null) {
                    top.inInstruction = false;
                } else if (t.equals("end") && top != null) {
                    instruction(open.pop().pieces);
                }
            }
        }

        @Override
        public void end(XmlPart.Tag tag) {
            if (tag.is(WORD_NS, "instrText")) {
                XmlPart.Run text = tag.text();
                Field top = open.peek();
                if (top != null && top.inInstruction) {
                    top.pieces.add(text);
                } else {
                    // Outside a field Word ignores it; read alone, harmless either way.
                    instruction(List.of(text));
                }
            }
        }

        /** Fields still open at the end of the part (damaged, or cut): their instructions read as they are. */
        void finish() {
            while (!open.isEmpty()) {
                instruction(open.pop().pieces);
            }
        }

        private void instruction(List<XmlPart.Run> pieces) {
            if (pieces.isEmpty()) {
                return;
            }
            StringBuilder joined = new StringBuilder();
            int[] at = new int[pieces.size()];
            for (int k = 0; k < pieces.size(); k++) {
                at[k] = joined.length();
                XmlPart.Run p = pieces.get(k);
                if (p == null) {
                    joined.append(NESTED);
                } else {
                    joined.append(p.text);
                }
            }
            FieldCode.Target t = FieldCode.hyperlink(joined);
            if (t == null || t.start() == t.end() || joined.substring(t.start(), t.end()).indexOf(NESTED) >= 0) {
                return;
            }
            String r = links.replacement(t.value());
            if (r == null) {
                return;
            }
            String raw = FieldCode.argument(r, t.quoted());
            boolean placed = false;
            for (int k = 0; k < pieces.size(); k++) {
                XmlPart.Run p = pieces.get(k);
                if (p == null) {
                    continue;
                }
                int from = Math.max(t.start(), at[k]);
                int to = Math.min(t.end(), at[k] + p.text.length());
                if (from < to) {
                    p.replace(part, from - at[k], to - at[k], placed ? "" : raw);
                    placed = true;
                }
            }
        }
    }

    /** A worksheet: {@code HYPERLINK("url", …)} in cell formulas. */
    private static final class SheetFormulas implements XmlPart.Handler {
        private final XmlPart part;
        private final Hyperlinks links;

        SheetFormulas(XmlPart part, Hyperlinks links) {
            this.part = part;
            this.links = links;
        }

        @Override
        public void start(XmlPart.Tag tag) {
            if (tag.is(SHEET_NS, "f")) {
                tag.captureText();
            }
        }

        @Override
        public void end(XmlPart.Tag tag) {
            if (!tag.is(SHEET_NS, "f")) {
                return;
            }
            XmlPart.Run formula = tag.text();
            for (FieldCode.Target t : FieldCode.formulaHyperlinks(formula.text)) {
                String r = links.replacement(t.value());
                if (r != null && t.start() < t.end()) {
                    formula.replace(part, t.start(), t.end(), r.replace("\"", "\"\""));
                }
            }
        }
    }

    /** Reading the link target out of a Word field instruction and out of an Excel formula. */
    static final class FieldCode {

        private FieldCode() {
        }

        /**
         * A target found at {@code [start, end)} of the text read (inside the quotes, if quoted), {@code value} as
         * the application reads it (escapes undone).
         */
        record Target(int start, int end, String value, boolean quoted) {
        }

        /** The switches of {@code HYPERLINK} that take an argument: location, tooltip, target frame. */
        static final String HYPERLINK_SWITCHES = "lot";
        /**
         * The general switches of every field, each taking an argument: {@code \* MERGEFORMAT} (format),
         * {@code \# "0.00"} (numeric picture), {@code \@ "d MMMM"} (date picture). Before RtfLinks they were read as
         * switches without argument, so {@code HYPERLINK \* MERGEFORMAT "url"} was taken to link to
         * {@code MERGEFORMAT} and its URL stayed live.
         */
        private static final String GENERAL_SWITCHES = "*#@";

        /**
         * The URL of a {@code HYPERLINK} field instruction, or null when the instruction is another field or has
         * none. The field name is the first word (any case); the URL is the first argument that is not a switch or
         * a switch's argument ({@code HYPERLINK \o "tip" "url"} works in Word as well). An argument is quoted
         * ({@code "…"}, or Word's typographic quotes), where {@code \"} and {@code \\} stand for a quote and a
         * backslash, or runs to the next white space.
         */
        static Target hyperlink(CharSequence s) {
            return name(s).equalsIgnoreCase("HYPERLINK") ? firstArgument(s, HYPERLINK_SWITCHES) : null;
        }

        /** The name of the field whose instruction is {@code s}: its first word, as written. */
        static String name(CharSequence s) {
            int i = skipSpace(s, 0);
            return s.subSequence(i, nameEnd(s, i)).toString();
        }

        private static int nameEnd(CharSequence s, int i) {
            int n = s.length();
            while (i < n && !isSpace(s.charAt(i)) && s.charAt(i) != '\\' && !isQuote(s.charAt(i))) {
                i++;
            }
            return i;
        }

        /**
         * The first argument of a field instruction after its name that is neither a switch nor a switch's argument
         * ({@code switchesWithArgument}, lower case, besides the general switches {@code \* \# \@}), or null when
         * there is none.
         */
        static Target firstArgument(CharSequence s, String switchesWithArgument) {
            int n = s.length();
            int i = nameEnd(s, skipSpace(s, 0));
            boolean skipNext = false;
            while (true) {
                i = skipSpace(s, i);
                if (i >= n) {
                    return null;
                }
                if (s.charAt(i) == '\\' && !skipNext) {
                    char sw = i + 1 < n ? Character.toLowerCase(s.charAt(i + 1)) : ' ';
                    skipNext = switchesWithArgument.indexOf(sw) >= 0 || GENERAL_SWITCHES.indexOf(sw) >= 0;
                    i += 2;
                    continue;
                }
                Target arg = argument(s, i);
                if (!skipNext) {
                    return arg;
                }
                skipNext = false;
                i = arg.quoted() ? Math.min(n, arg.end() + 1) : arg.end();
            }
        }

        private static Target argument(CharSequence s, int i) {
            int n = s.length();
            boolean quoted = isQuote(s.charAt(i));
            int start = quoted ? i + 1 : i;
            StringBuilder value = new StringBuilder();
            int k = start;
            while (k < n) {
                char c = s.charAt(k);
                if (quoted ? isQuote(c) : isSpace(c)) {
                    break;
                }
                if (c == '\\' && k + 1 < n && (s.charAt(k + 1) == '\\' || s.charAt(k + 1) == '"')) {
                    value.append(s.charAt(k + 1));
                    k += 2;
                    continue;
                }
                value.append(c);
                k++;
            }
            return new Target(start, k, value.toString(), quoted);
        }

        /** {@code url} written as a field argument in place of one that was {@code quoted} or not. */
        static String argument(String url, boolean quoted) {
            String escaped = url.replace("\\", "\\\\").replace("\"", "\\\"");
            boolean plain = escaped.equals(url) && url.chars().noneMatch(c -> isSpace((char) c) || isQuote((char) c));
            return quoted || plain ? escaped : "\"" + escaped + "\"";
        }

        /**
         * The first arguments of the {@code HYPERLINK} calls in an Excel formula that are one string literal each
         * (inside the quotes; {@code ""} in a literal is one quote). String literals, quoted sheet names
         * ({@code 'Sheet 1'!A1}) and bracketed references ({@code [1]Sheet1!A1}, {@code Table[[#This Row],[x]]}) are
         * skipped as such, so a name inside them is not taken for a call.
         */
        static List<Target> formulaHyperlinks(String f) {
            List<Target> found = new ArrayList<>();
            int n = f.length();
            int i = 0;
            while (i < n) {
                char c = f.charAt(i);
                if (c == '"') {
                    i = literalEnd(f, i);
                } else if (c == '\'') {
                    i = quotedEnd(f, i);
                } else if (c == '[') {
                    int depth = 0;
                    while (i < n) {
                        char b = f.charAt(i++);
                        if (b == '[') {
                            depth++;
                        } else if (b == ']' && --depth == 0) {
                            break;
                        }
                    }
                } else if (isNameStart(c) && (i == 0 || !isNamePart(f.charAt(i - 1)))) {
                    int j = i;
                    while (j < n && isNamePart(f.charAt(j))) {
                        j++;
                    }
                    if (f.regionMatches(true, i, "HYPERLINK", 0, 9) && j - i == 9) {
                        int k = skipSpace(f, j);
                        if (k < n && f.charAt(k) == '(') {
                            k = skipSpace(f, k + 1);
                            if (k < n && f.charAt(k) == '"') {
                                int end = literalEnd(f, k);
                                int after = skipSpace(f, end);
                                if (end <= n && f.charAt(end - 1) == '"' && end - 1 > k && after < n
                                        && (f.charAt(after) == ',' || f.charAt(after) == ')')) {
                                    found.add(new Target(k + 1, end - 1, f.substring(k + 1, end - 1)
                                            .replace("\"\"", "\""), true));
                                }
                            }
                        }
                    }
                    i = j;
                } else {
                    i++;
                }
            }
            return found;
        }

        /** The index after the string literal starting at {@code i} ({@code ""} inside it is a quote). */
        private static int literalEnd(String f, int i) {
            return quotedEnd(f, i);
        }

        /** The index after a run quoted by the character at {@code i}, that character doubled standing for itself. */
        private static int quotedEnd(String f, int i) {
            char q = f.charAt(i);
            int k = i + 1;
            while (k < f.length()) {
                if (f.charAt(k) == q) {
                    if (k + 1 < f.length() && f.charAt(k + 1) == q) {
                        k += 2;
                        continue;
                    }
                    return k + 1;
                }
                k++;
            }
            return f.length();
        }

        private static boolean isNameStart(char c) {
            return Character.isLetter(c) || c == '_' || c == '\\';
        }

        private static boolean isNamePart(char c) {
            return Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '\\';
        }

        static boolean isQuote(char c) {
            return c == '"' || c == '\u201C' || c == '\u201D';
        }

        static boolean isSpace(char c) {
            return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\u00A0';
        }

        private static int skipSpace(CharSequence s, int i) {
            while (i < s.length() && isSpace(s.charAt(i))) {
                i++;
            }
            return i;
        }
    }
}
