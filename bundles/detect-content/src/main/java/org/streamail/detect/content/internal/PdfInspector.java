package org.streamail.detect.content.internal;

import java.io.ByteArrayOutputStream;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * PDF rules in the manner of pdfid: scans every name token (with {@code #xx} escapes decoded, since
 * {@code /J#61vaScript} is how droppers hide), inflates object streams (names hidden inside) and embedded
 * file streams (scanned as nested parts). Does not render or fully parse the document, so malformed
 * cross-reference tables do not hide anything. Belongs to one scan; not thread-safe.
 */
final class PdfInspector {
    private static final int MAX_STREAMS = 5_000;
    private static final int MAX_INFLATED_PER_STREAM = 16 * 1024 * 1024;
    private static final int DICT_WINDOW = 64 * 1024;

    private final PartScanner scanner;
    private final ScanContext ctx;

    PdfInspector(PartScanner scanner) {
        this.scanner = scanner;
        this.ctx = scanner.ctx;
    }

    private static final class Seen {
        String js;
        boolean openAction;
        String launch;
        boolean embedded;
        boolean submit;
        boolean xfa;
        boolean encrypt;
        int embeddedCount;
        /**
         * Objects named by a file specification's {@code /EF} dictionary: embedded file streams, which need no
         * {@code /Type /EmbeddedFile} (it is optional, and readers open them without it). At most
         * {@link #MAX_EF_REFS}.
         */
        final java.util.Set<Long> efRefs = new java.util.HashSet<>();
        /**
         * Objects given as {@code /EF n 0 R}: the {@code /EF} dictionary itself is elsewhere, and the streams it
         * names are embedded files. Each is looked up once ({@link #efDictsRead}); at most {@link #MAX_EF_REFS}.
         */
        final java.util.Set<Long> efDicts = new java.util.HashSet<>();
        /** {@link #efDicts} already read, in the file or in an object stream. */
        final java.util.Set<Long> efDictsRead = new java.util.HashSet<>();
        /** Embedded file streams already scanned, by object number: one named twice is scanned once. */
        final java.util.Set<Long> scanned = new java.util.HashSet<>();
        /** Object lookups made for {@code /OpenAction} references: each reads the file, so they are bounded. */
        int lookups;
    }

    /** More {@code /OpenAction} references than this are judged actions without looking them up. */
    private static final int MAX_LOOKUPS = 32;
    /** Most objects remembered as named by {@code /EF} dictionaries. */
    private static final int MAX_EF_REFS = 1_000;
    /** Most characters of an {@code /EF} dictionary read for its references. */
    private static final int EF_DICT_WINDOW = 1_024;

    void inspect(String path, byte[] d, int depth) {
        Seen seen = new Seen();
        names(d, 0, d.length, seen);
        // names are never encrypted: the trailer's /Encrypt is seen here, before any stream is read
        boolean checked = seen.encrypt;
        PdfEncryption.Key key = checked ? PdfEncryption.open(d) : null;
        streams(path, d, depth, seen, key, false);
        efDictsInFile(d, seen);
        // an /EF dictionary read from an object stream can name a stream that came before it in the file, and an
        // /EF given by reference can be a compressed object: a second pass reads those, a third scans what the
        // dictionaries found in object streams name (each pass reads only what the previous ones left)
        for (int pass = 0; pass < 2 && !(seen.scanned.containsAll(seen.efRefs) && seen.efDictsRead.containsAll(seen.efDicts)); pass++) {
            streams(path, d, depth, seen, key, true);
        }
        if (seen.js != null) {
            ctx.report(Rule.PDF_JAVASCRIPT, path, "PDF contains JavaScript (" + seen.js + ")");
        }
        if (seen.openAction) {
            ctx.report(Rule.PDF_OPEN_ACTION, path, "PDF runs an action when opened (/OpenAction or /AA)");
        }
        if (seen.launch != null) {
            ctx.report(Rule.PDF_LAUNCH, path, "PDF /Launch action starts a program");
        }
        if (seen.embedded) {
            ctx.report(Rule.PDF_EMBEDDED_FILE, path, "PDF carries embedded files");
        }
        if (seen.submit) {
            ctx.report(Rule.PDF_SUBMIT_FORM, path, "PDF form submits data (/SubmitForm)");
        }
        if (seen.xfa) {
            ctx.report(Rule.PDF_XFA, path, "PDF contains an XFA form");
        }
        if (seen.encrypt) {
            if (checked ? key == null : PdfEncryption.needsPassword(d)) {
                ctx.report(Rule.ENCRYPTED_ARCHIVE, path, "password-protected PDF, content cannot be inspected");
            }
        }
    }

    /** Name tokens in {@code d[from, to)}. */
    private void names(byte[] d, int from, int to, Seen seen) {
        StringBuilder name = new StringBuilder(32);
        for (int i = from; i < to; i++) {
            if (d[i] != '/') {
                continue;
            }
            name.setLength(0);
            int j = i + 1;
            for (; j < to && name.length() < 40; j++) {
                int c = d[j] & 0xff;
                if (c <= 0x20 || "()<>[]{}/%".indexOf(c) >= 0) {
                    break;
                }
                if (c == '#' && j + 2 < to && hex(d[j + 1]) >= 0 && hex(d[j + 2]) >= 0) {
                    name.append((char) (hex(d[j + 1]) * 16 + hex(d[j + 2])));
                    j += 2;
                } else {
                    name.append((char) c);
                }
            }
            String n = name.toString();
            switch (n) {
                case "JS", "JavaScript" -> seen.js = seen.js == null ? "/" + n : seen.js;
                case "OpenAction" -> seen.openAction = seen.openAction || isAction(d, j, to, seen);
                case "AA" -> seen.openAction = true;
                case "Launch" -> seen.launch = "/Launch";
                case "EmbeddedFile", "EmbeddedFiles", "FileAttachment" -> seen.embedded = true;
                case "EF" -> efRefs(d, j, to, seen);
                case "SubmitForm" -> seen.submit = true;
                case "XFA" -> seen.xfa = true;
                case "Encrypt" -> seen.encrypt = true;
                default -> {
                }
            }
            i = j - 1;
        }
    }

    private static final java.util.regex.Pattern REF = java.util.regex.Pattern.compile("^(\\d{1,10})\\s+(\\d{1,5})\\s+R");
    private static final java.util.regex.Pattern ANY_REF = java.util.regex.Pattern.compile(
            "(?<![0-9])(\\d{1,10})\\s+\\d{1,5}\\s+R(?![A-Za-z0-9])");

    /**
     * The objects a file specification's {@code /EF << /F n 0 R /UF n 0 R >>} names, remembered so their streams
     * are scanned as embedded files. A file specification with {@code /EF} is an embedded file whatever else
     * the document says. An {@code /EF n 0 R} (the dictionary given by reference) is remembered and read later
     * ({@link #efDictsInFile}, {@link #efDictsInObjectStream}).
     */
    private static void efRefs(byte[] d, int at, int to, Seen seen) {
        int i = skipSpace(d, at, to);
        if (i + 1 >= to || d[i] != '<' || d[i + 1] != '<') {
            java.util.regex.Matcher ref = REF.matcher(Texts.latin1(d, i, Math.min(to - i, 24)));
            if (ref.find()) {
                seen.embedded = true;
                if (seen.efDicts.size() < MAX_EF_REFS) {
                    seen.efDicts.add(Long.parseLong(ref.group(1)));
                }
            }
            return;
        }
        seen.embedded = true;
        String dict = Texts.latin1(d, i + 2, Math.min(to - i - 2, EF_DICT_WINDOW));
        int close = dict.indexOf(">>");
        java.util.regex.Matcher m = ANY_REF.matcher(close >= 0 ? dict.substring(0, close) : dict);
        while (m.find() && seen.efRefs.size() < MAX_EF_REFS) {
            seen.efRefs.add(Long.parseLong(m.group(1)));
        }
    }

    /**
     * Reads the {@code /EF} dictionaries given by reference that are plain objects of the file ({@code n 0 obj
     * << ... >>}); those inside object streams are read by the next pass. At most {@link #MAX_LOOKUPS} searches of
     * the file, shared with the {@code /OpenAction} lookups.
     */
    private static void efDictsInFile(byte[] d, Seen seen) {
        for (Long n : new java.util.ArrayList<>(seen.efDicts)) {
            if (seen.efDictsRead.contains(n) || ++seen.lookups > MAX_LOOKUPS) {
                continue;
            }
            int o = objectAt(d, n);
            if (o >= 0) {
                seen.efDictsRead.add(n);
                efRefs(d, o, d.length, seen);
            }
        }
    }

    /** Where object {@code n}'s body starts (after {@code n g obj}), or -1. */
    private static int objectAt(byte[] d, long n) {
        java.util.regex.Matcher m = OBJ_HEADER.matcher("");
        byte[] num = Texts.ascii(n + " ");
        int o = Texts.indexOf(d, 0, d.length, num);
        // "6 0 obj" must not match inside "16 0 obj"; the generation is any number
        for (int k = 0; o >= 0 && k < 1000; k++) {
            if (o == 0 || !Character.isDigit(d[o - 1])) {
                m.reset(Texts.latin1(d, o, Math.min(d.length - o, 32)));
                if (m.lookingAt()) {
                    return o + m.end();
                }
            }
            o = Texts.indexOf(d, o + 1, d.length, num);
        }
        return -1;
    }

    private static final java.util.regex.Pattern OBJ_HEADER = java.util.regex.Pattern.compile("\\d{1,10}\\s+\\d{1,5}\\s+obj(?![A-Za-z0-9])");
    private static final java.util.regex.Pattern FIRST = java.util.regex.Pattern.compile("/First\\s+(\\d{1,10})");

    /**
     * Reads the {@code /EF} dictionaries given by reference that this object stream holds: its header lists
     * {@code /N} pairs of object number and offset from {@code /First}. At most {@link #MAX_EF_REFS} pairs read.
     */
    private static void efDictsInObjectStream(String dict, byte[] content, Seen seen) {
        java.util.regex.Matcher first = FIRST.matcher(dict);
        if (!first.find()) {
            return;
        }
        long start = Long.parseLong(first.group(1));
        if (start > content.length) {
            return;
        }
        String header = Texts.latin1(content, 0, (int) start);
        java.util.regex.Matcher pair = OBJSTM_PAIR.matcher(header);
        for (int k = 0; k < MAX_EF_REFS && pair.find(); k++) {
            long n = Long.parseLong(pair.group(1));
            long at = start + Long.parseLong(pair.group(2));
            if (seen.efDicts.contains(n) && !seen.efDictsRead.contains(n) && at < content.length) {
                seen.efDictsRead.add(n);
                efRefs(content, (int) at, content.length, seen);
            }
        }
    }

    private static final java.util.regex.Pattern OBJSTM_PAIR = java.util.regex.Pattern.compile("(\\d{1,10})\\s+(\\d{1,10})");

    /**
     * {@code /OpenAction [page /Fit]} is a destination, not an action; so is a reference to an array (as
     * Acrobat writes it). A dictionary, or a reference to one, is an action.
     */
    private static boolean isAction(byte[] d, int at, int to, Seen seen) {
        int i = skipSpace(d, at, to);
        if (i >= to) {
            return false;
        }
        if (d[i] == '[') {
            return false;
        }
        java.util.regex.Matcher ref = REF.matcher(Texts.latin1(d, i, Math.min(to - i, 24)));
        if (ref.find()) {
            if (++seen.lookups > MAX_LOOKUPS) {
                return true;
            }
            byte[] obj = Texts.ascii(ref.group(1) + " " + ref.group(2) + " obj");
            int o = Texts.indexOf(d, 0, d.length, obj);
            // "6 0 obj" must not match inside "16 0 obj"
            for (int k = 0; o > 0 && Character.isDigit(d[o - 1]) && k < 1000; k++) {
                o = Texts.indexOf(d, o + 1, d.length, obj);
            }
            if (o >= 0) {
                int j = skipSpace(d, o + obj.length, d.length);
                return j < d.length && d[j] != '[';
            }
        }
        return true;
    }

    private static int skipSpace(byte[] d, int i, int to) {
        while (i < to && (d[i] & 0xff) <= 0x20) {
            i++;
        }
        return i;
    }

    private static int hex(byte b) {
        int c = b & 0xff;
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10
                : -1;
    }

    /**
     * Inflates object streams (for their names) and embedded files (to scan them: a stream of
     * {@code /Type /EmbeddedFile}, or one an {@code /EF} dictionary names; with {@code efOnly}, only named
     * ones not scanned yet, for the second pass when an object stream named them late); with {@code key} (a PDF
     * that opens with the empty user password) each is decrypted first, as the reader does. A stream that
     * does not decrypt, or whose decrypted data does not decode, is read as it stands, as before decryption
     * was known. Metadata streams are never read, so {@code /EncryptMetadata false} matters only for the key.
     */
    private void streams(String path, byte[] d, int depth, Seen seen, PdfEncryption.Key key, boolean efOnly) {
        byte[] kw = Texts.ascii("stream");
        int from = 0;
        int previous = 0;
        for (int k = 0; k < MAX_STREAMS; k++) {
            int at = Texts.indexOf(d, from, d.length, kw);
            if (at < 0) {
                return;
            }
            from = at + kw.length;
            if (at >= 3 && d[at - 1] == 'd' && d[at - 2] == 'n' && d[at - 3] == 'e') {
                previous = from;
                continue;
            }
            // The dictionary is what lies since the previous stream keyword (padding can push /Type far back);
            // windows never overlap, so all of them together read the file once.
            int dictStart = Math.max(previous, at - DICT_WINDOW);
            previous = from;
            int dataStart = from;
            if (dataStart < d.length && d[dataStart] == '\r') {
                dataStart++;
            }
            if (dataStart < d.length && d[dataStart] == '\n') {
                dataStart++;
            }
            String window = decodeNames(Texts.latin1(d, dictStart, at - dictStart));
            int obj = lastObjKeyword(window);
            String dict = obj >= 0 ? window.substring(obj) : window;
            long[] id = obj >= 0 ? objectId(window, obj) : null;
            boolean named = id != null && seen.efRefs.contains(id[0]);
            boolean objStm = dict.contains("/ObjStm") && (!efOnly || !seen.efDictsRead.containsAll(seen.efDicts));
            if (efOnly && !objStm && (!named || seen.scanned.contains(id[0]))) {
                continue;
            }
            boolean embedded = !objStm && (named || dict.contains("/EmbeddedFile"));
            if (!objStm && !embedded) {
                continue;
            }
            int end = Texts.indexOf(d, dataStart, d.length, Texts.ascii("endstream"));
            if (end < 0) {
                end = d.length;
            }
            ctx.checkTime(path);
            byte[] raw = java.util.Arrays.copyOfRange(d, dataStart, end);
            byte[] content = null;
            if (key != null) {
                byte[] plain = decrypt(key, id, dict, embedded, raw);
                content = plain == null ? null : decode(path, dict, plain);
            }
            if (content == null) {
                content = decode(path, dict, raw);
            }
            if (content == null) {
                continue;
            }
            if (objStm) {
                if (!efOnly) {
                    names(content, 0, content.length, seen);
                }
                if (!seen.efDicts.isEmpty()) {
                    efDictsInObjectStream(dict, content, seen);
                }
            } else {
                if (id != null) {
                    seen.scanned.add(id[0]);
                }
                seen.embedded = true;
                seen.embeddedCount++;
                String child = PartScanner.child(path, "embedded-" + seen.embeddedCount);
                ctx.countEntry(child);
                scanner.scanBytes(child, "", content, depth + 1);
            }
            from = end;
        }
    }

    private static final java.util.regex.Pattern LENGTH = java.util.regex.Pattern.compile(
            "/Length\\s++(\\d{1,10}+)(?!\\s*+\\d++\\s*+R)");
    private static final java.util.regex.Pattern XREF = java.util.regex.Pattern.compile("/Type\\s*+/XRef(?![A-Za-z])");
    private static final java.util.regex.Pattern CRYPT_NAME = java.util.regex.Pattern.compile(
            "/Name\\s*/([^\\s/\\[\\]<>()]{1,40})");

    /**
     * A stream's data decrypted with the crypt filter that applies (a {@code /Crypt} filter's {@code /Name},
     * else {@code /EFF} for an embedded file, else {@code /StmF}; the XRef stream and the encryption
     * dictionary's own object are not encrypted); {@code null} when it cannot be.
     */
    private static byte[] decrypt(PdfEncryption.Key key, long[] id, String dict, boolean embedded, byte[] raw) {
        if (XREF.matcher(dict).find() || id != null && id[0] == key.encryptObject) {
            return raw;
        }
        PdfEncryption.Method method;
        java.util.regex.Matcher f = FILTER.matcher(dict);
        if (f.find() && f.group(1).contains("/Crypt")) {
            java.util.regex.Matcher name = CRYPT_NAME.matcher(dict);
            method = key.filter(name.find() ? name.group(1) : null);
        } else {
            method = embedded ? key.embeddedFiles() : key.streams();
        }
        if (method == PdfEncryption.Method.IDENTITY) {
            return raw;
        }
        // the data is /Length bytes when given directly, else up to the end-of-line before endstream
        int n = raw.length;
        java.util.regex.Matcher length = LENGTH.matcher(dict);
        if (length.find() && Long.parseLong(length.group(1)) <= n) {
            n = Integer.parseInt(length.group(1));
        } else if (n > 0 && raw[n - 1] == '\n') {
            n -= n > 1 && raw[n - 2] == '\r' ? 2 : 1;
        } else if (n > 0 && raw[n - 1] == '\r') {
            n--;
        }
        byte[] data = n == raw.length ? raw : java.util.Arrays.copyOf(raw, n);
        return key.decrypt(data, method, id == null ? -1 : id[0], id == null ? -1 : (int) id[1]);
    }

    /** Index of the white space before the last {@code obj} keyword in {@code s}, or -1. */
    static int lastObjKeyword(String s) {
        for (int i = s.lastIndexOf("obj"); i > 0; i = s.lastIndexOf("obj", i - 1)) {
            char after = i + 3 < s.length() ? s.charAt(i + 3) : ' ';
            if (s.charAt(i - 1) <= 0x20 && (after <= 0x20 || "<[(/%".indexOf(after) >= 0)) {
                return i - 1;
            }
        }
        return -1;
    }

    /** Object and generation number of the {@code N G obj} whose {@code obj} follows {@code at}, or {@code null}. */
    static long[] objectId(String s, int at) {
        int i = at;
        while (i > 0 && s.charAt(i - 1) <= 0x20 && at - i < 64) {
            i--;
        }
        int genEnd = i;
        while (i > 0 && s.charAt(i - 1) >= '0' && s.charAt(i - 1) <= '9' && genEnd - i < 6) {
            i--;
        }
        if (i == genEnd || genEnd - i > 5) {
            return null;
        }
        int gen = Integer.parseInt(s.substring(i, genEnd));
        int numEnd = i;
        while (i > 0 && s.charAt(i - 1) <= 0x20 && numEnd - i < 64) {
            i--;
        }
        if (i == numEnd) {
            return null;
        }
        numEnd = i;
        while (i > 0 && s.charAt(i - 1) >= '0' && s.charAt(i - 1) <= '9' && numEnd - i < 11) {
            i--;
        }
        if (i == numEnd || numEnd - i > 10) {
            return null;
        }
        return new long[] {Long.parseLong(s.substring(i, numEnd)), gen};
    }

    private static final java.util.regex.Pattern FILTER = java.util.regex.Pattern.compile(
            "/Filter\\s*(\\[[^\\]]{0,400}\\]|/[^\\s/\\[\\]<>()]{1,40})");
    private static final java.util.regex.Pattern FILTER_NAME = java.util.regex.Pattern.compile("/([^\\s/\\[\\]<>()]{1,40})");

    /**
     * The stream's data through its filter chain (Flate, ASCIIHex, ASCII85, by full or abbreviated name);
     * zlib data under a filter we cannot read from the dictionary (an indirect array) is inflated too.
     * {@code null} when the data does not decode.
     */
    private byte[] decode(String path, String dict, byte[] raw) {
        java.util.regex.Matcher f = FILTER.matcher(dict);
        byte[] data = raw;
        if (f.find()) {
            java.util.regex.Matcher n = FILTER_NAME.matcher(f.group(1));
            for (int k = 0; n.find() && k < 8; k++) {
                switch (n.group(1)) {
                    case "FlateDecode", "Fl" -> data = inflate(path, data);
                    case "ASCIIHexDecode", "AHx" -> data = asciiHex(data);
                    case "ASCII85Decode", "A85" -> data = ascii85(data);
                    case "Crypt" -> {
                        // decrypted before decoding (or the Identity filter)
                    }
                    default -> {
                        return data; // LZW, RunLength, ...: judged as far as we could decode
                    }
                }
                if (data == null) {
                    return null;
                }
            }
            return data;
        }
        boolean zlib = raw.length > 2 && (raw[0] & 0x0f) == 8 && ((raw[0] & 0xff) << 8 | raw[1] & 0xff) % 31 == 0;
        return zlib ? inflate(path, raw) : raw;
    }

    private static byte[] asciiHex(byte[] in) {
        return asciiHex(Texts.latin1(in, 0, in.length), 0);
    }

    /**
     * PDF hexadecimal data from {@code from} up to {@code >} or the end (a hex string's content, or an
     * ASCIIHexDecode stream): other characters skipped, an odd final digit read as if followed by 0.
     */
    static byte[] asciiHex(CharSequence s, int from) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(0, s.length() - from) / 2 + 1);
        int hi = -1;
        for (int j = from; j < s.length() && s.charAt(j) != '>'; j++) {
            int v = Character.digit(s.charAt(j), 16);
            if (v < 0) {
                continue;
            }
            if (hi < 0) {
                hi = v;
            } else {
                out.write(hi * 16 + v);
                hi = -1;
            }
        }
        if (hi >= 0) {
            out.write(hi * 16);
        }
        return out.toByteArray();
    }

    /** ASCII85 decoded, at most {@link #MAX_INFLATED_PER_STREAM} bytes ({@code z} is four zero bytes). */
    private static byte[] ascii85(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        long tuple = 0;
        int count = 0;
        int i = in.length >= 2 && in[0] == '<' && in[1] == '~' ? 2 : 0;
        for (; i < in.length && out.size() < MAX_INFLATED_PER_STREAM; i++) {
            int c = in[i] & 0xff;
            if (c == '~') {
                break;
            }
            if (c == 'z' && count == 0) {
                out.writeBytes(new byte[4]);
                continue;
            }
            if (c < '!' || c > 'u') {
                continue;
            }
            tuple = tuple * 85 + (c - '!');
            if (++count == 5) {
                for (int s = 24; s >= 0; s -= 8) {
                    out.write((int) (tuple >> s) & 0xff);
                }
                tuple = 0;
                count = 0;
            }
        }
        if (count > 1) {
            for (int pad = count; pad < 5; pad++) {
                tuple = tuple * 85 + 84;
            }
            for (int s = 24, n = 0; n < count - 1; s -= 8, n++) {
                out.write((int) (tuple >> s) & 0xff);
            }
        }
        return out.toByteArray();
    }

    static String decodeNames(String s) {
        if (s.indexOf('#') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '#' && i + 2 < s.length() && Character.digit(s.charAt(i + 1), 16) >= 0
                    && Character.digit(s.charAt(i + 2), 16) >= 0) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Inflates with the byte budget and ratio applied; {@code null} when the data is not valid zlib. */
    private byte[] inflate(String path, byte[] raw) {
        Inflater inf = new Inflater();
        try {
            inf.setInput(raw);
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(raw.length * 4, 1 << 20));
            byte[] buf = new byte[64 * 1024];
            while (!inf.finished() && out.size() < MAX_INFLATED_PER_STREAM) {
                int n = inf.inflate(buf);
                if (n == 0) {
                    if (inf.needsInput() || inf.needsDictionary()) {
                        break;
                    }
                    continue;
                }
                ctx.countBytes(n, path);
                out.write(buf, 0, n);
                if (out.size() > ctx.settings().ratioMinBytes()
                        && out.size() > (long) raw.length * ctx.settings().maxRatio()) {
                    throw new ScanContext.ScanStopped(Rule.ARCHIVE_BOMB, path, "PDF stream expands more than "
                            + (long) ctx.settings().maxRatio() + ":1");
                }
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            return null;
        } finally {
            inf.end();
        }
    }
}
