package org.streamail.detect.content.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.streamail.api.model.Finding;

/**
 * Text-level rules on bodies and text parts: the EICAR test string, base64/hex blobs that decode to an
 * executable or to an archive holding one, dangerous command lines, DDE formulas. Patterns use bounded
 * repetitions only, and text is cut at {@code max.text.scan} characters, so matching time stays linear.
 * Belongs to one scan; not thread-safe.
 */
final class TextInspector {
    /** The EICAR test signature, kept out of the class file in one piece so local scanners don't flag us. */
    private static final byte[] EICAR = (new StringBuilder("X5O!P%@AP[4\\PZX54(P^)7CC)7}$")
            .append(new StringBuilder("*H+H$!ELIF-TSET-SURIVITNA-DRADNATS-RACIE").reverse())).toString()
            .getBytes(StandardCharsets.ISO_8859_1);

    private static final Pattern BASE64_PE = Pattern.compile("TV[o-r][A-Za-z0-9+/]{20}|f0VMR[gl][A-Za-z0-9+/]{20}");
    private static final Pattern HEX_PE = Pattern.compile("(?i)4d5a(?:[0-9a-f]{2}){62,2000}");
    /**
     * Base64 whose bytes would begin with an archive or compound-file signature: ZIP (local header, spanned), 7z,
     * RAR, gzip, bzip2, xz, CAB, OLE2. Where it may start a blob is judged by {@link #blobStart}.
     */
    private static final Pattern BASE64_ARCHIVE = Pattern.compile(
            "UEsDB|UEsHC|N3q8ryc|UmFyIRo|H4sI|QlpoO|QlpoM|/Td6WFo|TVNDRg|0M8R4KGx");
    /** Bytes decoded from base64 archive runs per text, at most (the rest of a longer run is not decoded). */
    static final int MAX_BASE64_ARCHIVE = 1024 * 1024;
    /** Junk glued before a blob on its first line, at most (longer: taken for the middle of a run). */
    private static final int MAX_JUNK = 100;
    /** Shortest line taken for a line of a wrapped base64 run (encoders wrap at 60 to 76). */
    private static final int WRAPPED = 40;

    /**
     * A dangerous command: {@code pattern} is the whole command line; {@code indicator}, when not null, the part a
     * match must end with (what makes the keyword dangerous), found at most {@code reach} characters after the
     * keyword's start. The whole pattern is then tried only in the window before each indicator: a text full of
     * keywords and no indicator (1 MB of {@code "powershell "}) costs one linear pass instead of a 200-character
     * lazy scan at every keyword (sixth audit: 2.4 s a megabyte).
     */
    record Command(String what, Pattern pattern, Pattern indicator, int reach) {
        /** The longest a keyword may be (so a window that long before the gap is enough). */
        static final int MAX_KEYWORD = 80;

        /**
         * A keyword (at most {@link #MAX_KEYWORD} characters long), then up to {@code gap} characters that are not
         * {@code stops}, then the indicator.
         */
        static Command windowed(String what, String keyword, int gap, String stops, String indicator) {
            return new Command(what, compile("(?i)" + keyword + "[^" + stops + "]{0," + gap + "}?(?:"
                    + indicator + ")"), compile("(?i)" + indicator), gap + MAX_KEYWORD);
        }

        /**
         * {@code re} compiled with each {@code \b} written as {@link #WORD_EDGE}. Java's own {@code \b} reads a
         * combining mark as part of the word before it by walking back to the mark run's base letter at every
         * position it is tried: a text of 16 000 combining marks took more than 12 s, a 2 MB one hours, with no deadline
         * check in between (found by {@code WalkerFuzzTest#cssAndBase64Scans}).
         */
        static Pattern compile(String re) {
            StringBuilder b = new StringBuilder(re.length() + 64);
            for (int i = 0; i < re.length(); i++) {
                char c = re.charAt(i);
                if (c == '\\' && i + 1 < re.length()) {
                    char next = re.charAt(++i);
                    if (next == 'b') {
                        b.append(WORD_EDGE);
                    } else {
                        b.append(c).append(next);
                    }
                } else {
                    b.append(c);
                }
            }
            return Pattern.compile(b.toString());
        }
    }

    /**
     * A word boundary read from the two characters beside it only (a word character is a letter, a digit or
     * {@code _}; a combining mark is not one, so a mark never hides a command word): constant work per position.
     */
    static final String WORD_EDGE = "(?:(?<![\\p{L}\\p{Nd}_])(?=[\\p{L}\\p{Nd}_])"
            + "|(?<=[\\p{L}\\p{Nd}_])(?![\\p{L}\\p{Nd}_]))";

