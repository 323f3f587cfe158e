package org.streamail.detect.content.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.Arrays;
import java.util.function.LongSupplier;
import org.streamail.detect.content.internal.ScanContext.ScanStopped;

/**
 * Recognises a part by its bytes and hands it to the inspector for its kind, walking archives and embedded
 * objects recursively. One instance per message scan (it carries the {@link ScanContext}); not thread-safe.
 *
 * <p>Memory: a part is held in memory only when it must be inspected as a whole (containers, markup,
 * text) and only up to {@code max.part.buffer}; everything else is streamed through, keeping its first
 * 64 KB for sniffing and its last 512 bytes for disk-image trailers. Stream formats (tar, gzip, bzip2, xz)
 * are walked as streams, never buffered.
 */
final class PartScanner {
    private static final int CHUNK = 64 * 1024;

    final ScanContext ctx;
    private final OfficeInspector office;
    private final PdfInspector pdf;
    private final TextInspector text;
    private final HtmlInspector html;
    private final ArchiveWalker archives;

    PartScanner(ScanContext ctx) {
        this.ctx = ctx;
        this.text = new TextInspector(this);
        this.html = new HtmlInspector(ctx);
        this.office = new OfficeInspector(this);
        this.pdf = new PdfInspector(this);
        this.archives = new ArchiveWalker(this);
    }

    TextInspector text() {
        return text;
    }

    HtmlInspector html() {
        return html;
    }

    OfficeInspector office() {
        return office;
    }

    /** Scans a part held in memory (a message attachment, or a part extracted from a document). */
    void scanBytes(String path, String name, byte[] data, int depth) {
        ctx.checkDepth(depth, path);
        ctx.checkTime(path);
        byte[] head = data.length <= Sniffer.HEAD ? data : Arrays.copyOf(data, Sniffer.HEAD);
        byte[] tail = data.length >= 1024 ? Arrays.copyOfRange(data, data.length - 512, data.length) : null;
        Kind kind = Sniffer.sniff(head, tail);
        inspect(path, name, data, kind, depth, data.length);
    }

    /**
     * Scans an archive entry read from {@code in}. Counts it against the entry limit and every expanded byte
     * against the byte budget; {@code compressed} gives the compressed bytes consumed so far for this entry
     * (or {@code -1} when unknown) so an entry that inflates beyond {@code max.ratio} ends the scan as a bomb
     * while it is being read, not after.
     */
    void scanStream(String path, String name, InputStream in, int depth, LongSupplier compressed) throws IOException {
        ctx.countEntry(path);
        ctx.checkDepth(depth, path);
        Meter meter = new Meter(in, path, compressed);
        byte[] head = meter.readUpTo(Sniffer.HEAD);
        Kind kind = Sniffer.sniff(head, null);
        if (kind == Kind.TAR || kind == Kind.GZIP || kind == Kind.BZIP2 || kind == Kind.XZ) {
            checkNameAndKind(path, name, kind, head);
            try {
                archives.walkStream(path, name, kind, new SequenceInputStream(new ByteArrayInputStream(head), meter),
                        depth);
            } catch (ScanStopped e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                ctx.report(Rule.MALFORMED_PART, path, kind.label + " could not be read: " + describe(e));
            } catch (NoClassDefFoundError e) {
                ctx.report(Rule.UNSCANNABLE_ARCHIVE, path, kind.label + " uses a compression we cannot expand: "
                        + describe(e));
            }
            meter.drain();
            return;
        }
        boolean byName = (kind == Kind.UNKNOWN || kind == Kind.IMAGE) && htmlByName(name);
        boolean whole = kind.needsWholePart() || kind == Kind.UNKNOWN && Names.executableByName(name) || byName;
        if (head.length < Sniffer.HEAD) {
            inspect(path, name, head, kind, depth, head.length);
            return;
        }
        if (whole) {
            // Text is only scanned up to max.text.scan anyway, and a DOM costs ~10x its source: keep them small.
            int limit = kind == Kind.HTML || byName ? htmlLimit()
                    : kind == Kind.TEXT || kind == Kind.UNKNOWN ? ctx.settings().maxTextScan()
                    : ctx.settings().maxPartBuffer();
            byte[] rest = meter.readUpTo(Math.max(0, limit - head.length));
            byte[] all = concat(head, rest);
            long total = all.length + meter.drain();
            if (total > all.length && kind != Kind.TEXT && kind != Kind.UNKNOWN) {
                ctx.report(Rule.SCAN_INCOMPLETE, path, kind.label + " of " + total + " bytes: only the first "
                        + all.length + " bytes were inspected");
            }
            inspect(path, name, all, kind, depth, total);
        } else {
            long total = head.length + meter.drain();
            byte[] tail = meter.tail();
            Kind again = kind == Kind.UNKNOWN && tail != null ? Sniffer.sniff(head, tail) : kind;
            inspect(path, name, head, again, depth, total);
        }
    }

