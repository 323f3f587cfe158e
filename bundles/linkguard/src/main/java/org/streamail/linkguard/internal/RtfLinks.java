package org.streamail.linkguard.internal;

import java.net.URI;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.streamail.linkguard.internal.OfficeLinks.FieldCode;

/**
 * The links of RTF files rewritten to click URLs. Word opens a file as RTF by its first bytes whatever its name, so a
 * {@code .doc} that is really RTF is one too; WordPad, LibreOffice and TextEdit open them as well, and a click on a
 * {@code HYPERLINK} field went straight to its target.
 *
 * <p><b>Recognised</b> by its first four bytes, <code>{\rt</code> at offset 0: all Word checks, by oletools' account
 * (its rtfobj, written against Word's behaviour, looks for nothing more), and a superset of LibreOffice's
 * <code>{\rtf</code> (a plain comparison of the first five bytes). Neither skips white space or a byte order mark
 * before it, so neither does this.
 *
 * <p><b>What is rewritten</b> — every target is asked for with {@link LinkTokens.Kind#LINK}:
 * <ul>
 *   <li>The URL of a {@code HYPERLINK} field ({@code {\field{\*\fldinst HYPERLINK "url" \o "tip"}{\fldrslt …}}}),
 *       whatever its scheme (the {@link DocumentLinks.Replacer} leaves what it does not guard: {@code mailto:},
 *       relative paths). The instruction is read as Word reads it: the text of the {@code \fldinst} group and all its
 *       sub-groups joined, so a URL split over groups and runs of formatting is found whole, with the escapes undone
 *       ({@code \'hh} in the document's {@code \ansicpg}, <code>&#92;uN</code> with its <code>&#92;ucN</code> fallback skipped,
 *       {@code \\ \{ \}}, {@code \~}, {@code \ldblquote} …); then it is read by {@link FieldCode} like a Word field:
 *       the first argument that is no switch nor a switch's argument ({@code \l "bookmark"} — an internal link, left
 *       as is —, {@code \o "tip"}, {@code \t "frame"}, and the general {@code \* \# \@}), quoted or not. A relative
 *       target under an http(s) {@code {\*\hlinkbase …}} (in {@code \info}) is resolved against it first, as Word
 *       does (see {@link OfficeLinks.Hyperlinks}).</li>
 *   <li>The file of an {@code INCLUDEPICTURE} or {@code INCLUDETEXT} field when it is http(s): Word fetches it from
 *       there when the field is updated.</li>
 *   <li>The attached template ({@code {\*\template …}}) when it is http(s): Word fetches it as the file opens (remote
 *       template injection), and a shape's or picture's hyperlink ({@code {\*\hl{\hlsrc url}}} in its
 *       {@code pihlShape} property), as a hyperlink.</li>
 * </ul>
 *
 * <p><b>How it is written back.</b> The new URL (ASCII) replaces the whole original argument as one plain quoted
 * argument ({@code "url"}, RTF and field escapes applied) at the place of the argument's first character; the source
 * bytes of the argument's other characters are removed wherever they were (other groups, other runs), and every other
 * byte of the file stays — the groups, their formatting, the other switches and the field result ({@code \fldrslt},
 * the visible text), which is not changed. Where a removal or the URL would join a control word to what follows
 * ({@code \b\'68ttp…}), a space is put after the control word: its delimiter, never text. A rewritten
 * {@code HYPERLINK} field's {@code {\*\datafield …}} is removed: Word writes there the hyperlink object it follows
 * (MS-DOC's HFD, the old URL as a moniker), and writes it again from the instruction on saving. The rule is that a
 * link believed rewritten never stays live, so the output is read again with the same reader, and unless every field
 * and target reads back as the replacement or exactly as it was (in the same order, the rewritten ones without a data
 * field) the file is refused ({@link DocumentLinks.DocumentException.Reason#UNREADABLE}) and stays as written.
 *
 * <p><b>Left as written:</b> a {@code HYPERLINK} whose URL is computed by a field nested in the instruction (its value
 * is known only once Word computes it), as for Word files; and a field to be rewritten whose instruction holds text
 * in a destination this reader skips ({@code \*\…} groups, bookmarks …) that reads as a URL — a destination Word
 * might read where this reader does not — is UNREADABLE, the file stays as written. Not covered: OLE objects
 * ({@code \objdata}, an OLE2Link's URL included), form field data ({@code \*\datafield} of other fields,
 * {@code \*\formfield}), HTML encapsulated in RTF by Outlook ({@code \*\htmltag}), fields inside destinations Word
 * does not show (fonts, styles, pictures, document information), {@code LINK} fields, and URLs in the visible text
 * (which some viewers make clickable).
 *
 * <p><b>Bounds</b> (beyond one: {@link DocumentLinks.DocumentException.Reason#TOO_LARGE}): groups nested
 * {@value #MAX_DEPTH} deep, {@value #MAX_PLACES} fields and targets, {@value #MAX_INSTRUCTION_CHARS} characters of
 * instructions and targets in all, {@value #MAX_CONTROL_WORD_LETTERS} letters in a control word and
 * {@value #MAX_PARAMETER_DIGITS} digits in its parameter (Word reads at most 253 characters of both, oletools found).
 * One pass over the bytes with an explicit stack, no recursion; a {@code \binN} reaching past the end is UNREADABLE.
 * A file cut short is read as far as it goes, and closing braces beyond the document's are ignored with the text after
 * them read too: reading more than a viewer shows costs nothing, reading less could leave a link live.
 *
 * <p>No signatures and no encryption exist in RTF: {@code signed} plays no part. Stateless and thread-safe.
 */
