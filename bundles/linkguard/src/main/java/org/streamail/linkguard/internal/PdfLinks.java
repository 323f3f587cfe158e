package org.streamail.linkguard.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSBase;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSObject;
import org.apache.pdfbox.cos.COSString;
import org.apache.pdfbox.io.MemoryUsageSetting;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.encryption.InvalidPasswordException;
import org.apache.pdfbox.pdmodel.encryption.PDEncryption;
import org.streamail.linkguard.internal.DocumentLinks.DocumentException.Reason;

/**
 * The link targets of a PDF file rewritten to click URLs: a PDF "invoice" whose "View document" button leads to a
 * fake sign-in page otherwise sends the reader straight to the attacker, past the click-time check, the isolation
 * and the recall.
 *
 * <h2>What is a link target</h2>
 * Every target a click (or opening the file) in a viewer can follow, read from the document's objects with
 * PDFBox 3:
 * <ul>
 *   <li>{@code /URI} actions ({@code /S /URI}, {@link LinkTokens.Kind#LINK}) wherever a viewer runs actions: the
 *       {@code /A} (and the link annotation's {@code /PA}) of every annotation, link and widget (form field)
 *       annotations included; the additional actions ({@code /AA}) of every annotation, page, form field and of the
 *       catalog; the document's {@code /OpenAction}; the {@code /A} of every outline (bookmark) item and form field;
 *       and every action chained after any of these by {@code /Next} (a dictionary or an array).</li>
 *   <li>{@code /SubmitForm} actions: their {@code /F} file specification, a string or the {@code /F} and
 *       {@code /UF} of a file specification dictionary ({@code /FS /URL}), as {@link LinkTokens.Kind#FORM}: the form's
 *       fields are sent there.</li>
 *   <li>{@code /Launch}, {@code /GoToR} and {@code /GoToE} actions: their {@code /F} file specification the same way,
 *       and the {@code /F} of a launch action's {@code /Win} dictionary, as links. A viewer hands a URL there to the
 *       browser; a plain file name is not http(s), and the replacer leaves it alone.</li>
 * </ul>
 * Every string found is passed to the replacer, which decides (it returns null for {@code mailto:}, relative paths,
 * exempt and internal hosts); it is not judged here.
 *
 * <h2>How a target is read</h2>
 * URI strings are byte strings, 7-bit ASCII by the specification. They are read as UTF-8 when they are valid UTF-8
 * (which is what pdf.js and Chromium do with the bytes of a URI, and identical to ISO-8859-1 for ASCII) and as
 * ISO-8859-1 otherwise, so that every byte is kept; one with a UTF-16 byte order mark, which some producers write, as
 * UTF-16.
 * A relative URI resolves against the {@code /Base} of the catalog's {@code /URI} dictionary, as the specification
 * and viewers do (pdf.js included): the absolute URL is what the replacer gets, the click URL replaces the relative
 * one, and the {@code /Base} itself stays as written. A URI starting with {@code www.} and holding two dots at least
 * becomes {@code http://www.…} first, as pdf.js opens it (mail clients link such text the same way). A URI written as
 * a name ({@code /URI /path}, which pdf.js reads as {@code /path}) is read so too.
 *
 * <h2>Writing back</h2>
 * The changed dictionaries are appended as an <em>incremental update</em> ({@link PDDocument#saveIncremental}): the
 * original bytes stay byte for byte and every later object, xref section and trailer is added after them, so the
 * pages render as before and the file stays what the sender made. A changed dictionary written inline in another
 * object (an action inside an annotation, an annotation inside a page's {@code /Annots}) becomes an indirect object
 * of its own, and the object that held it is appended with a reference in its place; see {@link #save} for why. The
 * result is read back with PDFBox and must show exactly the targets written (the original bytes a prefix), else the
 * file is left as written: PDFBox 3.0.5 silently loses or duplicates changes in some structures, and a link believed
 * rewritten but still live would be the worst outcome.
 *
 * <h2>Encrypted and signed files</h2>
 * A file that opens with the empty user password (the usual "no copying, no printing" restriction) is rewritten;
 * PDFBox encrypts the appended objects with the file's own security handler and key, so it stays encrypted as it
 * was. One that needs a password, or uses a security handler PDFBox cannot open here (certificate encryption needs
 * BouncyCastle, which is not installed), is {@link Reason#ENCRYPTED}. A signed file (a signature field with a value,
 * or a {@code /Perms} entry: certification and usage-rights signatures) is {@link Reason#SIGNED} unless
 * {@code rewrite.signed}; when it is rewritten, the signed revision stays intact before the update, and viewers say
 * the document was changed after signing.
 *
 * <h2>Bounds</h2>
 * Before PDFBox sees the file, {@link PdfPrescan} reads its raw bytes and refuses ({@link Reason#TOO_LARGE}) one whose
 * cross-reference data or object streams would make PDFBox's loader allocate beyond its bounds: cross-reference
 * entries (table subsections, and cross-reference streams by their declared count and by their decoded size),
 * object headers, object streams' decoded bytes and declared objects, streams, and filters it does not decode on
 * those streams. Then at most {@value #MAX_VISITS} annotations, form fields, outline items and actions are visited
 * in all, {@code /Next} chains are followed {@value #MAX_NEXT_DEPTH} deep, and {@value #MAX_PAGES} pages looked at
 * (through PDFBox's page tree iterator, which stops at cycles); a document beyond one of them is
 * {@link Reason#TOO_LARGE}, and nothing is changed and no target passed to the replacer. Every structure is walked
 * with explicit queues and identity sets (no recursion here; hostile files hold cycles). PDFBox buffers in main
 * memory only, at most {@value #MAX_CACHE_BYTES} bytes (no temporary files), and works on a thread with a larger
 * stack, since it recurses along the document's nesting ({@link #onWorker}). Anything PDFBox throws while reading or
 * writing, a {@link StackOverflowError} included (hostile nesting deeper than even that stack), leaves the file as
 * written with {@link Reason#UNREADABLE} and the exception's class and message (never the document's content, beyond
 * what PDFBox quotes of a damaged token).
 *
 * <h2>Not covered</h2>
 * URLs that are only text on a page (some viewers make them clickable themselves), JavaScript actions and document
 * scripts (a script can build any URL), links inside files embedded in or attached to the PDF, XFA form definitions
 * (their submit targets are XML in a stream), {@code /ImportData}, {@code /Thread} and rich media. A target that was
 * passed to the replacer but whose update did not read back is counted and recorded there, while the file stays as
 * written. Not bounded here: what one object PDFBox parses expands to. The prescan bounds how many cross-reference
 * entries, objects and decoded object-stream bytes a file can make PDFBox hold (about 50 MB each, measured), but
 * PDFBox parses a referenced object whole before any bound here sees it, and holds tens of bytes of heap for every
 * byte of, say, an array of empty dictionaries: a page whose {@code /Annots} is {@code [<<>><<>>...]} with 1,000,000
 * of them (a 4 MB file) ran out of a 128 MiB heap in PDFBox before {@link #MAX_VISITS} refused it, and 2,500,000 (a
 * 10 MB file) out of 256 MiB. Nor what an encrypted object stream inflates to, which the prescan cannot count
 * without decrypting it (see {@link PdfPrescan}, <em>Encrypted files</em>): PDFBox's stream cache does not limit it.
 *
 * <p>Stateless and thread-safe.
 */