    static final Command[] COMMANDS = {
        Command.windowed("PowerShell with an encoded or hidden command", "\\bpowershell(?:\\.exe)?", 200, "\\n",
                "\\s[-/]e(?:nc|ncodedcommand|c)?\\s+[A-Za-z0-9+/=]{16,}"
                        + "|\\s[-/]w(?:indowstyle)?\\s+hid|\\biex\\b|invoke-expression|downloadstring|downloadfile"
                        + "|frombase64string|\\s[-/]exec(?:utionpolicy)?\\s+bypass|invoke-webrequest|\\biwr\\b"),
        new Command("mshta loading remote or inline script", Command.compile(
                "(?i)\\bmshta(?:\\.exe)?\\s+[\"']?(?:https?:|vbscript:|javascript:|\\\\\\\\)"), null, 0),
        Command.windowed("certutil downloading or decoding", "\\bcertutil(?:\\.exe)?", 100, "\\n",
                "\\s[-/](?:urlcache|decode|decodehex)\\b"),
        Command.windowed("bitsadmin transfer", "\\bbitsadmin(?:\\.exe)?", 60, "\\n", "/transfer\\b"),
        Command.windowed("regsvr32 remote scriptlet", "\\bregsvr32(?:\\.exe)?", 100, "\\n",
                "/i:\\s*[\"']?(?:https?:|\\\\\\\\)"),
        Command.windowed("rundll32 running script or URL", "\\brundll32(?:\\.exe)?", 60, "\\n",
                "javascript:|url\\.dll|shell32\\.dll\\s*,\\s*shellexec_rundll|advpack\\.dll|mshtml"),
        Command.windowed("cmd chaining a download or script host", "\\bcmd(?:\\.exe)?\\s{1,40}/[ckr]\\s", 200, "\\n",
                "\\b(?:powershell|mshta|certutil|bitsadmin|wscript|cscript|curl|wget|regsvr32|rundll32)\\b"),
        Command.windowed("download piped into a shell", "\\b(?:curl|wget)\\s", 200, "\\n|",
                "\\|\\s*(?:sudo\\s+)?(?:ba|z|da)?sh\\b"),
    };
    private static final Pattern DDE_FORMULA = Pattern.compile(
            "(?m)(?:^|[,;\\t\"])\\s*+[=+\\-@][^\\n|]{0,100}+\\|\\s*+'[^'\\n]{0,200}+'\\s*+!");

    private final PartScanner scanner;
    private final ScanContext ctx;

    TextInspector(PartScanner scanner) {
        this.scanner = scanner;
        this.ctx = scanner.ctx;
    }

    void eicar(String path, byte[] data) {
        if (Texts.indexOf(data, 0, Math.min(data.length, ctx.settings().maxTextScan()), EICAR) >= 0) {
            ctx.report(Rule.EICAR, path, "EICAR anti-virus test signature");
        }
    }

    /** Inspects text bytes (UTF-8) of a part at {@code depth}; a base64 archive in it is walked one level deeper. */
    void inspectBytes(String path, byte[] data, int depth) {
        int n = Math.min(data.length, ctx.settings().maxTextScan());
        inspectText(path, new String(data, 0, n, StandardCharsets.UTF_8), depth);
    }

    void inspectText(String path, String text, int depth) {
        if (text.length() > ctx.settings().maxTextScan()) {
            text = text.substring(0, ctx.settings().maxTextScan());
        }
        if (text.indexOf('X') >= 0 && text.contains("EICAR")) {
            eicar(path, text.getBytes(StandardCharsets.ISO_8859_1));
        }
        base64Executable(path, text);
        base64Archive(path, text, depth);
        for (Command c : COMMANDS) {
            Matcher m = find(c, text);
            if (m != null) {
                ctx.report(Rule.COMMAND_LINE, path, c.what + ": " + Texts.clip(m.group().trim(), 120));
                break;
            }
        }
        if (text.indexOf('|') >= 0) {
            Matcher m = DDE_FORMULA.matcher(text);
            if (m.find()) {
                ctx.report(Rule.DDE, path, "DDE formula: " + Texts.clip(m.group().trim(), 120));
            }
        }
    }