final class RtfLinks implements DocumentLinks {

    /** Groups open at once at most. Word's own limit is lower still; no real file comes near. */
    static final int MAX_DEPTH = 1_000;
    /** Fields ({@code \fldinst} groups) and target destinations at most. */
    static final int MAX_PLACES = 10_000;
    /** Characters of field instructions and target destinations at most, all together. */
    static final int MAX_INSTRUCTION_CHARS = 1_000_000;
    /** Letters of one control word at most (RTF 1.9.1 writes none longer than 32; Word reads up to 253 characters). */
    static final int MAX_CONTROL_WORD_LETTERS = 250;
    /** Digits of one numeric parameter at most (Word reads leading zeros up to its 253 characters). */
    static final int MAX_PARAMETER_DIGITS = 250;

    /** Stands in an instruction for a nested field's result (U+FFFF is no character of a document). */
    private static final char NESTED = '\uFFFF';

    @Override
    public String kind() {
        return "RTF";
    }

    /** <code>{\rt</code> at offset 0 (see the class comment). */
    @Override
    public boolean recognises(byte[] decoded) {
        return startsAsRtf(decoded);
    }

    /** Whether {@code b} starts with <code>{\rt</code>, as every file Word opens as RTF does. */
    static boolean startsAsRtf(byte[] b) {
        return b.length >= 4 && b[0] == '{' && b[1] == '\\' && b[2] == 'r' && b[3] == 't';
    }

    @Override
    public byte[] rewrite(byte[] decoded, Replacer links, boolean signed) throws DocumentException {
        try {
            Parsed in = Reader.read(decoded);
            OfficeLinks.Hyperlinks hyperlinks = new OfficeLinks.Hyperlinks(links, OfficeLinks.httpBase(in.base()));
            List<Edit> edits = new ArrayList<>();
            String[] expected = new String[in.places.size()];
            boolean[] rewritten = new boolean[in.places.size()];
            for (int k = 0; k < in.places.size(); k++) {
                Place p = in.places.get(k);
                Found f = target(p);
                expected[k] = f == null ? null : f.target.value();
                if (p.kind == Kind.BASE || f == null || f.target.start() == f.target.end()
                        || f.target.value().indexOf(NESTED) >= 0) {
                    continue;
                }
                String r = f.hyperlink ? hyperlinks.replacement(f.target.value())
                        : OfficeLinks.isHttp(f.target.value()) ? hyperlinks.other(f.target.value()) : null;
                if (r == null) {
                    continue;
                }
                if (p.hiddenUrl) {
                    throw new DocumentException(DocumentException.Reason.UNREADABLE, "a field whose instruction hides "
                            + "text that reads as a URL in a destination Word might read");
                }
                if (p.openDatafield) {
                    throw new DocumentException(DocumentException.Reason.UNREADABLE,
                            "a field whose data field is cut off by the end of the file");
                }
                replace(p, f.target, r, in.bare, edits);
                expected[k] = r;
                rewritten[k] = true;
            }
            if (edits.isEmpty()) {
                return decoded;
            }
            byte[] out = apply(decoded, edits);
            verify(out, in, expected, rewritten);
            return out;
        } catch (RuntimeException e) {
            // A bug or a case not foreseen: the file is left as written, never the message.
            throw new DocumentException(DocumentException.Reason.UNREADABLE, "RTF not readable: " + e, e);
        }
    }