    private void inspect(String path, String name, byte[] data, Kind kind, int depth, long size) {
        try {
            checkNameAndKind(path, name, kind, data);
            text.eicar(path, data);
            if ((kind == Kind.TEXT || kind == Kind.UNKNOWN || kind == Kind.HTML)
                    && MESSAGE_EXT.contains(Names.extension(name))) {
                if (kind != Kind.HTML) {
                    message(path, data, depth);
                    return;
                }
                // markup seen in the head: also judged as the HTML it may be (an .mht that is a plain page)
                try {
                    message(path, data, depth);
                } catch (MimeParts.Malformed e) {
                    ctx.report(Rule.MALFORMED_PART, path, "message could not be read: " + describe(e));
                }
            }
            switch (kind) {
                case ZIP, SEVENZ, GZIP, BZIP2, XZ, TAR, CAB, RAR, ARJ -> archives.walk(path, name, kind, data, depth);
                case OLE -> office.inspectOle(path, data, depth);
                case ONENOTE -> office.inspectOneNote(path, data, depth);
                case PDF -> pdf.inspect(path, data, depth);
                case RTF -> office.inspectRtf(path, data, depth);
                case HTML -> {
                    html(path, data);
                    text.inspectBytes(path, data, depth);
                }
                case TEXT -> {
                    if (htmlByName(name)) {
                        html(path, data);
                    }
                    text.inspectBytes(path, data, depth);
                }
                default -> {
                    // Binary data without a structure we inspect: name and magic judged above. A browser opens
                    // a .html file as HTML whatever its first bytes (NULs, control bytes, UTF-16, a GIF header).
                    if ((kind == Kind.UNKNOWN || kind == Kind.IMAGE) && htmlByName(name)) {
                        byte[] utf8 = Texts.utf16ToUtf8(data);
                        html(path, utf8);
                        text.inspectBytes(path, utf8, depth);
                    }
                }
            }
        } catch (ScanStopped e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // A part our parsers cannot read is reported, never fatal: the other parts are still judged.
            ctx.report(Rule.MALFORMED_PART, path, kind.label + " could not be read: " + describe(e));
        } catch (NoClassDefFoundError e) {
            // An optional decoder (zstd, brotli, ...) commons-compress would call is not installed.
            ctx.report(Rule.UNSCANNABLE_ARCHIVE, path, kind.label + " uses a compression we cannot expand: "
                    + describe(e));
        }
    }

    /** Files a mail client or browser opens as a MIME message: e-mail, MHTML web archives. */
    private static final java.util.Set<String> MESSAGE_EXT = java.util.Set.of("eml", "mht", "mhtml");

    /**
     * An {@code .eml} or {@code .mht} file (a message the core did not enter: not declared {@code message/rfc822}, or inside an
     * archive): a mail client opens it and offers its parts, so each leaf is scanned as a nested part under its
     * file name; a {@code message/rfc822} leaf is entered the same way. Bounded by {@link MimeParts}' limits.
     */
    private void message(String path, byte[] data, int depth) throws IOException {
        byte[] msg = MimeParts.crlf(data);
        java.util.List<MimeParts.Part> leaves = new java.util.ArrayList<>();
        java.util.ArrayDeque<MimeParts.Part> todo = new java.util.ArrayDeque<>(java.util.List.of(MimeParts.parse(msg)));
        while (!todo.isEmpty()) {
            MimeParts.Part p = todo.pop();
            if (p.isMultipart()) {
                for (int i = p.children().size() - 1; i >= 0; i--) {
                    todo.push(p.children().get(i));
                }
            } else {
                leaves.add(p);
            }
        }
        for (int i = 0; i < leaves.size(); i++) {
            MimeParts.Part p = leaves.get(i);
            ctx.checkTime(path);
            String name = Texts.nfc(p.fileName());
            String child = child(path, name.isEmpty() ? "part-" + (i + 1) : name);
            ctx.countEntry(child);
            byte[] body = MimeParts.decodedBody(msg, p);
            if (p.mediaType().equals("message/rfc822")) {
                ctx.checkDepth(depth + 1, child);
                message(child, body, depth + 1);
            } else {
                scanBytes(child, name, body, depth + 1);
            }
        }
    }

    /** Judges the name of a file held in a container whose bytes are scanned apart (an Outlook .msg). */
    void judgeName(String path, String name) {
        archives.judgeNameOnly(path, name);
    }

    /** Names a browser (or mshta) opens as markup. */
    static boolean htmlByName(String name) {
        String ext = Names.extension(name);
        return ext.equals("htm") || ext.equals("html") || ext.equals("svg") || ext.equals("xhtml") || ext.equals("hta")
                || ext.equals("shtml");
    }

    int htmlLimit() {
        return Math.max(Sniffer.HEAD, ctx.settings().maxPartBuffer() / 4);
    }

    private void html(String path, byte[] data) {
        byte[] d = data;
        if (data.length > htmlLimit()) {
            ctx.report(Rule.SCAN_INCOMPLETE, path, "HTML of " + data.length + " bytes: only the first " + htmlLimit()
                    + " bytes were parsed");
            d = Arrays.copyOf(data, htmlLimit());
        }
        html.inspect(path, null, d);
    }