    /** The first match of a command, or null; a windowed one is tried only where its indicator stands. */
    static Matcher find(Command c, CharSequence text) {
        Matcher whole = c.pattern.matcher(text);
        if (c.indicator == null) {
            return whole.find() ? whole : null;
        }
        whole.useTransparentBounds(true).useAnchoringBounds(false);
        Matcher ind = c.indicator.matcher(text);
        int from = 0;
        while (from < text.length() && ind.find(from)) {
            // a match ending with this indicator starts at most reach characters before it
            whole.region(Math.max(0, ind.start() - c.reach), ind.end());
            if (whole.find()) {
                return whole;
            }
            from = ind.start() + 1;
        }
        return null;
    }

    private void base64Executable(String path, String text) {
        Matcher m = BASE64_PE.matcher(text);
        for (int k = 0; k < 100 && m.find(); k++) {
            ctx.checkTime(path);
            try {
                byte[] bin = Base64.getDecoder().decode(base64Run(text, m.start(), 4096));
                Kind kind = Sniffer.sniff(bin, null);
                if (kind.executable) {
                    ctx.report(Rule.BASE64_EXECUTABLE, path, "base64 text decodes to a " + kind.label);
                    return;
                }
            } catch (IllegalArgumentException ignored) {
                // Not base64 after all: keep looking.
            }
        }
        Matcher h = HEX_PE.matcher(text);
        for (int k = 0; k < 20 && h.find(); k++) {
            byte[] bin = HexFormat.of().parseHex(h.group().toLowerCase(Locale.ROOT));
            if (bin.length > 0x40) {
                Kind kind = Sniffer.sniff(bin, null);
                if (kind.executable || Texts.indexOf(bin, 0, bin.length, Texts.ascii("This program")) >= 0) {
                    ctx.report(Rule.BASE64_EXECUTABLE, path, "hex text decodes to a Windows executable");
                    return;
                }
            }
        }
    }

    /**
     * Base64 text (a blob the reader is told to decode and unpack) whose bytes are an archive or compound file
     * holding an executable. At most {@link #MAX_BASE64_ARCHIVE} bytes are decoded per text; each such archive is
     * walked apart, at {@code depth + 1}, with the message's budgets, and only a summary is reported (the reader
     * has to decode and unpack it first, so not the {@code executable} score itself). Archives without an
     * executable, and base64 that is anything else (PGP, S/MIME, images), are not reported.
     */
    private void base64Archive(String path, String text, int depth) {
        Matcher m = BASE64_ARCHIVE.matcher(text);
        int budget = MAX_BASE64_ARCHIVE;
        Armour armour = null;
        for (int k = 0; k < 10 && budget > 0 && m.find(); k++) {
            if (!blobStart(text, m.start())) {
                k--;
                continue;
            }
            if (m.start() > 0 && base64(text.charAt(m.start() - 1))) {
                // behind junk: not inside an armoured block (PGP, PEM), whose own packets come first
                armour = armour == null ? new Armour(text) : armour;
                if (armour.contains(m.start())) {
                    k--;
                    continue;
                }
            }
            ctx.checkTime(path);
            byte[] bin = Base64.getDecoder().decode(base64Run(text, m.start(), budget / 3 * 4));
            budget -= bin.length;
            Kind kind = Sniffer.sniff(bin.length <= Sniffer.HEAD ? bin : Arrays.copyOf(bin, Sniffer.HEAD), null);
            if (kind != Kind.ZIP && kind != Kind.OLE && !kind.family().equals("archive")) {
                continue;
            }
            String blob = PartScanner.child(path, "base64-" + (k + 1));
            for (Finding f : ctx.apart(() -> scanner.scanBytes(blob, "", bin, depth + 1))) {
                if (f.rule().equals(Rule.EXECUTABLE.id())) {
                    String where = f.part().startsWith(blob + "!/") ? f.part().substring(blob.length() + 2) : "";
                    ctx.report(Rule.BASE64_ARCHIVE, path, "base64 text decodes to a " + kind.label
                            + " holding an executable" + (where.isEmpty() ? "" : ": " + where));
                    return;
                }
            }
        }
    }

    private static boolean base64(char c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/';
    }

    /** Whether {@code c} may stand in a reply-quote prefix ({@code >}, {@code > }, {@code >>}, {@code > >}). */
    private static boolean quote(char c) {
        return c == '>' || c == ' ' || c == '\t';
    }

