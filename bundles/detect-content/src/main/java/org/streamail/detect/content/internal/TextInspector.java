package org.streamail.detect.content.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.streamail.api.model.Finding;

/**
 * Text-level rules on bodies and text parts: the EICAR test string, base64/hex blobs that decode to an
 * executable or to an archive holding one (either encoding), dangerous command lines, DDE formulas. Patterns use bounded
 * repetitions only, and text is cut at {@code max.text.scan} characters, so matching time stays linear.
 * Belongs to one scan; not thread-safe.
 */
final class TextInspector {
    /** The EICAR test signature, kept out of the class file in one piece so local scanners don't flag us. */
    private static final byte[] EICAR = (new StringBuilder("X5O!P%@AP[4\\PZX54(P^)7CC)7}$")
            .append(new StringBuilder("*H+H$!ELIF-TSET-SURIVITNA-DRADNATS-RACIE").reverse())).toString()
            .getBytes(StandardCharsets.ISO_8859_1);

    /** Base64 whose bytes would begin with a PE/DOS ({@code MZ}) or ELF header. */
    static final Signatures BASE64_PE = new Signatures(
            Pattern.compile("TV[o-r][A-Za-z0-9+/]{20}|f0VMR[gl][A-Za-z0-9+/]{20}"), false,
            List.of("TVo", "TVp", "TVq", "TVr", "f0VMRg", "f0VMRl"));
    /** Hex text whose bytes would begin with a PE/DOS, ELF, Mach-O (thin or universal) or Java class signature. */
    static final Signatures HEX_EXECUTABLE = new Signatures(
            Pattern.compile("(?i)4d5a|7f454c46|feedfac[ef]|c[ef]faedfe|cafebabe"), true,
            List.of("4d5a", "7f454c46", "feedfac", "cefaedfe", "cffaedfe", "cafebabe"));
    /** Bytes read from one hex run, at most (enough for the headers the sniffer judges). */
    private static final int MAX_HEX = 4096;
    /** Fewest bytes a hex run must hold to be judged (shorter: a magic number quoted in prose). */
    private static final int MIN_HEX = 0x40;
    /**
     * Base64 whose bytes would begin with an archive or compound-file signature: ZIP (local header, spanned), 7z,
     * RAR, gzip, bzip2, xz, CAB, OLE2. Where it may start a blob is judged by {@link #blobStart}.
     */
    static final Signatures BASE64_ARCHIVE = base64Literals(
            "UEsDB", "UEsHC", "N3q8ryc", "UmFyIRo", "H4sI", "QlpoO", "QlpoM", "/Td6WFo", "TVNDRg", "0M8R4KGx");
    /**
     * Hex text whose bytes would begin with the same archive signatures, the byte pairs written together or one space
     * or tab apart ({@code 504b0304}, {@code 50 4b 03 04}): ZIP, 7z, RAR, gzip, bzip2 (then a block size digit),
     * xz, CAB, OLE2.
     */
    static final Signatures HEX_ARCHIVE = hexArchives("504b0304", "504b0708", "377abcaf271c", "526172211a07",
            "1f8b08", "425a68", "fd377a585a00", "4d534346", "d0cf11e0a1b11ae1");
    /** Hex archive runs decoded per text, at most (each also takes from the same byte budget as base64). */
    private static final int MAX_HEX_ARCHIVES = 10;
    /** Fewest bytes a hex archive run must hold to be decoded (a gzip of a small program is about 40). */
    private static final int MIN_HEX_ARCHIVE = 24;
    /** Bytes decoded from base64 archive runs per text, at most (the rest of a longer run is not decoded). */
    static final int MAX_BASE64_ARCHIVE = 1024 * 1024;
    /**
     * Signatures tried as slices of a run already decoded, and the bytes those slices copy, at most per text (each
     * slice copies the rest of the run and is walked).
     */
    private static final int MAX_SLICES = 256;
    private static final long MAX_SLICE_BYTES = 4L * MAX_BASE64_ARCHIVE;
    /** Junk glued before a blob on its first line, at most (longer: taken for the middle of a run). */
    private static final int MAX_JUNK = 100;
    /** Shortest line taken for a line of a wrapped base64 run (encoders wrap at 60 to 76). */
    private static final int WRAPPED = 40;