    /** A place's target, and whether it is a hyperlink (any scheme, resolved against the base) or a fetched file. */
    private record Found(FieldCode.Target target, boolean hyperlink) {
    }

    /** The target of a field or target destination as written (escapes undone), or null when it has none. */
    private static Found target(Place p) {
        String text = p.text.toString();
        switch (p.kind) {
            case FIELD -> {
                String name = FieldCode.name(text).toUpperCase(Locale.ROOT);
                FieldCode.Target t = switch (name) {
                    case "HYPERLINK" -> FieldCode.firstArgument(text, FieldCode.HYPERLINK_SWITCHES);
                    // \c converter; INCLUDETEXT also \n namespaces, \t XSL transformation, \x XPath
                    case "INCLUDEPICTURE" -> FieldCode.firstArgument(text, "c");
                    case "INCLUDETEXT" -> FieldCode.firstArgument(text, "cntx");
                    default -> null;
                };
                return t == null ? null : new Found(t, name.equals("HYPERLINK"));
            }
            case TEMPLATE, LINK_SOURCE, BASE -> {
                int s = 0;
                int e = text.length();
                while (s < e && FieldCode.isSpace(text.charAt(s))) {
                    s++;
                }
                while (e > s && FieldCode.isSpace(text.charAt(e - 1))) {
                    e--;
                }
                return s == e ? null : new Found(new FieldCode.Target(s, e, text.substring(s, e), false),
                        p.kind == Kind.LINK_SOURCE);
            }
            default -> throw new IllegalStateException(p.kind.toString());
        }
    }

    /**
     * The edits that put {@code url} in place of {@code t} in {@code p}: at the source of the argument's first
     * character (its opening quote for a quoted field argument) the new argument, the source of every other character
     * of the argument (its closing quote included) removed; and a rewritten field's data fields removed.
     */
    private static void replace(Place p, FieldCode.Target t, String url, BitSet bare, List<Edit> edits)
            throws DocumentException {
        int a = t.start();
        int b = t.end();
        byte[] written;
        if (p.kind == Kind.FIELD) {
            if (t.quoted()) {
                a--;
                if (b < p.text.length() && FieldCode.isQuote(p.text.charAt(b))) {
                    b++;
                }
            }
            written = ("\"" + rtfEscaped(url.replace("\\", "\\\\").replace("\"", "\\\"")) + "\"")
                    .getBytes(StandardCharsets.US_ASCII);
        } else {
            written = rtfEscaped(url).getBytes(StandardCharsets.US_ASCII);
        }
        int k = a;
        boolean first = true;
        while (k < b) {
            int runStart = p.starts[k];
            int runEnd = p.ends[k];
            k++;
            while (k < b && p.starts[k] == runEnd) {
                runEnd = p.ends[k++];
            }
            edits.add(new Edit(runStart, runEnd, first ? written : new byte[0], bare.get(runStart)));
            first = false;
        }
        for (int[] d : p.datafields) {
            edits.add(new Edit(d[0], d[1], new byte[0], bare.get(d[0])));
        }
    }

    /** {@code s} as RTF text, {@code \ { }} escaped; a character outside printable ASCII is refused (URLs are ASCII). */
    private static String rtfEscaped(String s) throws DocumentException {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new DocumentException(DocumentException.Reason.UNREADABLE, "a replacement URL that is not ASCII");
            }
            if (c == '\\' || c == '{' || c == '}') {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }

    /** Replaces {@code [start, end)} of the file; {@code space} puts a delimiter after a control word ending there. */
    private record Edit(int start, int end, byte[] bytes, boolean space) {
    }

    private static byte[] apply(byte[] in, List<Edit> edits) throws DocumentException {
        edits.sort(Comparator.comparingInt(Edit::start));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(in.length + 64 * edits.size());
        int at = 0;
        for (Edit e : edits) {
            if (e.start < at) {
                throw new DocumentException(DocumentException.Reason.UNREADABLE, "targets overlapping in the file");
            }
            out.write(in, at, e.start - at);
            if (e.space) {
                out.write(' ');
            }
            out.write(e.bytes, 0, e.bytes.length);
            at = e.end;
        }
        out.write(in, at, in.length - at);
        return out.toByteArray();
    }