    /**
     * Whether an archive signature at {@code pos} can start a blob a reader decodes: at the start of a run (no
     * base64 character before it), or behind at most {@value #MAX_JUNK} base64 characters of junk on the first
     * line of a run. A line is a run's first unless the line above it (quote prefix and trailing white space
     * removed) is a full base64 line ({@value #WRAPPED} characters or more, all base64, no padding at its end):
     * then the signature stands inside a wrapped run, where a reader decoding the run gets other bytes.
     */
    static boolean blobStart(String text, int pos) {
        if (pos == 0 || !base64(text.charAt(pos - 1))) {
            return true;
        }
        int j = pos;
        while (j > 0 && base64(text.charAt(j - 1))) {
            if (pos - --j > MAX_JUNK) {
                return false;
            }
        }
        int k = j;
        while (k > 0 && quote(text.charAt(k - 1))) {
            k--;
        }
        if (k == 0 || text.charAt(k - 1) != '\n' && text.charAt(k - 1) != '\r') {
            return true; // the text's first line, or something else before the junk: "see:abcdUEsDB…"
        }
        int end = k - 1; // the line above ends here
        if (text.charAt(end) == '\n' && end > 0 && text.charAt(end - 1) == '\r') {
            end--;
        }
        int from = end;
        while (from > 0 && end - from < 2 * MAX_JUNK && text.charAt(from - 1) != '\n' && text.charAt(from - 1) != '\r') {
            from--;
        }
        String above = text.substring(from, end).strip();
        if (from == 0 || text.charAt(from - 1) == '\n' || text.charAt(from - 1) == '\r') {
            int q = 0;
            while (q < above.length() && quote(above.charAt(q))) {
                q++;
            }
            above = above.substring(q);
        }
        if (above.length() < WRAPPED) {
            return true;
        }
        for (int i = 0; i < above.length(); i++) {
            if (!base64(above.charAt(i))) {
                return true; // prose, a header line, padding that ended a run
            }
        }
        return false;
    }

    /**
     * Skips {@code -----BEGIN … -----END} blocks (PGP, PEM, S/MIME) for candidates in increasing order of position;
     * an unclosed block runs to the end of the text. Linear in the text over all calls.
     */
    private static final class Armour {
        private final String text;
        private int begin = -2;
        private int end;

        Armour(String text) {
            this.text = text;
        }

        boolean contains(int pos) {
            while (begin == -2 || begin >= 0 && end <= pos) {
                begin = text.indexOf("-----BEGIN ", begin == -2 ? 0 : end);
                int e = begin < 0 ? -1 : text.indexOf("-----END ", begin);
                end = e < 0 ? text.length() : e;
            }
            return begin >= 0 && begin <= pos && pos < end;
        }
    }

    /**
     * The base64 characters of the run starting at {@code from}, line breaks, spaces and backslashes skipped, and
     * at the start of a line a reply-quote prefix ({@code >}, {@code > }, {@code >>}, mixed), at most {@code max}
     * of them; a last group of two or three padded, of one dropped (so it always decodes, to the last byte: a
     * gzip or ZIP without its last bytes would not read).
     */
    private static String base64Run(String text, int from, int max) {
        StringBuilder b64 = new StringBuilder(Math.min(max, 4096));
        boolean lineStart = false;
        for (int i = from; i < text.length() && b64.length() < max; i++) {
            char c = text.charAt(i);
            if (base64(c)) {
                b64.append(c);
                lineStart = false;
            } else if (c == '\r' || c == '\n') {
                lineStart = true;
            } else if (!(c == ' ' || c == '\t' || c == '\\' || c == '>' && lineStart)) {
                break;
            }
        }
        int rest = b64.length() % 4;
        if (rest == 1) {
            b64.setLength(b64.length() - 1);
        } else if (rest > 1) {
            b64.append(rest == 2 ? "==" : "=");
        }
        return b64.toString();
    }

    /** What kind of script the start of a text part is, when it is one Windows runs; else {@code null}. */
    static String scriptMarker(byte[] head) {
        String s = Texts.latin1(head, 0, Math.min(head.length, 4096)).toLowerCase(Locale.ROOT);
        if (s.contains("#@~^")) {
            return "encoded VBScript/JScript (script encoder marker #@~^)";
        }
        if (s.contains("<hta:application")) {
            return "HTML application (HTA)";
        }
        if (s.contains("<scriptlet") || s.contains("<component") && s.contains("<registration")) {
            return "Windows script component (scriptlet)";
        }
        if ((s.contains("<job") || s.contains("<package")) && s.contains("<script")
                && (s.contains("language=\"vbscript\"") || s.contains("language=\"jscript\""))) {
            return "Windows script file (WSF)";
        }
        return null;
    }
}