final class PdfLinks implements DocumentLinks {

    /** How far into the file the {@code %PDF-} header may start (viewers accept leading junk up to there). */
    static final int HEADER_WINDOW = 1024;
    /** Annotations, form fields, outline items and actions visited per document, in all. */
    static final int MAX_VISITS = 10_000;
    /** {@code /Next} steps followed from an action (a chain deeper than this is {@link Reason#TOO_LARGE}). */
    static final int MAX_NEXT_DEPTH = 8;
    /** Pages looked at. */
    static final int MAX_PAGES = 100_000;
    /**
     * Main memory PDFBox may use for its buffers (decoded intermediate streams, the new cross-reference stream); more
     * fails the read, {@link Reason#UNREADABLE}. The file itself is at most {@link LinkRewriter#MAX_ATTACHMENT_BYTES}.
     */
    static final long MAX_CACHE_BYTES = 32L * 1024 * 1024;
    /** Stack of the thread PDFBox works on (see {@link #onWorker}). */
    static final long WORKER_STACK_BYTES = 32L * 1024 * 1024;
    /** Longest exception message kept in a {@link DocumentException}'s detail. */
    private static final int MAX_DETAIL_CHARS = 200;

    private static final byte[] HEADER = "%PDF-".getBytes(StandardCharsets.US_ASCII);
    private static final COSName PA = COSName.getPDFName("PA");
    private static final COSName BASE = COSName.getPDFName("Base");
    private static final COSName WIN = COSName.getPDFName("Win");
    private static final COSName SUBMIT_FORM = COSName.getPDFName("SubmitForm");
    private static final COSName LAUNCH = COSName.getPDFName("Launch");
    private static final COSName GOTO_R = COSName.getPDFName("GoToR");
    private static final COSName GOTO_E = COSName.getPDFName("GoToE");
    private static final List<COSName> SIGNATURE_PERMS = List.of(COSName.getPDFName("DocMDP"),
            COSName.getPDFName("UR"), COSName.getPDFName("UR3"));
    /** The file name entries of a file specification dictionary a viewer may open as a URL. */
    private static final List<COSName> FILE_NAMES = List.of(COSName.F, COSName.UF);
    /** The package of PDFBox's security handlers: a failure to open a file there is about its encryption. */
    private static final String ENCRYPTION_PACKAGE = "org.apache.pdfbox.pdmodel.encryption.";