    /**
     * Reads {@code out} again and checks that each field and target reads as {@code expected} (the replacement where
     * one was made, else the target as it was), in the same order, and that no rewritten field kept a data field or
     * hidden URL text: else a link believed rewritten could still be live, and the file is refused.
     */
    private static void verify(byte[] out, Parsed in, String[] expected, boolean[] rewritten) throws DocumentException {
        Parsed again = Reader.read(out);
        String problem = null;
        if (again.places.size() != in.places.size()) {
            problem = in.places.size() + " fields and targets before, " + again.places.size() + " after";
        }
        for (int k = 0; problem == null && k < expected.length; k++) {
            Place p = again.places.get(k);
            Found f = target(p);
            if (p.kind != in.places.get(k).kind || !Objects.equals(f == null ? null : f.target.value(), expected[k])) {
                problem = "field or target " + (k + 1) + " does not read back as intended";
            } else if (rewritten[k] && (!p.datafields.isEmpty() || p.openDatafield || p.hiddenUrl)) {
                problem = "rewritten field " + (k + 1) + " keeps a data field or hidden text";
            }
        }
        if (problem != null) {
            throw new DocumentException(DocumentException.Reason.UNREADABLE,
                    "the rewritten RTF was refused: " + problem);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Reading

    /** What a place holds. */
    enum Kind {
        /** A field instruction ({@code \fldinst}). */
        FIELD,
        /** The attached template ({@code \*\template}). */
        TEMPLATE,
        /** A shape's or picture's hyperlink target ({@code \hlsrc}). */
        LINK_SOURCE,
        /** The hyperlink base ({@code \*\hlinkbase}); read, never rewritten. */
        BASE
    }

    /**
     * One field instruction or target destination: its text as the application reads it, and for each character the
     * source bytes it came from ({@code [starts[k], ends[k])}: a byte, an escape, a <code>&#92;uN</code> with its fallback, a
     * control word standing for a character; a nested field's result is one zero-width {@link #NESTED}).
     */
    static final class Place {
        final Kind kind;
        final StringBuilder text = new StringBuilder();
        int[] starts = new int[16];
        int[] ends = new int[16];
        /** The data field groups of a field's instruction, {@code [start of '{', after '}')}. */
        final List<int[]> datafields = new ArrayList<>(1);
        /** A data field group the file ended in. */
        boolean openDatafield;
        /** Text in a skipped destination inside the instruction reads as a URL ({@code http: https: www.}). */
        boolean hiddenUrl;
        private final StringBuilder tail = new StringBuilder(8);

        Place(Kind kind) {
            this.kind = kind;
        }

        void add(char c, int start, int end) {
            int k = text.length();
            if (k == starts.length) {
                starts = Arrays.copyOf(starts, k * 2);
                ends = Arrays.copyOf(ends, k * 2);
            }
            starts[k] = start;
            ends[k] = end;
            text.append(c);
        }

        /** A character of the instruction's group that is not instruction text (a skipped destination's). */
        void hidden(char c) {
            if (tail.length() == 6) {
                tail.deleteCharAt(0);
            }
            tail.append(Character.toLowerCase(c));
            String t = tail.toString();
            if (t.endsWith("http:") || t.endsWith("https:") || t.endsWith("www.")) {
                hiddenUrl = true;
            }
        }
    }

    /** The places of a file in document order, and where an undelimited control word ends ({@code bare}). */
    record Parsed(List<Place> places, BitSet bare) {
        /** The first hyperlink base's text, or null. */
        String base() {
            for (Place p : places) {
                if (p.kind == Kind.BASE) {
                    return p.text.toString().strip();
                }
            }
            return null;
        }
    }

    /**
     * The RTF reader: one pass over the bytes, groups on an explicit stack (arrays of {@link #MAX_DEPTH} + 1
     * frames). Each group has a destination, inherited from its parent until a destination control word in it
     * (anywhere in the group, as Word and oletools read it) changes it:
     * <ul>
     *   <li>{@code TEXT}: document text (the body, headers, footnotes, field results, shape text …), not
     *       collected;</li>
     *   <li>{@code INSTR}: a field's instruction, collected with the source of every character;</li>
     *   <li>{@code SKIP}: not text — the tables, pictures, objects, document information, bookmarks, data fields,
     *       shape properties, and every {@code \*\…} destination not known to hold text. Inside an instruction its
     *       text is watched for URLs ({@link Place#hidden}); fields in it are not read (Word does not show them);</li>
     *   <li>{@code TARGET}: a template or hyperlink source, collected like an instruction, wherever it is.</li>
     * </ul>
     * <code>&#92;upr{ansi}{\*&#92;ud{unicode}}</code> is read as Word reads it: the ANSI group skipped, the Unicode one
     * read in the destination around the <code>&#92;upr</code>.
     */
    static final class Reader {
        private static final byte TEXT = 0;
        private static final byte INSTR = 1;
        private static final byte SKIP = 2;
        private static final byte TARGET = 3;
        private static final byte NONE = -1;

        /** Destinations that hold no text Word shows (RTF 1.9.1), skipped with whatever they hold. */
        private static final Set<String> SKIPPED = Set.of("fonttbl", "colortbl", "stylesheet", "listtable",
                "listoverridetable", "revtbl", "rsidtbl", "filetbl", "pgptbl", "protusertbl", "xmlnstbl",
                "latentstyles", "themedata", "colorschememapping", "datastore", "generator", "info", "userprops",
                "docvar", "mailmerge", "pict", "shppict", "nonshppict", "objdata", "objclass", "objname", "objalias",
                "objsect", "oleclsid", "blipuid", "picprop", "datafield", "formfield", "fldtype", "bkmkstart",
                "bkmkend", "protstart", "protend", "atrfstart", "atrfend", "atnid", "atnauthor", "atndate",
                "atnparent", "atnref", "atntime", "atnicn", "factoidname", "xmlopen", "xmlclose", "xmlname",
                "xmlattrname", "xmlattrvalue", "xform", "leveltext", "levelnumbers", "listname", "liststylename",
                "listpicture", "lfolevel", "pn", "pnseclvl", "pntext", "pntxta", "pntxtb", "listtext", "password",
                "passwordhash", "writereservation", "writereservhash", "wgrffmtfilter", "fchars", "lchars", "defchp",
                "defpap", "panose", "falt", "fontemb", "fontfile", "keycode", "sp", "sn", "sv", "txe", "xe", "tc",
                "rxe", "ebcstart", "ebcend", "buptim", "creatim", "printim", "revtim", "title", "subject", "author",
                "manager", "company", "operator", "category", "keywords", "comment", "doccomm", "hl", "hlloc",
                "hlfr", "linkval", "staticval", "propname", "htmltag", "mhtmltag", "ffdeftext", "ffname",
                "ffhelptext", "ffstattext", "ffentrymcr", "ffexitmcr", "ffformat", "ffl", "oldcprops", "oldpprops",
                "oldsprops", "oldtprops", "gridtbl", "pgdsctbl", "background");
        /** Destinations that hold text Word shows: read even when written after {@code \*}. */
        private static final Set<String> TEXT_DESTINATIONS = Set.of("field", "fldrslt", "result", "header",
                "headerl", "headerr", "headerf", "footer", "footerl", "footerr", "footerf", "footnote", "annotation",
                "shp", "shpgrp", "shpinst", "shptxt", "shprslt", "dptxbxtext", "do", "ud", "nesttableprops", "ftnsep",
                "ftnsepc", "aftnsep", "aftnsepc", "ftncn", "aftncn");
        /** Control words that stand for a character of text. */
        private static final Map<String, Character> CHARACTERS = Map.ofEntries(Map.entry("par", '\n'),
                Map.entry("line", '\n'), Map.entry("sect", '\n'), Map.entry("page", '\n'), Map.entry("column", '\n'),
                Map.entry("row", '\n'), Map.entry("cell", '\t'), Map.entry("nestcell", '\t'),
                Map.entry("nestrow", '\n'), Map.entry("tab", '\t'), Map.entry("emdash", '\u2014'),
                Map.entry("endash", '\u2013'), Map.entry("emspace", '\u2003'), Map.entry("enspace", '\u2002'),
                Map.entry("qmspace", '\u2005'), Map.entry("bullet", '\u2022'), Map.entry("lquote", '\u2018'),
                Map.entry("rquote", '\u2019'), Map.entry("ldblquote", '\u201C'), Map.entry("rdblquote", '\u201D'),
                Map.entry("zwj", '\u200D'), Map.entry("zwnj", '\u200C'), Map.entry("ltrmark", '\u200E'),
                Map.entry("rtlmark", '\u200F'));

        private static final char[] WINDOWS_1252 = table(Charset.forName("windows-1252"));

        private final byte[] b;
        private final int n;
        private final List<Place> places = new ArrayList<>();
        private final BitSet bare;
        private int collected;
        private char[] codepage = WINDOWS_1252;

        // The group stack: frame 0 is outside every group.
        private int top;
        private final int[] uc = new int[MAX_DEPTH + 1];
        private final byte[] dest = new byte[MAX_DEPTH + 1];
        private final Place[] owner = new Place[MAX_DEPTH + 1];
        /** On an "upr" group: the destination and owner around it, for its "ud" child (RTF 1.9.1); else NONE. */
        private final byte[] restoreDest = new byte[MAX_DEPTH + 1];
        private final Place[] restoreOwner = new Place[MAX_DEPTH + 1];
        private final int[] open = new int[MAX_DEPTH + 1];
        /** The field whose data field this group is, or null. */
        private final Place[] datafieldOf = new Place[MAX_DEPTH + 1];
        /** {@code \*} read, and no control word since. */
        private boolean starred;

        // The control word just read.
        private String word;
        private boolean hasParam;
        private long param;

        private Reader(byte[] b) {
            this.b = b;
            this.n = b.length;
            this.bare = new BitSet();
            uc[0] = 1;
            dest[0] = TEXT;
            restoreDest[0] = NONE;
        }

        static Parsed read(byte[] b) throws DocumentException {
            Reader r = new Reader(b);
            r.run();
            return new Parsed(r.places, r.bare);
        }

        private void run() throws DocumentException {
            int i = 0;
            while (i < n) {
                int c = b[i] & 0xff;
                if (c == '{') {
                    if (top == MAX_DEPTH) {
                        throw new DocumentException(DocumentException.Reason.TOO_LARGE,
                                "RTF groups nested deeper than " + MAX_DEPTH);
                    }
                    top++;
                    uc[top] = uc[top - 1];
                    dest[top] = dest[top - 1];
                    owner[top] = owner[top - 1];
                    restoreDest[top] = NONE;
                    restoreOwner[top] = null;
                    datafieldOf[top] = null;
                    open[top] = i;
                    starred = false;
                    i++;
                } else if (c == '}') {
                    if (top > 0) {
                        if (datafieldOf[top] != null) {
                            datafieldOf[top].datafields.add(new int[] {open[top], i + 1});
                        }
                        top--;
                    }
                    starred = false;
                    i++;
                } else if (c == '\\') {
                    i = control(i);
                } else {
                    // line breaks are no text (writers wrap lines anywhere, even after \*), nor is NUL
                    if (c != '\r' && c != '\n' && c != 0) {
                        text(c < 0x80 ? (char) c : codepage[c], i, i + 1);
                    }
                    i++;
                }
            }
            for (int k = top; k > 0; k--) {
                if (datafieldOf[k] != null) {
                    datafieldOf[k].openDatafield = true;
                }
            }
        }

        /** The control word or symbol at {@code i} (a backslash) acted on; returns the index after it. */
        private int control(int i) throws DocumentException {
            if (i + 1 >= n) {
                return n;
            }
            int c = b[i + 1] & 0xff;
            if (!isLetter(c)) {
                return symbol(i, c);
            }
            int end = readWord(i);
            boolean star = starred;
            starred = false;
            switch (word) {
                case "bin" -> {
                    return skipBinary(end);
                }
                case "u" -> {
                    if (!hasParam) {
                        return end;
                    }
                    char ch = (char) (param & 0xFFFF);
                    int after = skipFallback(end, uc[top]);
                    text(ch, i, after);
                    return after;
                }
                case "uc" -> uc[top] = hasParam ? (int) Math.max(0, Math.min(param, 65_535)) : 1;
                case "ansicpg" -> codepage = hasParam ? codepage((int) param) : codepage;
                case "mac" -> codepage = codepage(10000);
                case "pc" -> codepage = codepage(437);
                case "pca" -> codepage = codepage(850);
                case "fldinst" -> {
                    if (dest[top] == INSTR) {
                        // an instruction directly inside another: a nested field all the same
                        owner[top].add(NESTED, open[top], open[top]);
                    }
                    if (dest[top] == TEXT || dest[top] == INSTR) {
                        Place p = place(Kind.FIELD);
                        dest[top] = INSTR;
                        owner[top] = p;
                    }
                }
                case "field" -> {
                    if (dest[top] == INSTR) {
                        owner[top].add(NESTED, open[top], open[top]);
                        dest[top] = TEXT;
                        owner[top] = null;
                    } else if (dest[top] == TEXT) {
                        owner[top] = null;
                    }
                }
                case "fldrslt" -> {
                    if (dest[top] == INSTR) {
                        dest[top] = TEXT;
                    }
                }
                case "template" -> target(Kind.TEMPLATE);
                case "hlsrc" -> target(Kind.LINK_SOURCE);
                case "hlinkbase" -> target(Kind.BASE);
                case "datafield" -> {
                    if (dest[top] == INSTR || dest[top] == SKIP && owner[top] != null) {
                        datafieldOf[top] = owner[top];
                    }
                    dest[top] = SKIP;
                }
                case "upr" -> {
                    // the ANSI twin is skipped without being watched: it is the other reading of the same text
                    if (dest[top] != SKIP) {
                        restoreDest[top] = dest[top];
                        restoreOwner[top] = owner[top];
                    }
                    dest[top] = SKIP;
                    owner[top] = null;
                }
                case "ud" -> {
                    // only as a child of the upr group: read in the destination around the upr
                    if (top > 0 && restoreDest[top - 1] != NONE) {
                        dest[top] = restoreDest[top - 1];
                        owner[top] = restoreOwner[top - 1];
                    }
                }
                default -> {
                    Character ch = CHARACTERS.get(word);
                    if (ch != null) {
                        text(ch, i, end);
                    } else if (SKIPPED.contains(word) || star && !TEXT_DESTINATIONS.contains(word)) {
                        dest[top] = SKIP;
                    }
                }
            }
            return end;
        }

        /** A template, hyperlink source or base destination: its text collected wherever it is. */
        private void target(Kind kind) throws DocumentException {
            dest[top] = TARGET;
            owner[top] = place(kind);
        }

        private Place place(Kind kind) throws DocumentException {
            if (places.size() == MAX_PLACES) {
                throw new DocumentException(DocumentException.Reason.TOO_LARGE, "more than " + MAX_PLACES
                        + " fields in an RTF file");
            }
            Place p = new Place(kind);
            places.add(p);
            return p;
        }

        /** A control symbol ({@code \} and a non-letter {@code c}) at {@code i}; returns the index after it. */
        private int symbol(int i, int c) throws DocumentException {
            boolean star = c == '*';
            starred = star;
            switch (c) {
                case '\'' -> {
                    // Word takes the next two bytes as the hex digits, whatever they are (oletools)
                    int end = Math.min(n, i + 4);
                    int hi = end > i + 2 ? Character.digit(b[i + 2], 16) : -1;
                    int lo = end > i + 3 ? Character.digit(b[i + 3], 16) : -1;
                    if (hi >= 0 && lo >= 0) {
                        int v = hi * 16 + lo;
                        text(v < 0x80 ? (char) v : codepage[v], i, end);
                    } else if (end == i + 4) {
                        text('\uFFFD', i, end);
                    }
                    return end;
                }
                case '\\', '{', '}' -> text((char) c, i, i + 2);
                case '~' -> text('\u00A0', i, i + 2);
                case '_' -> text('\u2011', i, i + 2);
                case ':' -> text(':', i, i + 2);
                case '\r', '\n' -> text('\n', i, i + 2);
                case '\t' -> text('\t', i, i + 2);
                default -> {
                    // \* (above), \- optional hyphen, \| and others: no text
                }
            }
            return i + 2;
        }

        /**
         * Reads the control word at {@code i} into {@link #word}, {@link #hasParam}, {@link #param}; returns the index
         * after it and its delimiter (a space is part of it). Where it ends without a space, {@link #bare} is set.
         */
        private int readWord(int i) throws DocumentException {
            int j = i + 1;
            while (j < n && isLetter(b[j] & 0xff)) {
                j++;
                if (j - i - 1 > MAX_CONTROL_WORD_LETTERS) {
                    throw new DocumentException(DocumentException.Reason.TOO_LARGE,
                            "an RTF control word longer than " + MAX_CONTROL_WORD_LETTERS + " letters");
                }
            }
            word = new String(b, i + 1, j - i - 1, StandardCharsets.US_ASCII);
            int k = j;
            boolean negative = k + 1 < n && b[k] == '-' && isDigit(b[k + 1]);
            if (negative) {
                k++;
            }
            int digits = k;
            long v = 0;
            while (k < n && isDigit(b[k])) {
                if (k - digits == MAX_PARAMETER_DIGITS) {
                    throw new DocumentException(DocumentException.Reason.TOO_LARGE,
                            "an RTF parameter longer than " + MAX_PARAMETER_DIGITS + " digits");
                }
                v = Math.min(v * 10 + (b[k] - '0'), Integer.MAX_VALUE);
                k++;
            }
            hasParam = k > digits;
            param = negative ? -v : v;
            if (k < n && b[k] == ' ') {
                return k + 1;
            }
            bare.set(k);
            return k;
        }

        /** {@code \binN}'s data after the control word ending at {@code end}: N bytes skipped (N below 0 is 0). */
        private int skipBinary(int end) throws DocumentException {
            long count = hasParam ? Math.max(0, param) : 0;
            if (count > n - end) {
                throw new DocumentException(DocumentException.Reason.UNREADABLE,
                        "RTF binary data (\\bin) reaching past the end of the file");
            }
            return end + (int) count;
        }

        /**
         * The <code>&#92;ucN</code> fallback after a <code>&#92;uN</code> ending at {@code i} skipped: {@code count} characters, each a
         * byte, an escape or any control word or symbol; a brace ends it early, line breaks do not count.
         */
        private int skipFallback(int i, int count) throws DocumentException {
            int left = count;
            while (left > 0 && i < n) {
                int c = b[i] & 0xff;
                if (c == '{' || c == '}') {
                    break;
                }
                if (c == '\r' || c == '\n') {
                    i++;
                    continue;
                }
                if (c != '\\') {
                    i++;
                } else if (i + 1 >= n) {
                    i = n;
                } else if (!isLetter(b[i + 1] & 0xff)) {
                    i = b[i + 1] == '\'' ? Math.min(n, i + 4) : i + 2;
                } else {
                    i = readWord(i);
                    if (word.equals("bin")) {
                        i = skipBinary(i);
                    }
                }
                left--;
            }
            return i;
        }

        /** One character of text at source {@code [start, end)}, for the destination of the current group. */
        private void text(char c, int start, int end) throws DocumentException {
            starred = false;
            if (c == NESTED) {
                // a "u" control word of 65535 or -1 in a URL must not pass for a nested field (the URL would stay live)
                c = '\uFFFD';
            }
            byte d = dest[top];
            Place p = owner[top];
            if (p == null) {
                return;
            }
            if (d == INSTR || d == TARGET) {
                if (++collected > MAX_INSTRUCTION_CHARS) {
                    throw new DocumentException(DocumentException.Reason.TOO_LARGE,
                            "more than " + MAX_INSTRUCTION_CHARS + " characters of RTF field instructions");
                }
                p.add(c, start, end);
            } else if (p.kind == Kind.FIELD) {
                p.hidden(c);
            }
        }

        private static char[] codepage(int number) {
            String name = switch (number) {
                case 437, 850, 852, 855, 857, 860, 861, 862, 863, 864, 865, 866, 869 -> "IBM" + number;
                case 874, 1250, 1251, 1252, 1253, 1254, 1255, 1256, 1257, 1258 -> "windows-" + number;
                case 10000 -> "x-MacRoman";
                default -> "windows-1252"; // double-byte code pages: the high bytes of a URL are rare
            };
            try {
                return table(Charset.forName(name));
            } catch (RuntimeException e) {
                return WINDOWS_1252; // a charset this JVM lacks
            }
        }

        private static char[] table(Charset cs) {
            byte[] all = new byte[256];
            for (int k = 0; k < 256; k++) {
                all[k] = (byte) k;
            }
            char[] t = new String(all, cs).toCharArray();
            return t.length == 256 ? t : new String(all, StandardCharsets.ISO_8859_1).toCharArray();
        }

        private static boolean isLetter(int c) {
            return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
        }

        private static boolean isDigit(byte c) {
            return c >= '0' && c <= '9';
        }
    }
}