    /** Executable-by-content, disk images, executable names and double/bidi names of nested entries. */
    private void checkNameAndKind(String path, String name, Kind kind, byte[] head) {
        // Bytes our sniffer does not recognise: Tika's magic names them (content only, names are judged
        // separately), which catches executables our structural checks do not claim, e.g. a bare DOS MZ.
        String tika = kind == Kind.UNKNOWN ? TikaTypes.detect(head, null) : "";
        if (kind.executable) {
            ctx.report(Rule.EXECUTABLE, path, kind.label + " found by content");
        } else if (TikaTypes.isExecutable(tika)) {
            ctx.report(Rule.EXECUTABLE, path, "executable found by content (" + tika + ", detected by Apache Tika)");
        } else if (kind.isDiskImage()) {
            ctx.report(Rule.DISK_IMAGE, path, kind.label + " (disk images smuggle payloads past mark-of-the-web)");
        } else if (!name.isEmpty() && Names.executableByName(name)) {
            String ext = Names.extension(name);
            if (Names.DISK_IMAGE_EXT.contains(ext)) {
                ctx.report(Rule.DISK_IMAGE, path, "disk image by name (." + ext + ")");
            } else if (!ext.equals("one")) {
                ctx.report(Rule.EXECUTABLE, path, "executable or script by name (." + ext + "), content: "
                        + (tika.isEmpty() ? kind.label : tika));
            }
        } else if (kind == Kind.TEXT || kind == Kind.HTML) {
            String script = TextInspector.scriptMarker(head);
            if (script != null) {
                ctx.report(Rule.EXECUTABLE, path, script);
            }
        }
        if (!name.isEmpty()) {
            if (Names.hasBidiControl(name)) {
                ctx.report(Rule.BIDI_FILENAME, path, "file name contains bidirectional control characters: "
                        + Texts.clip(name, 120));
            }
            if (Names.doubleExtension(name)) {
                ctx.report(Rule.DOUBLE_EXTENSION, path, "file name hides an executable extension: "
                        + Texts.clip(name, 120));
            }
        }
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + Texts.clip(m, 160));
    }

    static byte[] concat(byte[] a, byte[] b) {
        if (b.length == 0) {
            return a;
        }
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static String child(String path, String entry) {
        return path + "!/" + entry;
    }

    /**
     * Reads an entry while counting its expanded bytes against the message budget and its ratio against
     * {@code max.ratio}; also usable as the (counted) stream of a nested stream format.
     */
    final class Meter extends InputStream {
        private final InputStream in;
        private final String path;
        private final LongSupplier compressed;
        private long count;
        private final byte[] tail = new byte[512];
        private long tailWritten;

        Meter(InputStream in, String path, LongSupplier compressed) {
            this.in = in;
            this.path = path;
            this.compressed = compressed;
        }

        private void account(byte[] b, int off, int n) {
            if (n <= 0) {
                return;
            }
            count += n;
            ctx.countBytes(n, path);
            Settings s = ctx.settings();
            if (count > s.ratioMinBytes()) {
                long c = compressed == null ? -1 : compressed.getAsLong();
                if (c > 0 && count > c * s.maxRatio()) {
                    throw new ScanStopped(Rule.ARCHIVE_BOMB, path, "entry expands more than " + (long) s.maxRatio()
                            + ":1 (" + count + " bytes from " + c + ")");
                }
            }
            for (int i = Math.max(0, n - 512); i < n; i++) {
                tail[(int) (tailWritten++ % 512)] = b[off + i];
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if ((count & 0xfffff) < CHUNK) {
                ctx.checkTime(path);
            }
            int n = in.read(b, off, len);
            account(b, off, n);
            return n;
        }

        byte[] readUpTo(int max) throws IOException {
            byte[] buf = new byte[Math.min(Math.max(max, 0), CHUNK)];
            int filled = 0;
            while (filled < max) {
                if (filled == buf.length) {
                    buf = Arrays.copyOf(buf, (int) Math.min(max, (long) buf.length * 2));
                }
                int n = read(buf, filled, buf.length - filled);
                if (n < 0) {
                    break;
                }
                filled += n;
            }
            return filled == buf.length ? buf : Arrays.copyOf(buf, filled);
        }

        /** Reads and counts the rest; returns how many bytes that was. */
        long drain() throws IOException {
            byte[] buf = new byte[CHUNK];
            long total = 0;
            int n;
            while ((n = read(buf, 0, buf.length)) >= 0) {
                total += n;
                ctx.checkTime(path);
            }
            return total;
        }

        /** The last 512 bytes read, or {@code null} when fewer were read. */
        byte[] tail() {
            if (tailWritten < 512) {
                return null;
            }
            byte[] out = new byte[512];
            for (int i = 0; i < 512; i++) {
                out[i] = tail[(int) ((tailWritten + i) % 512)];
            }
            return out;
        }
    }
}