    /**
     * A dangerous command: {@code pattern} is the whole command line; {@code indicator}, when not null, the part a
     * match must end with (what makes the keyword dangerous), found at most {@code reach} characters after the
     * keyword's start. The whole pattern is then tried only in the window before each indicator: a text full of
     * keywords and no indicator (1 MB of {@code "powershell "}) costs one linear pass instead of a 200-character
     * lazy scan at every keyword (sixth audit: 2.4 s a megabyte). {@code names}: the program names, lower case, of
     * which the command holds at least one, written out in ASCII (the patterns fold ASCII case only), so a text none
     * of which contains is not scanned at all ({@link #mayHold}).
     */
    record Command(String what, Pattern pattern, Pattern indicator, int reach, List<String> names) {
        /** The longest a keyword may be (so a window that long before the gap is enough). */
        static final int MAX_KEYWORD = 80;

        /**
         * A keyword (at most {@link #MAX_KEYWORD} characters long), then up to {@code gap} characters that are not
         * {@code stops}, then the indicator.
         */
        static Command windowed(String what, String keyword, int gap, String stops, String indicator,
                String... names) {
            return new Command(what, compile("(?i)" + keyword + "[^" + stops + "]{0," + gap + "}?(?:"
                    + indicator + ")"), compile("(?i)" + indicator), gap + MAX_KEYWORD, List.of(names));
        }