    @Override
    public String kind() {
        return "PDF";
    }

    /** {@code %PDF-} starting within the first {@value #HEADER_WINDOW} bytes; nothing else is read. */
    @Override
    public boolean recognises(byte[] decoded) {
        int last = Math.min(decoded.length, HEADER_WINDOW) - HEADER.length;
        for (int i = 0; i <= last; i++) {
            if (Arrays.equals(decoded, i, i + HEADER.length, HEADER, 0, HEADER.length)) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The file is first checked by {@link PdfPrescan} on the calling thread; PDFBox reads and writes on a thread of
     * its own ({@link #onWorker}); the replacer is asked on the calling thread, between the two.
     */
    @Override
    public byte[] rewrite(byte[] decoded, Replacer links, boolean signed) throws DocumentException {
        Objects.requireNonNull(decoded, "decoded");
        Objects.requireNonNull(links, "links");
        PdfPrescan.check(decoded); // before PDFBox allocates for what the file declares
        acquire();
        try {
            return rewriteAlone(decoded, links, signed);
        } finally {
            ONE_AT_A_TIME.release();
        }
    }

    /**
     * One PDF open at a time in this JVM: what PDFBox holds for a file within {@link PdfPrescan}'s bounds is tens of
     * megabytes at worst, and as many deliveries at once as there are delivery threads would multiply it. A PDF takes
     * milliseconds to a second; a message waits its turn at most {@link #WAIT_SECONDS}, then its PDF is left as
     * written (WARN).
     */
    private static final Semaphore ONE_AT_A_TIME = new Semaphore(1, true);
    /** Longest wait for {@link #ONE_AT_A_TIME}. */
    static final long WAIT_SECONDS = 30;

    /** Takes {@link #ONE_AT_A_TIME}; an interrupt does not cut the wait short and is kept for the caller. */
    private static void acquire() throws DocumentException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    if (ONE_AT_A_TIME.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                        return;
                    }
                    throw new DocumentException(Reason.TOO_LARGE, "another PDF was being rewritten for "
                            + WAIT_SECONDS + " s (one at a time)");
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private byte[] rewriteAlone(byte[] decoded, Replacer links, boolean signed) throws DocumentException {
        Opened opened = onWorker(() -> open(decoded, signed));
        try {
            List<Site> changed = new ArrayList<>();
            for (Site s : opened.sites) {
                String replacement = links.replacement(s.target, s.kind);
                if (replacement != null && !replacement.equals(s.written)) {
                    s.replace(replacement);
                    changed.add(s);
                }
            }
            if (changed.isEmpty()) {
                return decoded;
            }
            return onWorker(() -> {
                byte[] out = save(opened.doc, decoded.length, changed);
                readBack(decoded, out, opened.sites);
                return out;
            });
        } finally {
            close(opened.doc);
        }
    }

    /** A document read, and its link targets. */
    private record Opened(PDDocument doc, List<Site> sites) {
    }

    /**
     * The document read, checked and walked: refused when signed ({@code signed} false), beyond a bound, or, when it
     * has targets, encrypted in a way an update would break; all before the replacer is asked about a target.
     */
    private static Opened open(byte[] decoded, boolean signed) throws DocumentException {
        PDDocument doc = load(decoded);
        boolean handedOver = false;
        try {
            if (!signed && isSigned(doc)) {
                throw new DocumentException(Reason.SIGNED, "signed PDF (rewrite.signed is off)");
            }
            Walk walk = new Walk();
            walk.run(doc);
            if (!walk.sites.isEmpty()) {
                checkWritable(doc);
            }
            handedOver = true;
            return new Opened(doc, walk.sites);
        } finally {
            if (!handedOver) {
                close(doc);
            }
        }
    }

    /** Work done by PDFBox on a document. */
    @FunctionalInterface
    private interface Work<T> {
        T run() throws DocumentException, IOException;
    }

    /**
     * Runs {@code work} on a new thread with a {@value #WORKER_STACK_BYTES}-byte stack, and waits for it.
     *
     * <p>PDFBox 3.0.5 recurses where documents nest, without a bound: its parser once per level of nested arrays and
     * dictionaries, its page and field tree iterators once per tree level, and the incremental update
     * ({@code COSIncrement}) once per object along every chain of references read, such as the {@code /Next} links
     * of an outline. On a thread's usual 1 MiB stack a legitimate outline of 2,000 bookmarks overflows it inside
     * {@link PDDocument#saveIncremental}; the larger stack (address space, used only as deep as the work goes)
     * holds every chain within {@link #MAX_VISITS}. What still overflows it is hostile nesting (hundreds of
     * thousands of levels): the {@link StackOverflowError} unwinds the worker thread completely, the document is
     * discarded, no state outside the thread is involved, and the file is left as written, {@link Reason#UNREADABLE}.
     * A new thread per call keeps this class without state; waiting is not interruptible (the work is bounded), and
     * an interrupt is kept for the caller.
     */
    private static <T> T onWorker(Work<T> work) throws DocumentException {
        List<T> result = new ArrayList<>(1);
        Throwable[] failure = new Throwable[1];
        Thread worker = new Thread(null, () -> {
            try {
                result.add(work.run());
            } catch (Throwable t) {
                failure[0] = t;
            }
        }, "streamail-linkguard-pdf", WORKER_STACK_BYTES);
        worker.setDaemon(true);
        worker.start();
        boolean interrupted = false;
        while (true) {
            try {
                worker.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable t = failure[0];
        if (t == null) {
            return result.get(0);
        }
        if (t instanceof DocumentException e) {
            throw e;
        }
        if (t instanceof StackOverflowError) {
            throw new DocumentException(Reason.UNREADABLE,
                    "nested deeper than PDFBox can read: " + t.getClass().getName());
        }
        if (t instanceof IOException || t instanceof RuntimeException || t instanceof LinkageError) {
            throw new DocumentException(Reason.UNREADABLE, describe(t));
        }
        if (t instanceof Error e) {
            throw e; // OutOfMemoryError and the like belong to the JVM, not to this file
        }
        throw new DocumentException(Reason.UNREADABLE, describe(t));
    }

    /**
     * The document, opened with the empty password, PDFBox buffering in main memory only. A wrong password, or a
     * failure inside PDFBox's security handlers (an unknown handler, certificate encryption without BouncyCastle,
     * which PDFBox reports as a {@link NoClassDefFoundError}), is {@link Reason#ENCRYPTED}; anything else
     * {@link Reason#UNREADABLE}.
     */
    private static PDDocument load(byte[] decoded) throws DocumentException {
        try {
            return Loader.loadPDF(decoded, "", null, null,
                    MemoryUsageSetting.setupMainMemoryOnly(MAX_CACHE_BYTES).streamCache);
        } catch (InvalidPasswordException e) {
            throw new DocumentException(Reason.ENCRYPTED, "encrypted PDF that needs a password");
        } catch (IOException | RuntimeException | NoClassDefFoundError e) {
            if (inEncryption(e)) {
                throw new DocumentException(Reason.ENCRYPTED, "encrypted PDF that PDFBox cannot open: " + describe(e));
            }
            throw new DocumentException(Reason.UNREADABLE, describe(e));
        }
    }

    private static boolean inEncryption(Throwable e) {
        for (StackTraceElement frame : e.getStackTrace()) {
            if (frame.getClassName().startsWith(ENCRYPTION_PACKAGE)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the document carries a signature that a rewrite would invalidate: a signature field with a value
     * ({@link PDDocument#getSignatureDictionaries()}), or a {@code /Perms} entry in the catalog (a certification
     * signature, or the usage-rights signature of a "Reader extended" form, which Acrobat drops with a warning once
     * the file changes).
     */
    private static boolean isSigned(PDDocument doc) {
        if (!doc.getSignatureDictionaries().isEmpty()) {
            return true;
        }
        COSDictionary root = doc.getDocument().getTrailer().getCOSDictionary(COSName.ROOT);
        COSDictionary perms = root == null ? null : root.getCOSDictionary(COSName.PERMS);
        if (perms != null) {
            for (COSName n : SIGNATURE_PERMS) {
                if (perms.getDictionaryObject(n) instanceof COSDictionary) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Refuses an encrypted document the update would break, before a target is passed to the replacer. With a
     * security handler of revision 4 or lower the file key depends on the first part of the trailer's {@code /ID};
     * PDFBox keeps it when the {@code /ID} has two strings, but writes a new one otherwise, and every object would
     * then decrypt to garbage.
     */
    private static void checkWritable(PDDocument doc) throws DocumentException {
        PDEncryption encryption = doc.getEncryption();
        if (!doc.isEncrypted() || encryption == null || encryption.getRevision() >= 5) {
            return;
        }
        COSArray id = doc.getDocument().getTrailer().getCOSArray(COSName.ID);
        if (id == null || id.size() != 2 || !(id.getObject(0) instanceof COSString)) {
            throw new DocumentException(Reason.ENCRYPTED,
                    "encrypted PDF without a two-part document ID, which an update would change");
        }
    }

    /**
     * The incremental update holding the changed dictionaries, after the original bytes.
     *
     * <p>PDFBox 3 finds most changed objects itself (it tracks updates per object), and the set passed to
     * {@link PDDocument#saveIncremental(java.io.OutputStream, Set)} is written in addition, unconditionally. Three
     * behaviours of 3.0.5 shape what is passed:
     * <ul>
     *   <li>An object both found and passed is written twice (two entries for one object in the new cross-reference
     *       section), and in an encrypted file one copy came out unencrypted, the click URL in clear. So only what
     *       PDFBox does not find is passed.</li>
     *   <li>A change to a dictionary written inline in an array (an action in an annotation in a page's
     *       {@code /Annots}, an action in a {@code /Next} array) or two levels deep inline (a file specification in an
     *       action in an annotation) makes PDFBox write the inline dictionary above it as a new, unreferenced object,
     *       and the object holding that not at all: the change is lost. So a changed dictionary written inline
     *       becomes an indirect object of its own ({@link COSBase#setDirect}), which PDFBox writes once and refers to,
     *       and the indirect object that held it (its holder: a dictionary, passed; or an array, marked as updated)
     *       is appended with the reference.</li>
     *   <li>Strings are encrypted in place while written, which is why no object may be written twice.</li>
     * </ul>
     */
    private static byte[] save(PDDocument doc, int originalLength, List<Site> changed) throws IOException {
        Set<COSBase> mustWrite = identitySet();
        for (Site s : changed) {
            if (s.dict.isDirect()) {
                s.dict.setDirect(false);
                if (s.holder != null) {
                    mustWrite.add(s.holder);
                }
            }
            mustWrite.add(s.dict);
        }
        for (COSBase b : mustWrite) {
            if (b instanceof COSArray a) {
                a.setNeedToBeUpdated(true);
            }
        }
        COSDictionary trailer = doc.getDocument().getTrailer();
        Set<COSBase> found = identitySet();
        found.addAll(trailer.toIncrement().exclude(trailer).getObjects());
        Set<COSDictionary> extra = Collections.newSetFromMap(new IdentityHashMap<>());
        for (COSBase b : mustWrite) {
            if (!found.contains(b) && b instanceof COSDictionary d) {
                extra.add(d);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(originalLength + 16 * 1024);
        doc.saveIncremental(out, extra);
        return out.toByteArray();
    }

    /**
     * Checks the written file: the original bytes unchanged at its start, and, read again by PDFBox, exactly the
     * targets written, in the same places. Else the file is left as written ({@link Reason#UNREADABLE}).
     */
    private static void readBack(byte[] original, byte[] out, List<Site> written) throws DocumentException {
        if (out.length <= original.length || !Arrays.equals(out, 0, original.length, original, 0, original.length)) {
            throw new DocumentException(Reason.UNREADABLE, "the update did not keep the original bytes");
        }
        PDDocument again = load(out);
        try {
            Walk walk = new Walk();
            walk.run(again);
            boolean same = walk.sites.size() == written.size();
            for (int i = 0; same && i < written.size(); i++) {
                same = walk.sites.get(i).written.equals(written.get(i).written);
            }
            if (!same) {
                throw new DocumentException(Reason.UNREADABLE, "the updated PDF did not read back as written");
            }
        } catch (RuntimeException e) {
            throw new DocumentException(Reason.UNREADABLE, "the updated PDF did not read back: " + describe(e));
        } finally {
            close(again);
        }
    }

    private static void close(PDDocument doc) {
        try {
            doc.close();
        } catch (IOException | RuntimeException e) {
            // nothing was written through it; the bytes are in memory
        }
    }

    /**
     * The exception's class and message for a log line: cut at {@value #MAX_DETAIL_CHARS} characters, and every
     * character outside printable ASCII replaced by {@code ?}. PDFBox's messages name offsets and object numbers, but
     * may quote a short token of a damaged file (a filter name): it cannot forge a log line or hide behind Unicode.
     */
    static String describe(Throwable e) {
        String message = Objects.toString(e.getMessage(), "");
        boolean cut = message.length() > MAX_DETAIL_CHARS;
        StringBuilder b = new StringBuilder(e.getClass().getName()).append(": ");
        for (int i = 0; i < Math.min(message.length(), MAX_DETAIL_CHARS); i++) {
            char c = message.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return cut ? b.append("...").toString() : b.toString();
    }

    private static <T> Set<T> identitySet() {
        return Collections.newSetFromMap(new IdentityHashMap<>());
    }

    /**
     * The text of a PDF string naming a URL: UTF-16 after a byte order mark, UTF-8 when the bytes are valid UTF-8
     * (after a UTF-8 byte order mark too), else ISO-8859-1 (every byte one character).
     */
    static String text(COSString s) {
        byte[] b = s.getBytes();
        if (b.length >= 2 && (b[0] & 0xff) == 0xfe && (b[1] & 0xff) == 0xff) {
            return new String(b, 2, b.length - 2, StandardCharsets.UTF_16BE);
        }
        int from = b.length >= 3 && (b[0] & 0xff) == 0xef && (b[1] & 0xff) == 0xbb && (b[2] & 0xff) == 0xbf ? 3 : 0;
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, from, b.length - from))
                    .toString();
        } catch (CharacterCodingException e) {
            return new String(b, StandardCharsets.ISO_8859_1);
        }
    }

    /** Whether {@code s} (cleaned) starts with a URI scheme and its colon (RFC 3986: a letter, then a-z 0-9 + - .). */
    static boolean hasScheme(String s) {
        int colon = s.indexOf(':');
        if (colon <= 0 || !isAsciiLetter(s.charAt(0))) {
            return false;
        }
        for (int i = 1; i < colon; i++) {
            char c = s.charAt(i);
            if (!(isAsciiLetter(c) || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAsciiLetter(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }

    /** The absolute base URI of a {@code /Base} string, or null when it is not absolute or cannot be read. */
    static URI baseUri(String written) {
        String s = Urls.clean(written);
        if (!hasScheme(s)) {
            return null;
        }
        try {
            return new URI(s);
        } catch (URISyntaxException e) {
            // characters java.net.URI refuses but browsers percent-encode (a space, "|"): encoded likewise after the
            // authority; an authority it still refuses leaves the URIs relative
            int authority = s.indexOf("//");
            int path = authority < 0 ? s.indexOf(':') + 1 : s.indexOf('/', authority + 2);
            if (path < 0) {
                return null;
            }
            try {
                return new URI(s.substring(0, path) + LinkRewriter.uriSafe(s.substring(path)));
            } catch (URISyntaxException e2) {
                return null;
            }
        }
    }

    /**
     * {@code relative} (cleaned, without a scheme) resolved against {@code base} (RFC 3986, as browsers resolve it).
     * An empty reference is the base without its fragment (which {@link URI#resolve} gets wrong); what cannot be read
     * even percent-encoded leads to the base, still guarded.
     */
    static String resolve(URI base, String relative) {
        try {
            if (relative.isEmpty()) {
                String b = base.toString();
                int fragment = b.indexOf('#');
                return fragment < 0 ? b : b.substring(0, fragment);
            }
            return base.resolve(new URI(LinkRewriter.uriSafe(relative))).toString();
        } catch (URISyntaxException | IllegalArgumentException e) {
            return base.toString();
        }
    }

    /**
     * One place a target is written: the entry {@code key} of {@code dict}, which sits in the indirect object
     * {@code holder} (itself when indirect; null when only the trailer holds it).
     */
    static final class Site {
        final COSDictionary dict;
        final COSName key;
        final COSBase holder;
        final LinkTokens.Kind kind;
        /** The value as written in the file, read as text. */
        String written;
        /** What the replacer is asked about: {@link #written}, resolved when it is a relative URI. */
        final String target;

        Site(COSDictionary dict, COSName key, COSBase holder, LinkTokens.Kind kind, String written, String target) {
            this.dict = dict;
            this.key = key;
            this.holder = holder;
            this.kind = kind;
            this.written = written;
            this.target = target;
        }

        /** Writes {@code replacement} (a click URL: ASCII; UTF-8 bytes otherwise) in place of the target. */
        void replace(String replacement) {
            dict.setItem(key, new COSString(replacement.getBytes(StandardCharsets.UTF_8)));
            written = replacement;
        }
    }

    /** A dictionary reached, and the indirect object it is written in. */
    private record Node(COSDictionary dict, COSBase holder) {
    }

    /** An action waiting to be read, {@code depth} {@code /Next} steps from where it was found. */
    private record Pending(Node action, int depth) {
    }

    /**
     * One pass over a document's link targets, collecting {@link #sites} without changing anything or asking the
     * replacer: a document beyond a bound is refused before any target is passed on. Iterative throughout.
     */
    static final class Walk {
        final List<Site> sites = new ArrayList<>();
        /** Each dictionary and array handled once per role (a widget is both an annotation and a form field). */
        private final Set<COSBase> annotations = identitySet();
        private final Set<COSBase> fields = identitySet();
        private final Set<COSBase> outlineItems = identitySet();
        private final Set<COSBase> actionsSeen = identitySet();
        private final Set<COSBase> containers = identitySet();
        private final Deque<Pending> actions = new ArrayDeque<>();
        private int visits;
        private URI base;

        void run(PDDocument doc) throws DocumentException {
            Node catalog = node(doc.getDocument().getTrailer().getItem(COSName.ROOT), null);
            if (catalog == null) {
                return;
            }
            base = base(catalog);
            action(catalog.dict.getItem(COSName.OPEN_ACTION), catalog.holder);
            triggers(catalog.dict.getItem(COSName.AA), catalog.holder);
            int pages = 0;
            for (PDPage page : doc.getPages()) {
                if (++pages > MAX_PAGES) {
                    throw new DocumentException(Reason.TOO_LARGE, "more than " + MAX_PAGES + " pages");
                }
                COSDictionary p = page.getCOSObject();
                COSBase holder = p.isDirect() ? parentOf(p) : p;
                triggers(p.getItem(COSName.AA), holder);
                annotations(p.getItem(COSName.ANNOTS), holder);
            }
            fields(catalog);
            outline(catalog);
            while (!actions.isEmpty()) {
                read(actions.removeFirst());
            }
        }

        /**
         * The holder of a page written inline in its parent's {@code /Kids} (malformed: kids are references): the
         * parent, assuming the {@code /Kids} array is inline in it; where that is wrong the read back finds the update
         * lost and the file is left as written.
         */
        private static COSBase parentOf(COSDictionary page) {
            return page.getItem(COSName.PARENT) instanceof COSObject o && o.getObject() instanceof COSDictionary d
                    ? d : null;
        }

        private void visit() throws DocumentException {
            if (++visits > MAX_VISITS) {
                throw new DocumentException(Reason.TOO_LARGE,
                        "more than " + MAX_VISITS + " annotations, form fields, outline items and actions");
            }
        }

        private URI base(Node catalog) {
            Node uri = node(catalog.dict.getItem(COSName.URI), catalog.holder);
            return uri != null && uri.dict.getDictionaryObject(BASE) instanceof COSString s ? baseUri(text(s)) : null;
        }

        private void annotations(COSBase value, COSBase holder) throws DocumentException {
            COSArray array = array(value);
            if (array == null || !containers.add(array)) {
                return;
            }
            COSBase arrayHolder = value instanceof COSObject ? array : holder;
            for (int i = 0; i < array.size(); i++) {
                Node annotation = node(array.get(i), arrayHolder);
                if (annotation == null || !annotations.add(annotation.dict)) {
                    continue;
                }
                visit();
                action(annotation.dict.getItem(COSName.A), annotation.holder);
                action(annotation.dict.getItem(PA), annotation.holder);
                triggers(annotation.dict.getItem(COSName.AA), annotation.holder);
            }
        }

        /** Form fields, from the AcroForm's {@code /Fields} down their {@code /Kids} (widgets among them). */
        private void fields(Node catalog) throws DocumentException {
            Node acroForm = node(catalog.dict.getItem(COSName.ACRO_FORM), catalog.holder);
            if (acroForm == null) {
                return;
            }
            Deque<Node> pending = new ArrayDeque<>();
            push(pending, acroForm.dict.getItem(COSName.FIELDS), acroForm.holder);
            while (!pending.isEmpty()) {
                Node field = pending.removeFirst();
                if (!fields.add(field.dict)) {
                    continue;
                }
                visit();
                action(field.dict.getItem(COSName.A), field.holder);
                triggers(field.dict.getItem(COSName.AA), field.holder);
                push(pending, field.dict.getItem(COSName.KIDS), field.holder);
            }
        }

        private void push(Deque<Node> pending, COSBase value, COSBase holder) {
            COSArray array = array(value);
            if (array == null || !containers.add(array)) {
                return;
            }
            COSBase arrayHolder = value instanceof COSObject ? array : holder;
            for (int i = 0; i < array.size(); i++) {
                Node n = node(array.get(i), arrayHolder);
                if (n != null) {
                    pending.addLast(n);
                }
            }
        }

        /** Outline items, from the catalog's {@code /Outlines}: each item's {@code /First} child and {@code /Next}. */
        private void outline(Node catalog) throws DocumentException {
            Node outlines = node(catalog.dict.getItem(COSName.OUTLINES), catalog.holder);
            if (outlines == null) {
                return;
            }
            Deque<Node> pending = new ArrayDeque<>();
            addIfDictionary(pending, outlines.dict.getItem(COSName.FIRST), outlines.holder);
            while (!pending.isEmpty()) {
                Node item = pending.removeFirst();
                if (!outlineItems.add(item.dict)) {
                    continue;
                }
                visit();
                action(item.dict.getItem(COSName.A), item.holder);
                addIfDictionary(pending, item.dict.getItem(COSName.NEXT), item.holder);
                addIfDictionary(pending, item.dict.getItem(COSName.FIRST), item.holder);
            }
        }

        private static void addIfDictionary(Deque<Node> pending, COSBase value, COSBase holder) {
            Node n = node(value, holder);
            if (n != null) {
                pending.addLast(n);
            }
        }

        /** The actions of an additional-actions dictionary ({@code /AA}): one per trigger, whatever its name. */
        private void triggers(COSBase value, COSBase holder) {
            Node aa = node(value, holder);
            if (aa == null || !containers.add(aa.dict)) {
                return;
            }
            for (Map.Entry<COSName, COSBase> e : aa.dict.entrySet()) {
                action(e.getValue(), aa.holder);
            }
        }

        /** Queues an action found outside a {@code /Next} chain (an array there is a destination, not an action). */
        private void action(COSBase value, COSBase holder) {
            Node n = node(value, holder);
            if (n != null) {
                actions.addLast(new Pending(n, 0));
            }
        }

        private void read(Pending pending) throws DocumentException {
            COSDictionary action = pending.action.dict;
            COSBase holder = pending.action.holder;
            if (!actionsSeen.add(action)) {
                return;
            }
            if (pending.depth > MAX_NEXT_DEPTH) {
                throw new DocumentException(Reason.TOO_LARGE, "an action chain deeper than " + MAX_NEXT_DEPTH);
            }
            visit();
            COSName type = action.getCOSName(COSName.S);
            if (COSName.URI.equals(type)) {
                uri(action, holder);
            } else if (SUBMIT_FORM.equals(type)) {
                fileSpecification(action, COSName.F, holder, LinkTokens.Kind.FORM);
            } else if (LAUNCH.equals(type) || GOTO_R.equals(type) || GOTO_E.equals(type)) {
                fileSpecification(action, COSName.F, holder, LinkTokens.Kind.LINK);
                if (LAUNCH.equals(type)) {
                    Node win = node(action.getItem(WIN), holder);
                    if (win != null && containers.add(win.dict)) {
                        fileSpecification(win.dict, COSName.F, win.holder, LinkTokens.Kind.LINK);
                    }
                }
            }
            COSBase next = action.getItem(COSName.NEXT);
            COSBase resolved = next instanceof COSObject o ? o.getObject() : next;
            if (resolved instanceof COSArray array) {
                COSBase arrayHolder = next instanceof COSObject ? array : holder;
                if (containers.add(array)) {
                    for (int i = 0; i < array.size(); i++) {
                        Node n = node(array.get(i), arrayHolder);
                        if (n != null) {
                            actions.addLast(new Pending(n, pending.depth + 1));
                        }
                    }
                }
            } else {
                Node n = node(next, holder);
                if (n != null) {
                    actions.addLast(new Pending(n, pending.depth + 1));
                }
            }
        }

        private void uri(COSDictionary action, COSBase holder) {
            COSBase value = action.getDictionaryObject(COSName.URI);
            String written;
            if (value instanceof COSString s) {
                written = text(s);
            } else if (value instanceof COSName n) {
                written = "/" + n.getName();
            } else {
                return;
            }
            sites.add(new Site(action, COSName.URI, holder, LinkTokens.Kind.LINK, written, absolute(written)));
        }

        /**
         * What a viewer opens for a URI as written: a bare {@code www.} name (two dots at least) as {@code http://}, as
         * pdf.js does; a relative URI resolved against the {@code /Base}; anything else as written.
         */
        private String absolute(String written) {
            String cleaned = Urls.clean(written);
            if (cleaned.regionMatches(true, 0, "www.", 0, 4) && cleaned.chars().filter(c -> c == '.').count() >= 2) {
                return "http://" + cleaned;
            }
            if (base != null && !hasScheme(cleaned)) {
                return resolve(base, cleaned);
            }
            return written;
        }

        /**
         * The file specification in {@code owner}'s {@code key}: a string, or the {@code /F} and {@code /UF} of a file
         * specification dictionary (a URL one, {@code /FS /URL}, or a file name that may well be a URL to the
         * viewer: the replacer passes over what is not http(s)).
         */
        private void fileSpecification(COSDictionary owner, COSName key, COSBase holder, LinkTokens.Kind kind) {
            COSBase value = owner.getItem(key);
            COSBase resolved = value instanceof COSObject o ? o.getObject() : value;
            if (resolved instanceof COSString s) {
                String written = text(s);
                sites.add(new Site(owner, key, holder, kind, written, written));
                return;
            }
            Node spec = node(value, holder);
            if (spec == null || !containers.add(spec.dict)) {
                return;
            }
            for (COSName name : FILE_NAMES) {
                if (spec.dict.getDictionaryObject(name) instanceof COSString s) {
                    String written = text(s);
                    sites.add(new Site(spec.dict, name, spec.holder, kind, written, written));
                }
            }
        }

        /** The dictionary {@code value} is or refers to, with its holder; null for anything else. */
        private static Node node(COSBase value, COSBase parentHolder) {
            if (value instanceof COSObject o) {
                return o.getObject() instanceof COSDictionary d ? new Node(d, d) : null;
            }
            return value instanceof COSDictionary d ? new Node(d, parentHolder) : null;
        }

        private static COSArray array(COSBase value) {
            COSBase resolved = value instanceof COSObject o ? o.getObject() : value;
            return resolved instanceof COSArray a ? a : null;
        }
    }
}