        /**
         * Whether {@code lower} (the text lower-cased with {@link Locale#ROOT}) contains one of the command's names:
         * a match needs one, and ASCII letters of any case lower-case to these, so a text without any cannot match
         * and its scan is skipped. Before, every command's indicator was tried at every position of every text
         * (a JFR profile of 128 KiB texts: most of the text scan in {@code java.util.regex} alternation).
         */
        boolean mayHold(String lower) {
            for (String n : names) {
                if (lower.contains(n)) {
                    return true;
                }
            }
            return false;
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

    /**
     * A parameter's dash as powershell.exe reads it: {@code -}, {@code /}, en dash, em dash, horizontal bar (the
     * look-alikes are an Invoke-Obfuscation trick).
     */
    private static final String PS_DASH = "[-/\u2013\u2014\u2015]";

    /**
     * Every prefix of {@code word} at least {@code min} characters long, as a regular expression: powershell.exe
     * takes any such prefix of a parameter name ({@code -en}, {@code -encodedc}, {@code -windowst}).
     */
    static String prefixes(String word, int min) {
        StringBuilder b = new StringBuilder(word.substring(0, min));
        for (int i = min; i < word.length(); i++) {
            b.append("(?:").append(word.charAt(i));
        }
        return b.append(")?".repeat(word.length() - min)).toString();
    }

    static final Command[] COMMANDS = {
        Command.windowed("PowerShell with an encoded or hidden command", "\\bpowershell(?:\\.exe)?", 200, "\\n",
                "\\s" + PS_DASH + "(?:" + prefixes("encodedcommand", 1) + "|ec)\\s+[A-Za-z0-9+/=]{16,}"
                        + "|\\s" + PS_DASH + prefixes("windowstyle", 1) + "\\s+hid"
                        + "|\\biex\\b|invoke-expression|downloadstring|downloadfile|frombase64string"
                        + "|\\s" + PS_DASH + "(?:" + prefixes("executionpolicy", 2) + "|ep)\\s+bypass"
                        + "|invoke-webrequest|\\biwr\\b", "powershell"),
        new Command("mshta loading remote or inline script", Command.compile(
                "(?i)\\bmshta(?:\\.exe)?\\s+[\"']?(?:https?:|vbscript:|javascript:|\\\\\\\\)"), null, 0,
                List.of("mshta")),
        Command.windowed("certutil downloading or decoding", "\\bcertutil(?:\\.exe)?", 100, "\\n",
                "\\s[-/](?:urlcache|decode|decodehex)\\b", "certutil"),
        Command.windowed("bitsadmin transfer", "\\bbitsadmin(?:\\.exe)?", 60, "\\n", "/transfer\\b", "bitsadmin"),
        Command.windowed("regsvr32 remote scriptlet", "\\bregsvr32(?:\\.exe)?", 100, "\\n",
                "/i:\\s*[\"']?(?:https?:|\\\\\\\\)", "regsvr32"),
        Command.windowed("rundll32 running script or URL", "\\brundll32(?:\\.exe)?", 60, "\\n",
                "javascript:|url\\.dll|shell32\\.dll\\s*,\\s*shellexec_rundll|advpack\\.dll|mshtml", "rundll32"),
        Command.windowed("cmd chaining a download or script host", "\\bcmd(?:\\.exe)?\\s{1,40}/[ckr]\\s", 200, "\\n",
                "\\b(?:powershell|mshta|certutil|bitsadmin|wscript|cscript|curl|wget|regsvr32|rundll32)\\b", "cmd"),
        Command.windowed("download piped into a shell", "\\b(?:curl|wget)\\s", 200, "\\n|",
                "\\|\\s*(?:sudo\\s+)?(?:ba|z|da)?sh\\b", "curl", "wget"),
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
        // ASCII letters lower-cased, positions kept: the hex signatures are looked for in it, and a command's
        // program names (its patterns fold ASCII case only)
        String lower = Signatures.foldAscii(text);
        base64Executable(path, text, lower);
        base64Archive(path, text, depth);
        hexArchive(path, text, lower, depth);
        for (Command c : COMMANDS) {
            if (!c.mayHold(lower)) {
                continue;
            }
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

    private void base64Executable(String path, String text, String lower) {
        Signatures.Search pe = BASE64_PE.in(text, lower);
        Matcher m;
        int next = 0;
        for (int k = 0; k < 100 && (m = pe.find(next)) != null; k++) {
            next = m.end();
            ctx.checkTime(path);
            try {
                byte[] bin = Base64.getDecoder().decode(base64Run(text, m.start(), 4096).digits());
                Kind kind = Sniffer.sniff(bin, null);
                if (kind.executable) {
                    ctx.report(Rule.BASE64_EXECUTABLE, path, "base64 text decodes to a " + kind.label);
                    return;
                }
            } catch (IllegalArgumentException ignored) {
                // Not base64 after all: keep looking.
            }
        }
        // Hex runs are read across line breaks and reply quotes; each character is read once: the next signature is
        // looked for after the run just read.
        Signatures.Search hexes = HEX_EXECUTABLE.in(text, lower);
        Matcher h;
        int from = 0;
        for (int k = 0; k < 20 && from < text.length() && (h = hexes.find(from)) != null; k++) {
            ctx.checkTime(path);
            Run run = Run.read(text, h.start(), 2 * MAX_HEX, TextInspector::hex);
            from = Math.max(run.end(), h.end());
            String digits = run.digits().substring(0, run.digits().length() & ~1);
            if (digits.length() / 2 <= MIN_HEX) {
                k--;
                continue;
            }
            byte[] bin = HexFormat.of().parseHex(digits.toLowerCase(Locale.ROOT));
            Kind kind = Sniffer.sniff(bin, null);
            if (kind.executable || bin[0] == 'M' && bin[1] == 'Z'
                    && Texts.indexOf(bin, 0, bin.length, Texts.ascii("This program")) >= 0) {
                ctx.report(Rule.BASE64_EXECUTABLE, path, "hex text decodes to a "
                        + (kind.executable ? kind.label : Kind.PE.label));
                return;
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
        Signatures.Search archives = BASE64_ARCHIVE.in(text, null);
        Matcher m;
        int next = 0;
        int budget = MAX_BASE64_ARCHIVE;
        long sliced = 0;
        int slices = 0;
        Armour armour = null;
        DecodedRun run = null;
        for (int k = 0; k < 10 && (m = archives.find(next)) != null; ) {
            int pos = m.start();
            next = m.end();
            if (!blobStart(text, pos)) {
                continue;
            }
            if (pos > 0 && base64(text.charAt(pos - 1))) {
                // behind junk: not inside an armoured block (PGP, PEM), whose own packets come first
                armour = armour == null ? new Armour(text) : armour;
                if (armour.contains(pos)) {
                    continue;
                }
            }
            if (run != null && pos >= run.end) {
                run = null;
            }
            if (run == null && budget <= 0) {
                break;
            }
            ctx.checkTime(path);
            // A signature inside a run already decoded (a line start after whole lines of junk, whose own lines may
            // start with signatures) is a slice of those bytes when it stands on the same group of four: no run is
            // decoded twice on one alignment, so junk ahead of a blob takes neither the 10 decodes nor the budget.
            int digit = run == null ? 0 : run.digitsBefore(text, pos);
            byte[] decoded = run == null ? null : run.bytes[digit % 4];
            byte[] blob;
            if (decoded != null) {
                int offset = (digit - run.firstDigit[digit % 4]) / 4 * 3;
                if (offset >= decoded.length || slices >= MAX_SLICES || sliced > MAX_SLICE_BYTES) {
                    continue;
                }
                blob = Arrays.copyOfRange(decoded, offset, decoded.length);
                slices++;
                sliced += blob.length;
            } else if (budget > 0) {
                Run read = base64Run(text, pos, budget / 3 * 4);
                blob = Base64.getDecoder().decode(read.digits());
                budget -= blob.length;
                k++;
                if (run == null) {
                    run = new DecodedRun(pos, read.end());
                }
                run.bytes[digit % 4] = blob;
                run.firstDigit[digit % 4] = digit;
            } else {
                continue;
            }
            if (archiveWithExecutable(path, "base64", "base64-" + (k + slices), blob, depth)) {
                return;
            }
        }
    }

    /**
     * Whether {@code blob}, decoded from {@code encoding} text of the part at {@code path}, is an archive or compound
     * file holding an executable: walked apart, one level deeper, with the message's budgets; reported once (as
     * {@link Rule#BASE64_ARCHIVE}, with the executable's path), its own findings not listed (the reader has to decode
     * and unpack it first).
     */
    private boolean archiveWithExecutable(String path, String encoding, String childName, byte[] blob, int depth) {
        Kind kind = Sniffer.sniff(blob.length <= Sniffer.HEAD ? blob : Arrays.copyOf(blob, Sniffer.HEAD), null);
        if (kind != Kind.ZIP && kind != Kind.OLE && !kind.family().equals("archive")) {
            return false;
        }
        String part = PartScanner.child(path, childName);
        for (Finding f : ctx.apart(() -> scanner.scanBytes(part, "", blob, depth + 1))) {
            if (f.rule().equals(Rule.EXECUTABLE.id())) {
                String where = f.part().startsWith(part + "!/") ? f.part().substring(part.length() + 2) : "";
                ctx.report(Rule.BASE64_ARCHIVE, path, encoding + " text decodes to a " + kind.label
                        + " holding an executable" + (where.isEmpty() ? "" : ": " + where));
                return true;
            }
        }
        return false;
    }

    /**
     * Hex text (wrapped, reply-quoted, or in byte pairs one space apart, as {@link Run#read} reads it) whose bytes are
     * an archive or compound file holding an executable; judged like {@link #base64Archive}. At most
     * {@value #MAX_HEX_ARCHIVES} runs and {@link #MAX_BASE64_ARCHIVE} bytes are decoded per text, each character is
     * read once (the next signature is looked for after the run just read), and a run is decoded from its signature
     * (hex is read a byte at a time, so junk ahead of it does not matter).
     */
    private void hexArchive(String path, String text, String lower, int depth) {
        Signatures.Search hexes = HEX_ARCHIVE.in(text, lower);
        Matcher m;
        int budget = MAX_BASE64_ARCHIVE;
        int from = 0;
        for (int k = 0; k < MAX_HEX_ARCHIVES && budget > 0 && from < text.length() && (m = hexes.find(from)) != null;
                k++) {
            ctx.checkTime(path);
            Run run = Run.read(text, m.start(), 2 * budget, TextInspector::hex);
            from = Math.max(run.end(), m.end());
            String digits = run.digits().substring(0, run.digits().length() & ~1);
            if (digits.length() / 2 < MIN_HEX_ARCHIVE) {
                continue; // a signature quoted in prose
            }
            byte[] blob = HexFormat.of().parseHex(digits.toLowerCase(Locale.ROOT));
            budget -= blob.length;
            if (archiveWithExecutable(path, "hex", "hex-" + k, blob, depth)) {
                return;
            }
        }
    }

    /** Base64 signatures: the pattern of the literals themselves. */
    private static Signatures base64Literals(String... literals) {
        return new Signatures(Pattern.compile(String.join("|", literals)), false, List.of(literals));
    }

    /**
     * Hex signatures (lower case, each at least two bytes), their byte pairs one space or tab apart at most, found by
     * their first two bytes written in any of the three ways; bzip2's {@code BZh} is followed by its block size
     * digit {@code 1}..{@code 9}.
     */
    private static Signatures hexArchives(String... hex) {
        List<String> alternatives = new ArrayList<>();
        List<String> literals = new ArrayList<>();
        for (String h : hex) {
            alternatives.add(hexBytes(h) + (h.equals("425a68") ? "[ \\t]?3[1-9]" : ""));
            for (String gap : List.of("", " ", "\t")) {
                String lead = h.substring(0, 2) + gap + h.substring(2, 4);
                if (!literals.contains(lead)) {
                    literals.add(lead);
                }
            }
        }
        return new Signatures(Pattern.compile("(?i)" + String.join("|", alternatives)), true, literals);
    }

    /** {@code hex} (an even number of digits) as a pattern whose byte pairs may stand one space or tab apart. */
    private static String hexBytes(String hex) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < hex.length(); i += 2) {
            b.append(i == 0 ? "" : "[ \\t]?").append(hex, i, i + 2);
        }
        return b.toString();
    }

    /**
     * A base64 run decoded from a signature, and from later signatures in it that stand on another alignment (digit
     * index modulo 4; at most four decodes of one run). Counts the run's base64 characters up to the candidates it is
     * asked about, which come in increasing order: linear over the run.
     */
    private static final class DecodedRun {
        /** The run's bytes decoded from its first signature on each alignment, or null. */
        final byte[][] bytes = new byte[4][];
        /** The digit index of that signature in the run. */
        final int[] firstDigit = new int[4];
        /** Where the run ends in the text. */
        final int end;
        private int countedTo;
        private int digits;

        DecodedRun(int start, int end) {
            this.countedTo = start;
            this.end = end;
        }

        /** The base64 characters of the run before text position {@code pos}. */
        int digitsBefore(String text, int pos) {
            for (; countedTo < pos; countedTo++) {
                digits += base64(text.charAt(countedTo)) ? 1 : 0;
            }
            return digits;
        }
    }

    private static boolean base64(char c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/';
    }

    private static boolean hex(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
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

    /** A digit of an encoding: base64 or hex. */
    @FunctionalInterface
    interface Digit {
        boolean test(char c);
    }

    /**
     * The digits of an encoded run (base64 or hex) and the position in the text where reading stopped. The one
     * reader of wrapped and reply-quoted blobs, for both encodings.
     */
    record Run(String digits, int end) {
        /**
         * Reads the digits of the run starting at {@code from}, at most {@code max} of them: line breaks, spaces,
         * tabs and backslashes are skipped, and at the start of a line a reply-quote prefix ({@code >}, {@code > },
         * {@code >>}, {@code > >}, mixed); anything else ends the run. Reads each character once.
         */
        static Run read(String text, int from, int max, Digit digit) {
            StringBuilder b = new StringBuilder(Math.min(max, 4096));
            boolean lineStart = false;
            int i = from;
            for (; i < text.length() && b.length() < max; i++) {
                char c = text.charAt(i);
                if (digit.test(c)) {
                    b.append(c);
                    lineStart = false;
                } else if (c == '\r' || c == '\n') {
                    lineStart = true;
                } else if (!(c == '\\' || quote(c) && (c != '>' || lineStart))) {
                    break;
                }
            }
            return new Run(b.toString(), i);
        }
    }

    /**
     * The base64 run starting at {@code from} (see {@link Run#read}), at most {@code max} characters; a last group of
     * two or three padded, of one dropped (so it always decodes, to the last byte: a gzip or ZIP without its last
     * bytes would not read).
     */
    private static Run base64Run(String text, int from, int max) {
        Run run = Run.read(text, from, max, TextInspector::base64);
        StringBuilder b64 = new StringBuilder(run.digits());
        int rest = b64.length() % 4;
        if (rest == 1) {
            b64.setLength(b64.length() - 1);
        } else if (rest > 1) {
            b64.append(rest == 2 ? "==" : "=");
        }
        return new Run(b64.toString(), run.end());
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
