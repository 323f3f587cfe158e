package org.streamail.linkguard.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.streamail.linkguard.internal.DocumentLinks.DocumentException;
import org.streamail.linkguard.internal.DocumentLinks.DocumentException.Reason;

/**
 * A PDF's raw bytes checked, before PDFBox opens the file, against what PDFBox 3.0.5 would allocate for its
 * cross-reference data and object streams: a file over one of the bounds below is {@link Reason#TOO_LARGE} and PDFBox
 * never sees it.
 *
 * <h2>Why</h2>
 * {@link PdfLinks} opens every PDF attachment of every delivered message, so any sender on the Internet chooses what
 * PDFBox's loader reads on the gateway's delivery path. The loader allocates per cross-reference entry without a
 * bound, and the entries are as many as a compressed stream declares or decodes to: a 10 KB file whose
 * cross-reference stream inflates to 1,000,000 seven-byte entries exhausted a 128 MiB heap, one of 100 KB with
 * 10,000,000 entries a 1 GiB heap after 21 s, and a {@code /W [1 2000000000 1]} makes PDFBox allocate a 2 GB buffer
 * for a single entry. One such mail would take the gateway down. So the file is read here first, by hand
 * and never by PDFBox's parser (which is what needs protecting): one pass over the bytes, plus bounded work for the
 * streams that matter, every count checked against its bound while it is counted. A refused file is left as
 * written with a WARN, its links live: a false refusal costs one PDF's click-time protection, an exhausted heap
 * costs every message in flight.
 *
 * <h2>What is read</h2>
 * <ul>
 *   <li><b>Streams.</b> Every occurrence of the bytes {@code stream}, wherever it stands (PDFBox takes the keyword
 *       after a dictionary whatever precedes or follows it, and an object may be read from any offset a
 *       cross-reference entry or its brute-force search names, inside another stream's data too). Its dictionary is
 *       read forward from the nearest preceding object header ({@code N G obj}), at most
 *       {@value #MAX_DICTIONARY_BYTES} bytes, {@value #MAX_NESTING} levels deep, and must end, after white space and
 *       comments, exactly at that keyword. It is read the way PDFBox 3.0.5 reads it where that decides where a
 *       dictionary ends or what a key holds: name escapes decoded ({@code /X#52ef} is {@code /XRef}), strings with
 *       their escapes and hex strings decoded, a {@code )} followed by a line end and {@code /} or {@code >} ending a
 *       string whatever its nesting, and a key position holding something else skipped up to the next {@code /} or
 *       {@code >}, or up to {@code endstream} or {@code endobj}, which ends the dictionary.</li>
 *   <li><b>Which streams count.</b> A <em>cross-reference stream</em> is one whose dictionary has a {@code /W} entry
 *       or spells {@code XRef} (PDFBox compares the {@code /Type} as a name or as a string); an <em>object
 *       stream</em> one that has a {@code /First} entry or spells {@code ObjStm} (PDFBox reads any stream a
 *       cross-reference entry points to as an object stream, whatever its type, needing only {@code /N} and
 *       {@code /First}). "Spells" is checked on the decoded names and strings and on the raw bytes with name
 *       escapes decoded, so that a dictionary read otherwise than PDFBox reads it still counts. Other streams
 *       (pages, images, fonts) are only counted ({@link #MAX_STREAMS}): PDFBox decodes none of them while
 *       opening, and {@link PdfLinks} never asks it to.</li>
 *   <li><b>Decoding.</b> The filter chain of a cross-reference or object stream ({@code /Filter}, a name or an array
 *       of names, at most {@value #MAX_FILTERS}) is decoded as PDFBox decodes it, counting the output and discarding
 *       it through small buffers: {@code FlateDecode} with {@link Inflater} (as PDFBox does: the two bytes of the
 *       zlib header skipped unchecked, raw deflate, ending at the end of the deflate data or at the first error),
 *       {@code ASCIIHexDecode} and {@code ASCII85Decode} (whose {@code z} turns one byte into four, so it is decoded
 *       rather than estimated). Any other filter on such a stream ({@code LZWDecode}, {@code RunLengthDecode},
 *       {@code Crypt}, unknown names) is refused: the scan does not decode it, and PDFBox would. Predictors
 *       ({@code /DecodeParms}) are not applied: a PNG predictor removes one byte a row, a TIFF one none, so the
 *       inflated count is an upper bound. The input runs from the stream's data to the end of the file (a decoder
 *       stops at its own end; PDFBox reads a prefix of that, by {@code /Length} or up to {@code endstream}, and a
 *       prefix never decodes to more).</li>
 *   <li><b>Cross-reference tables.</b> After every occurrence of {@code xref}, the subsections ({@code start count},
 *       then that many entries) as far as they go; the declared counts are summed.</li>
 *   <li><b>Object headers.</b> Every {@code obj} after a number: when the cross-reference data is damaged, PDFBox
 *       searches the whole file for them and keeps an entry for each ({@link #MAX_OBJECT_HEADERS}).</li>
 * </ul>
 *
 * <h2>What is counted</h2>
 * Cross-reference entries ({@link #MAX_XREF_ENTRIES}): each table subsection's declared count, plus, for each
 * cross-reference stream, the larger of its declared count (the {@code /Index} counts, or {@code /Size} without
 * {@code /Index}) and its decoded length divided by the sum of its {@code /W} widths. Neither is trusted alone: a
 * declared {@code /Size 3} over 10 MB of decoded entries is refused by the decoded count, and a declared count beyond
 * the bound is refused at once, before anything is decoded (with zero-width entries PDFBox makes an entry per
 * declared number without reading any data). A width over {@value #MAX_FIELD_BYTES} bytes is refused; widths or a
 * count that cannot be read (an indirect reference) count as the most they could mean, and where even that is
 * unbounded the stream is refused. Object streams: their decoded bytes, each ({@link #MAX_OBJECT_STREAM_BYTES}) and
 * all together ({@link #MAX_ALL_OBJECT_STREAM_BYTES}), and their {@code /N} summed
 * ({@link #MAX_OBJECT_STREAM_OBJECTS}; an {@code /N} that cannot be read counts as the most pairs the decoded bytes
 * can hold, one per four bytes). Everything the scan decodes and every dictionary and table it reads beyond its one
 * pass over the file counts towards {@link #MAX_WORK_BYTES}, so the scan itself ends in bounded time whatever the
 * file holds.
 *
 * <h2>Encrypted files</h2>
 * Cross-reference streams are never encrypted. Object streams are, in an encrypted file, and what they inflate to
 * cannot be counted from their stored bytes: the stored data of an AES stream starts with an initialisation vector
 * the file's maker chooses, so it can be made valid deflate data of any small size while what it decrypts to is a
 * bomb (a 100 KB file encrypted with the empty user password, whose object stream inflates to 100 MB, exhausted a
 * 256 MiB heap in {@link PdfLinks}). So during the pass every object stream is counted from its stored bytes (the
 * larger of what they inflate to and their raw length, and {@code /N}); then, when the file may be encrypted (the
 * word {@code Encrypt} written anywhere, or an {@code /Encrypt} key, name escapes decoded, in a trailer or
 * cross-reference stream dictionary, or a trailer the scan cannot read) and holds an object stream, the scan opens
 * the encryption as PDFBox does when {@link PdfLinks} opens the file with the empty password, and counts every
 * object stream again from what it <em>decrypts</em> to, in place of its stored bytes, with the same bounds and work
 * budget:
 * <ul>
 *   <li>The encryption dictionary is the {@code /Encrypt} of each trailer and cross-reference stream dictionary,
 *       direct or the object a reference {@code N G R} names (every header of that number the pass saw), with the
 *       first {@code /ID} string of the same dictionary. All of them must give the same key.</li>
 *   <li>The standard security handler only: {@code /V 1} and {@code 2} (RC4), {@code /V 4} with {@code /StmF
 *       /StdCF} whose {@code /CFM} is {@code /V2} (RC4) or {@code /AESV2} (AES-128), {@code /V 5} with
 *       {@code /AESV3} (AES-256, revisions 5 and 6). The empty password is tried as PDFBox 3.0.5 tries it: as the
 *       owner password first (the user password recovered from {@code /O} and verified; {@code /O} with
 *       {@code /OE} in revisions 5 and 6), then as the user password (Algorithms 2, 4 and 5 of ISO 32000-1 —
 *       {@code /U} compared whole in revision 2, its first 16 bytes after — and Algorithm 2.B of ISO 32000-2).</li>
 *   <li>A stream's key is the file key with its object number and generation (those of its own header; PDFBox
 *       refuses an object whose header is not the one its cross-reference entry names), MD5, and {@code sAlT} for
 *       AES; AES-256 uses the file key. AES takes the first 16 stored bytes as the IV and decrypts whole blocks,
 *       its padding left in; the data decrypted runs, as for any stream, to the end of the file (decryption is
 *       streaming, so what PDFBox decrypts is a prefix of it).</li>
 *   <li>Every deflate stage of a decrypted object stream must reach the end of its deflate data: what does not is
 *       not what PDFBox would decrypt (or data it would fail on), and is refused rather than counted.</li>
 * </ul>
 * Anything else is refused as {@link Reason#ENCRYPTED} with what the scan could not do, the file left as written (its
 * links live): another security handler, another {@code /V}, {@code /R} or crypt filter method, a {@code /StmF}
 * other than {@code /StdCF} ({@code /Identity} included), an empty password that does not open the file (PDFBox
 * refuses it too), no {@code /ID}, an {@code /Encrypt} the scan cannot find or read, encryption dictionaries giving
 * different keys, an object stream whose header numbers cannot be read. A {@code Crypt} filter on the stream itself
 * is refused as an unknown filter.
 *
 * <h2>Dictionaries the scan cannot read</h2>
 * A {@code stream} whose dictionary cannot be read (unbalanced, deeper or longer than the bounds, syntax the scan does
 * not accept) may still be one PDFBox reads: its parser is lenient, and a dictionary may be any length. Such a keyword
 * is refused when both hold: a dictionary could end right before it ({@code >>}, {@code endstream} or
 * {@code endobj} — PDFBox's recovery ends a dictionary there — or a comment, before only white space), and the
 * file's bytes before it could name a cross-reference or object stream: {@code XRef}, {@code ObjStm} or {@code First}
 * written out, or a name escape ({@code #} and two hex digits), a string escape ({@code \}) or a hex string, which
 * could spell them. Its dictionary, wherever it starts, lies within those bytes. Otherwise it is not a stream to
 * PDFBox, or an ordinary one, and is passed over. In practice the second condition holds in nearly every file with
 * compressed data; a file from an ordinary producer has no such keyword. The rule leans towards refusing on purpose:
 * a false refusal leaves one PDF's links live (with a WARN), a missed bomb takes the gateway's heap.
 *
 * <p>Stateless; {@link #check} is thread-safe. It throws nothing but {@link DocumentException}.
 */
final class PdfPrescan {

    /*
     * The figures below: PDFBox 3.0.5 opening a file as PdfLinks opens it (main memory only), measured by
     * PdfLoadCost on the development machine (Java 17, 2 cores): the heap still held with the document open after a
     * full collection, and the time to open it and walk its pages. The target is a PDF costing at most about 50 MB of
     * heap and about a second, whatever it holds.
     */

    /**
     * Cross-reference entries in all (table subsections and cross-reference streams). 200,000 valid entries held
     * 34 to 36 MB and took 0.3 s through a cross-reference stream, 0.8 to 1.6 s through a classic table (an 11 MB
     * file); 1,000,000 held 157 MB. Entries naming one repeated object, which PDFBox drops once it finds them wrong,
     * cost more on the way: 1,000,000 of them (a 10 KB file) exhausted a 128 MiB heap.
     */
    static final long MAX_XREF_ENTRIES = 200_000;
    /**
     * Object headers ({@code N G obj}) in the file: when the cross-reference data is damaged or missing, PDFBox's
     * brute-force search keeps an entry for each. 100,000 held 44 MB and took 0.6 s; 200,000 held 83 to 88 MB,
     * 1,000,000 held 389 MB.
     */
    static final long MAX_OBJECT_HEADERS = 100_000;
    /**
     * Objects declared by object streams ({@code /N}), summed. PDFBox parses an object stream whole once one of its
     * objects is needed: 100,000 small dictionaries ({@code << /K 1 >>}), every one parsed, held 55 MB; 200,000
     * held 110 MB and took 11 s.
     */
    static final long MAX_OBJECT_STREAM_OBJECTS = 100_000;
    /**
     * Decoded bytes of one object stream (parsed whole at its first object used). Producers write 100 to 200 objects
     * a stream: a PDFBox file of 4,990 links has 50 object streams, 0.9 MB decoded in all.
     */
    static final long MAX_OBJECT_STREAM_BYTES = 4L * 1024 * 1024;
    /**
     * Decoded bytes of all object streams. Link annotations with their actions hold about 9.3 MB of heap per decoded
     * MB once parsed (25,000 of them, 3.8 MB decoded: 35.5 MB and 0.5 s; 100,000: 145 MB and 2 to 3 s; 200,000:
     * 291 MB and 15 s): 5 MiB is about 50 MB.
     */
    static final long MAX_ALL_OBJECT_STREAM_BYTES = 5L * 1024 * 1024;
    /**
     * Streams whose dictionary the scan reads. Every stream is an object of its own, and PDFBox's cost for one it
     * parses is about that of a small dictionary: 50,000 small streams, every one parsed, held 27 MB; 100,000 held
     * 57 MB, 200,000 115 MB. A document's pages, images and fonts come to a few thousand.
     */
    static final int MAX_STREAMS = 50_000;
    /**
     * Bytes the scan decodes (the output of every stage of every filter chain), feeds to decoders, and reads as
     * dictionaries, tables and {@code endstream} searches beyond its one pass over the file: inflating 64 MiB takes
     * about 0.2 s. A file within the other bounds needs a small part of it (at most 5 MiB of object streams and
     * 4.8 MB of cross-reference stream entries decoded); only overlapping streams built for it reach it.
     */
    static final long MAX_WORK_BYTES = 64L * 1024 * 1024;
    /**
     * Bytes that can each start an object PDFBox allocates when it parses the value around them — {@code (} (a
     * string), {@code <} (a hex string, or half of a dictionary's {@code <<}), {@code [} (an array) and {@code R} (a
     * reference) — in the file and in its decoded object streams together. PDFBox parses every object it reads whole,
     * whatever its size, before any bound of {@link PdfLinks} applies: one page whose {@code /Annots} holds 1,000,000
     * empty dictionaries (4 MB) exhausted a 128 MiB heap, about 130 bytes an object, and a string costs as much. At
     * this bound that is at most about 55 MB. Compressed data counts too (it cannot be told from an object an offset
     * points into): random bytes hold about 4 such bytes in 256, 160,000 in 10 MiB, well within it; a file of
     * uncompressed page text over it is left as written.
     */
    static final long MAX_OBJECT_STARTS = 400_000;
    /**
     * Bytes from an object header to the end of its stream dictionary. A stream dictionary is a few hundred bytes; a
     * cross-reference stream's, with a long {@code /Index} after many incremental updates, a few KB. A longer one is
     * read as a dictionary the scan cannot read (below).
     */
    static final int MAX_DICTIONARY_BYTES = 64 * 1024;
    /** Nesting of dictionaries and arrays inside a stream dictionary (a real one nests two or three levels). */
    static final int MAX_NESTING = 32;
    /**
     * Bytes of one field of a cross-reference stream entry ({@code /W}): PDFBox reads a field into a {@code long}, so
     * more than 8 bytes mean nothing, and it allocates a buffer of the widths' sum for one entry: a 271-byte file
     * with {@code /W [1 2000000000 1]} made it allocate 2 GB (an {@link OutOfMemoryError} in a 1 GiB heap).
     */
    static final int MAX_FIELD_BYTES = 8;
    /** Filters on one cross-reference or object stream (producers write one, two with an ASCII encoding). */
    static final int MAX_FILTERS = 4;

    private static final byte[] STREAM = ascii("stream");
    private static final byte[] ENDSTREAM = ascii("endstream");
    private static final byte[] ENDOBJ = ascii("endobj");
    private static final byte[] OBJ = ascii("obj");
    private static final byte[] XREF = ascii("xref");
    private static final byte[] TRAILER = ascii("trailer");
    private static final byte[] XREF_TYPE = ascii("XRef");
    private static final byte[] OBJSTM_TYPE = ascii("ObjStm");
    private static final byte[] FIRST = ascii("First");
    private static final byte[] FIRST_KEY = ascii("/First");
    private static final byte[] HASH = ascii("#");
    private static final int CR = '\r';
    private static final int LF = '\n';

    private PdfPrescan() {
    }

    /**
     * Checks {@code pdf} (a whole file, at most {@link LinkRewriter#MAX_ATTACHMENT_BYTES}) against the bounds.
     *
     * @throws DocumentException {@link Reason#TOO_LARGE} naming the bound and the numbers, never the file's content
     */
    static void check(byte[] pdf) throws DocumentException {
        Scan scan = new Scan(pdf);
        scan.run();
        if (scan.objectStreamsSeen > 0 && (scan.encryptedTrailer || mentionsEncrypt(pdf))) {
            scan.recountDecrypted(scan.encryption());
        }
    }

    /** An encrypted file whose object streams the scan cannot decrypt: what they inflate to is not bounded. */
    private static DocumentException notDecrypted(int objectStreams, String why) {
        return new DocumentException(Reason.ENCRYPTED, String.format(Locale.ROOT, "an encrypted file with %,d object "
                + "stream(s) that the scan cannot decrypt (%s): what they inflate to once decrypted cannot be bounded "
                + "before PDFBox opens the file", objectStreams, why));
    }

    private static final byte[] ENCRYPT = ascii("Encrypt");

    /**
     * Whether the word {@code Encrypt} is written out anywhere in the file. With {@link Scan#encryptedTrailer} (a
     * trailer or cross-reference stream dictionary with an {@code /Encrypt} key, name escapes such as
     * {@code /Encr#79pt} decoded, or one the scan cannot read) it tells whether PDFBox could find the file encrypted.
     */
    static boolean mentionsEncrypt(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 'E' && at(b, i, ENCRYPT)) {
                return true;
            }
        }
        return false;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static DocumentException tooLarge(String format, Object... args) {
        return new DocumentException(Reason.TOO_LARGE, String.format(Locale.ROOT, format, args));
    }

    /** PDF white space (PDFBox's: NUL, tab, line feed, form feed, carriage return, space). */
    private static boolean isWhite(int c) {
        return c == 0 || c == 9 || c == LF || c == 12 || c == CR || c == ' ';
    }

    /** What ends a name or a keyword for PDFBox: white space and the delimiters but for braces. */
    private static boolean endsToken(int c) {
        return isWhite(c) || c == '%' || c == '(' || c == ')' || c == '/' || c == '<' || c == '>' || c == '['
                || c == ']';
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private static int hexValue(int c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static boolean at(byte[] b, int i, byte[] word) {
        if (i < 0 || i + word.length > b.length) {
            return false;
        }
        for (int k = 0; k < word.length; k++) {
            if (b[i + k] != word[k]) {
                return false;
            }
        }
        return true;
    }

    private static boolean contains(byte[] b, int from, int to, byte[] word) {
        for (int i = from; i + word.length <= to; i++) {
            if (b[i] == word[0] && at(b, i, word)) {
                return true;
            }
        }
        return false;
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    private static String mib(long bytes) {
        return bytes % (1024 * 1024) == 0 ? bytes / (1024 * 1024) + " MiB" : String.format(Locale.ROOT, "%,d bytes",
                bytes);
    }

    /** Work beyond the one pass over the file, charged as it is done. */
    private static final class Budget {
        private long used;

        void charge(long bytes) throws DocumentException {
            used = saturatedAdd(used, bytes);
            if (used > MAX_WORK_BYTES) {
                throw tooLarge("more than %s decoded and read while checking the file's cross-reference data",
                        mib(MAX_WORK_BYTES));
            }
        }
    }

    /** One check of one file: a single forward pass, with bounded excursions for dictionaries, tables and streams. */
    private static final class Scan {
        private final byte[] b;
        private final Budget budget = new Budget();
        private long xrefEntries;
        private long objectHeaders;
        private long objectStreamObjects;
        private long objectStreamBytes;
        /** Object streams found (their data PDFBox inflates, after decrypting it in an encrypted file). */
        int objectStreamsSeen;
        /** Bytes that can start an object, in the file and the decoded object streams ({@link #MAX_OBJECT_STARTS}). */
        private long objectStarts;
        /** Whether {@link #decoded} counts the object starts of what it decodes (an object stream's objects). */
        private boolean countStarts;

        private void objectStarts(long n) throws DocumentException {
            objectStarts += n;
            if (objectStarts > MAX_OBJECT_STARTS) {
                throw tooLarge("more than %,d bytes that start an object (strings, arrays, dictionaries, references), "
                        + "in the file and its object streams", MAX_OBJECT_STARTS);
            }
        }
        /**
         * Whether a trailer or cross-reference stream dictionary has an {@code /Encrypt} key (its name escapes
         * decoded), or a trailer's dictionary could not be read: where PDFBox looks for the file's encryption.
         */
        boolean encryptedTrailer;
        private int streams;
        /** Just after the {@code obj} of the latest object header, or -1. */
        private int headerEnd = -1;
        /** The object number and generation of the latest object header, -1 when they cannot be read. */
        private long headerNumber = -1;
        private long headerGeneration = -1;
        /** Where the headers of each object number end (bounded by {@link #MAX_OBJECT_HEADERS}). */
        private final Map<Long, List<Integer>> headers = new HashMap<>();
        /** Trailer and cross-reference stream dictionaries with an {@code /Encrypt} key, in file order. */
        private final List<Map<String, Value>> encryptTrailers = new ArrayList<>();
        /** Whether a trailer's dictionary could not be read. */
        private boolean unreadableTrailer;
        /** The object streams counted, with what was counted for them from their stored bytes. */
        private final List<ObjectStream> objectStreams = new ArrayList<>();
        /** The latest byte that is not white space, the latest line end before it, and the latest line end. */
        private int lastNonWhite = -1;
        private int eolBeforeLastNonWhite = -1;
        private int lastEol = -1;
        private int lastPercent = -1;
        /** Where the file first holds bytes that could name a cross-reference or object stream. */
        private int firstSpelling = Integer.MAX_VALUE;
        /** The dictionary read after {@link #dictionaryFrom} (null when there is none to read there). */
        private int dictionaryFrom = -1;
        private StreamDictionary dictionary;

        Scan(byte[] b) {
            this.b = b;
        }

        void run() throws DocumentException {
            for (int i = 0; i < b.length; i++) {
                int c = b[i] & 0xff;
                if (isWhite(c)) {
                    if (c == CR || c == LF) {
                        lastEol = i;
                    }
                    continue;
                }
                if (firstSpelling == Integer.MAX_VALUE && couldSpell(i)) {
                    firstSpelling = i;
                }
                if (c == '(' || c == '<' || c == '[' || c == 'R') {
                    objectStarts(1);
                }
                if (c == 'o' && at(b, i, OBJ)) {
                    header(i);
                } else if (c == 's' && at(b, i, STREAM)) {
                    stream(i);
                } else if (c == 'x' && at(b, i, XREF)) {
                    table(i + XREF.length);
                } else if (c == 't' && at(b, i, TRAILER)) {
                    StreamDictionary t = Reader.streamDictionary(b, i + TRAILER.length, budget);
                    encryptedTrailer |= t == null || t.entries.containsKey("Encrypt");
                    if (t == null) {
                        unreadableTrailer = true;
                    } else if (t.entries.containsKey("Encrypt")) {
                        encryptTrailers.add(t.entries);
                    }
                } else if (c == '%') {
                    lastPercent = i;
                }
                eolBeforeLastNonWhite = lastEol;
                lastNonWhite = i;
            }
        }

        /**
         * Whether the bytes at {@code i} could name a cross-reference or object stream in a dictionary the scan
         * cannot read: the names written out, or an escape that could spell them (a name's {@code #} and two hex
         * digits, a string's backslash, a hex string).
         */
        private boolean couldSpell(int i) {
            int c = b[i] & 0xff;
            return switch (c) {
                case 'X' -> at(b, i, XREF_TYPE);
                case 'O' -> at(b, i, OBJSTM_TYPE);
                case 'F' -> at(b, i, FIRST);
                case '#' -> i + 2 < b.length && hexValue(b[i + 1]) >= 0 && hexValue(b[i + 2]) >= 0;
                case '\\' -> true;
                case '<' -> i + 1 < b.length && (i == 0 || b[i - 1] != '<')
                        && (hexValue(b[i + 1]) >= 0 || isWhite(b[i + 1] & 0xff)); // a hex string, not "<<"
                default -> false;
            };
        }

        /** {@code obj} at {@code i}: an object header when a number precedes it (white space between allowed). */
        private void header(int i) throws DocumentException {
            if (i == 0) {
                return;
            }
            int before = b[i - 1] & 0xff;
            boolean afterNumber = isDigit(before) || isWhite(before) && lastNonWhite >= 0 && isDigit(b[lastNonWhite]);
            if (!afterNumber) {
                return;
            }
            if (++objectHeaders > MAX_OBJECT_HEADERS) {
                throw tooLarge("more than %,d object headers (PDFBox's search of a damaged file keeps one entry each)",
                        MAX_OBJECT_HEADERS);
            }
            headerEnd = i + OBJ.length;
            headerNumber = -1;
            headerGeneration = -1;
            // N G obj: the numbers read backwards, at most 10 and 5 digits
            int p = i - 1;
            int q = Math.max(0, i - 64);
            while (p >= q && isWhite(b[p] & 0xff)) {
                p--;
            }
            int genEnd = p + 1;
            while (p >= q && isDigit(b[p])) {
                p--;
            }
            int genStart = p + 1;
            boolean separated = p >= q && isWhite(b[p] & 0xff);
            while (p >= q && isWhite(b[p] & 0xff)) {
                p--;
            }
            int numberEnd = p + 1;
            while (p >= q && isDigit(b[p])) {
                p--;
            }
            int numberStart = p + 1;
            budget.charge(i - p);
            if (separated && genEnd > genStart && genEnd - genStart <= 5 && numberEnd > numberStart
                    && numberEnd - numberStart <= 10 && (p < 0 || !isDigit(b[p]))) {
                headerNumber = digits(numberStart, numberEnd);
                headerGeneration = digits(genStart, genEnd);
                headers.computeIfAbsent(headerNumber, k -> new ArrayList<>(1)).add(headerEnd);
            }
        }

        /** {@code stream} at {@code s}. */
        private void stream(int s) throws DocumentException {
            StreamDictionary d = dictionaryBefore(s);
            if (d == null) {
                if (mayEndDictionary() && firstSpelling < s) {
                    throw tooLarge("a stream whose dictionary the scan cannot read, after bytes that could name a "
                            + "cross-reference or object stream");
                }
                return;
            }
            if (++streams > MAX_STREAMS) {
                throw tooLarge("more than %,d streams", MAX_STREAMS);
            }
            boolean xrefStream = d.entries.containsKey("W") || d.spellsXref;
            boolean objectStream = d.entries.containsKey("First") || d.spellsObjectStream;
            if (xrefStream || objectStream) {
                counted(d, dataStart(s + STREAM.length), xrefStream, objectStream);
            }
        }

        /**
         * The dictionary ending right before {@code s}, read from the latest object header; null when there is none.
         * Read once per header (every later keyword before the next header is beyond it), so that the reads cover
         * each byte at most once for every header and are charged to the budget.
         */
        private StreamDictionary dictionaryBefore(int s) throws DocumentException {
            if (headerEnd < 0) {
                return null;
            }
            if (dictionaryFrom != headerEnd) {
                dictionaryFrom = headerEnd;
                dictionary = Reader.streamDictionary(b, headerEnd, budget);
            }
            return dictionary != null && dictionary.next == s ? dictionary : null;
        }

        /**
         * Whether a dictionary could end right before the current keyword, only white space between: {@code >>},
         * {@code endstream} or {@code endobj} (where PDFBox's recovery ends a dictionary), or a comment (a {@code %}
         * on the line of the last byte before it, that line ended).
         */
        private boolean mayEndDictionary() {
            if (lastNonWhite < 0) {
                return false;
            }
            if (lastNonWhite >= 1 && b[lastNonWhite] == '>' && b[lastNonWhite - 1] == '>') {
                return true;
            }
            if (at(b, lastNonWhite + 1 - ENDSTREAM.length, ENDSTREAM) || at(b, lastNonWhite + 1 - ENDOBJ.length,
                    ENDOBJ)) {
                return true;
            }
            return lastEol > lastNonWhite && lastPercent > eolBeforeLastNonWhite;
        }

        /** Where PDFBox starts a stream's data: after {@code stream}, spaces, then CR LF, LF or CR. */
        private int dataStart(int p) {
            while (p < b.length && b[p] == ' ') {
                p++;
            }
            if (p < b.length && b[p] == CR) {
                p++;
                if (p < b.length && b[p] == LF) {
                    p++;
                }
            } else if (p < b.length && b[p] == LF) {
                p++;
            }
            return p;
        }

        /** A cross-reference or object stream (or both) whose data starts at {@code data}. */
        private void counted(StreamDictionary d, int data, boolean xrefStream, boolean objectStream)
                throws DocumentException {
            List<Filter> filters = filters(d.entries.get("Filter"), xrefStream ? "a cross-reference stream"
                    : "an object stream");
            // what is declared is checked before anything is decoded; decoding stops once past every bound
            long limit = 0;
            XrefStream xref = null;
            if (xrefStream) {
                encryptedTrailer |= d.entries.containsKey("Encrypt");
                if (d.entries.containsKey("Encrypt")) {
                    encryptTrailers.add(d.entries);
                }
                xref = xrefStream(d);
                limit = (MAX_XREF_ENTRIES - xrefEntries + 1) * xref.bytesPerEntry();
            }
            Long declaredObjects = null;
            if (objectStream) {
                declaredObjects = d.number("N");
                if (declaredObjects != null && declaredObjects > MAX_OBJECT_STREAM_OBJECTS - objectStreamObjects) {
                    throw tooLarge("an object stream of /N %,d (at most %,d objects in object streams)",
                            declaredObjects, MAX_OBJECT_STREAM_OBJECTS);
                }
                limit = Math.max(limit, Math.min(MAX_OBJECT_STREAM_BYTES,
                        MAX_ALL_OBJECT_STREAM_BYTES - objectStreamBytes));
            }
            long raw = filters.isEmpty() || objectStream ? rawLength(d, data) : 0;
            countStarts = objectStream;
            long startsBefore = objectStarts;
            long decoded = filters.isEmpty() ? raw : decoded(filters, new Slice(b, data, b.length, budget), limit);
            countStarts = false;
            if (xref != null) {
                entries(xref.entries(decoded), xref.describe(decoded));
            }
            if (objectStream) {
                objectStreamsSeen++;
                long objectsBefore = objectStreamObjects;
                long bytes = Math.max(decoded, raw);
                objectStreamCounted(declaredObjects, bytes);
                objectStreams.add(new ObjectStream(headerNumber, headerGeneration, data, filters, declaredObjects, raw,
                        bytes, objectStreamObjects - objectsBefore, objectStarts - startsBefore));
            }
        }

        /** An object stream counted from its stored bytes: where it is, and what was counted for it. */
        private record ObjectStream(long number, long generation, int data, List<Filter> filters, Long declared,
                long raw, long bytes, long objects, long starts) {
        }

        /**
         * The object streams counted again from what they decrypt to, in place of their stored bytes: their decoded
         * bytes, {@code /N} and object starts, within the same bounds and work budget.
         */
        void recountDecrypted(Encryption encryption) throws DocumentException {
            for (ObjectStream o : objectStreams) {
                objectStreamBytes -= o.bytes;
                objectStreamObjects -= o.objects;
                objectStarts -= o.starts;
            }
            for (ObjectStream o : objectStreams) {
                if (o.number < 0 || o.generation < 0) {
                    throw notDecrypted(objectStreamsSeen, "an object stream whose object number cannot be read");
                }
                long limit = Math.min(MAX_OBJECT_STREAM_BYTES, MAX_ALL_OBJECT_STREAM_BYTES - objectStreamBytes);
                int end = o.filters.isEmpty() ? (int) Math.min(b.length, o.data + o.raw) : b.length;
                Source source = encryption.decrypting(new Slice(b, o.data, end, budget), o.number, o.generation,
                        objectStreamsSeen);
                countStarts = true;
                long decoded = decoded(o.filters, source, limit);
                countStarts = false;
                objectStreamCounted(o.declared, Math.max(decoded, o.raw)); // past the bounds: too large
                if (!inflatersFinished) {
                    // a key PDFBox would not use, or data PDFBox would not read either
                    throw notDecrypted(objectStreamsSeen, "an object stream that does not inflate once decrypted");
                }
            }
        }

        /**
         * The file's encryption as PDFBox finds it: the {@code /Encrypt} of the trailers and cross-reference stream
         * dictionaries, direct or the object a reference names, with the first {@code /ID} string of the same
         * dictionary. Every one found must give the same key; anything not understood is refused.
         */
        Encryption encryption() throws DocumentException {
            int n = objectStreamsSeen;
            if (unreadableTrailer) {
                throw notDecrypted(n, "a trailer the scan cannot read");
            }
            if (encryptTrailers.isEmpty()) {
                throw notDecrypted(n, "no /Encrypt entry the scan can read");
            }
            Encryption found = null;
            for (Map<String, Value> trailer : encryptTrailers) {
                if (!(trailer.get("ID") instanceof ArrayValue id) || id.items.isEmpty()
                        || !(id.items.get(0) instanceof TextValue first)) {
                    throw notDecrypted(n, "no /ID the scan can read");
                }
                byte[] idBytes = first.text.getBytes(StandardCharsets.ISO_8859_1);
                List<Map<String, Value>> dictionaries = new ArrayList<>();
                Value e = trailer.get("Encrypt");
                if (e instanceof DictionaryValue d) {
                    dictionaries.add(d.entries);
                } else if (e instanceof ReferenceValue r) {
                    for (int at : headers.getOrDefault(r.number, List.of())) {
                        StreamDictionary d = Reader.streamDictionary(b, at, budget);
                        if (d == null) {
                            throw notDecrypted(n, "an encryption dictionary the scan cannot read");
                        }
                        dictionaries.add(d.entries);
                    }
                    if (dictionaries.isEmpty()) {
                        throw notDecrypted(n, "an encryption dictionary the scan does not find");
                    }
                } else {
                    throw notDecrypted(n, "an /Encrypt entry the scan cannot read");
                }
                for (Map<String, Value> d : dictionaries) {
                    Encryption one = Encryption.of(d, idBytes, n);
                    if (found != null && !found.sameAs(one)) {
                        throw notDecrypted(n, "encryption dictionaries giving different keys");
                    }
                    found = one;
                }
            }
            return found;
        }

        /**
         * A cross-reference stream's declared entry count and the width of its entries ({@code known} false: the
         * widths cannot be read, so each decoded byte may be an entry).
         */
        private record XrefStream(Long declared, long width, boolean known) {

            long bytesPerEntry() {
                return known ? width : 1;
            }

            /**
             * The entries PDFBox may make: as many as declared when the entries have no width (it reads no data
             * then), else as many as the data holds where that is more.
             */
            long entries(long decoded) {
                long fromData = bytesPerEntry() == 0 ? 0 : (decoded + bytesPerEntry() - 1) / bytesPerEntry();
                return Math.max(declared == null ? 0 : declared, fromData);
            }

            String describe(long decoded) {
                if (bytesPerEntry() == 0 || declared != null && declared >= entries(decoded)) {
                    return "a cross-reference stream's declared entries";
                }
                return String.format(Locale.ROOT, "a cross-reference stream decoding to %,d bytes or more of %,d-byte "
                        + "entries", decoded, bytesPerEntry());
            }
        }

        /** A cross-reference stream's widths and declared count, refused at once where they are beyond the bounds. */
        private XrefStream xrefStream(StreamDictionary d) throws DocumentException {
            long[] w = d.widths();
            long width = 0;
            if (w != null) {
                for (long field : w) {
                    if (field > MAX_FIELD_BYTES) {
                        throw tooLarge("a cross-reference stream entry field of %,d bytes (/W; at most %d)", field,
                                MAX_FIELD_BYTES);
                    }
                    width += field;
                }
            }
            Long size = d.number("Size");
            if (size != null && size > MAX_XREF_ENTRIES) {
                throw tooLarge("a cross-reference stream of /Size %,d (at most %,d cross-reference entries)", size,
                        MAX_XREF_ENTRIES);
            }
            Long declared = d.entries.containsKey("Index") ? d.indexCount() : size;
            if (declared != null && declared > MAX_XREF_ENTRIES - xrefEntries) {
                throw tooLarge("more than %,d cross-reference entries (a cross-reference stream declaring %,d)",
                        MAX_XREF_ENTRIES, declared);
            }
            if (w != null && width == 0 && declared == null) {
                // PDFBox makes an entry for every number declared without reading data: a count it resolves
                // elsewhere in the file could be anything
                throw tooLarge("a cross-reference stream of zero-width entries whose count the scan cannot read");
            }
            if (w == null && declared == null) {
                throw tooLarge("a cross-reference stream whose entry widths and count the scan cannot read");
            }
            return new XrefStream(declared, width, w != null);
        }

        private void entries(long count, String what) throws DocumentException {
            xrefEntries = saturatedAdd(xrefEntries, count);
            if (xrefEntries > MAX_XREF_ENTRIES) {
                throw tooLarge("more than %,d cross-reference entries (%s)", MAX_XREF_ENTRIES, what);
            }
        }

        private void objectStreamCounted(Long declaredObjects, long bytes) throws DocumentException {
            if (bytes > MAX_OBJECT_STREAM_BYTES) {
                throw tooLarge("an object stream decoding to more than %s", mib(MAX_OBJECT_STREAM_BYTES));
            }
            objectStreamBytes += bytes;
            if (objectStreamBytes > MAX_ALL_OBJECT_STREAM_BYTES) {
                throw tooLarge("object streams decoding to more than %s in all", mib(MAX_ALL_OBJECT_STREAM_BYTES));
            }
            long objects = declaredObjects != null ? Math.max(0, declaredObjects) : (bytes + 1) / 4;
            objectStreamObjects = saturatedAdd(objectStreamObjects, objects);
            if (objectStreamObjects > MAX_OBJECT_STREAM_OBJECTS) {
                throw tooLarge("more than %,d objects in object streams", MAX_OBJECT_STREAM_OBJECTS);
            }
        }

        /**
         * The bytes PDFBox could take as the stream's data: up to the first {@code endstream}, or its {@code /Length}
         * when that is a number reaching further within the file (PDFBox takes the length when {@code endstream}
         * follows it, and searches for {@code endstream} otherwise).
         */
        private long rawLength(StreamDictionary d, int data) throws DocumentException {
            int end = data;
            while (end < b.length && !(b[end] == 'e' && at(b, end, ENDSTREAM))) {
                end++;
            }
            budget.charge(end - data);
            Long length = d.number("Length");
            long byLength = length != null && length >= 0 && length <= b.length - data ? length : 0;
            return Math.max(end - data, byLength);
        }

        /** The filters named by {@code /Filter}; refused when one is not decoded here, or cannot be read. */
        private List<Filter> filters(Value value, String what) throws DocumentException {
            List<Value> names;
            if (value == null) {
                return List.of();
            } else if (value instanceof NameValue) {
                names = List.of(value);
            } else if (value instanceof ArrayValue a) {
                names = a.items;
            } else {
                throw tooLarge("%s whose filter the scan cannot read is not read", what);
            }
            if (names.size() > MAX_FILTERS) {
                throw tooLarge("%s with %,d filters is not read (at most %d)", what, names.size(), MAX_FILTERS);
            }
            List<Filter> filters = new ArrayList<>(names.size());
            for (Value v : names) {
                String name = v instanceof NameValue n ? n.name : null;
                Filter f = Filter.named(name);
                if (f == null) {
                    throw tooLarge("%s in filter %s is not read", what, printable(name));
                }
                filters.add(f);
            }
            return filters;
        }

        /** Whether every inflater of the latest {@link #decoded} reached the end of its deflate data. */
        private boolean inflatersFinished;

        /** The bytes the filters decode {@code source} to, counted up to {@code limit} (and one more). */
        private long decoded(List<Filter> filters, Source source, long limit) throws DocumentException {
            List<Inflater> inflaters = new ArrayList<>();
            inflatersFinished = false;
            try {
                for (Filter f : filters) {
                    source = switch (f) {
                        case FLATE -> {
                            Inflater inflater = new Inflater(true);
                            inflaters.add(inflater);
                            yield new Flate(source, inflater, budget);
                        }
                        case HEX -> new AsciiHex(source, budget);
                        case ASCII85 -> new Ascii85(source, budget);
                    };
                }
                byte[] buffer = new byte[8192];
                long total = 0;
                int k;
                while ((k = source.read(buffer, 0, buffer.length)) >= 0) {
                    total += k;
                    if (countStarts) {
                        int starts = 0;
                        for (int j = 0; j < k; j++) {
                            byte x = buffer[j];
                            if (x == '(' || x == '<' || x == '[' || x == 'R') {
                                starts++;
                            }
                        }
                        objectStarts(starts);
                    }
                    if (total > limit) {
                        break;
                    }
                }
                inflatersFinished = true;
                for (Inflater i : inflaters) {
                    inflatersFinished &= i.finished();
                }
                return total;
            } finally {
                for (Inflater i : inflaters) {
                    i.end();
                }
            }
        }

        /**
         * A classic cross-reference table after {@code xref} (every occurrence: PDFBox reads a table wherever an offset
         * points at those bytes): its subsections' declared counts summed, each entry skipped as three tokens. Every
         * byte looked at is charged: occurrences inside one long comment would otherwise each read the rest of it.
         */
        private void table(int from) throws DocumentException {
            int p = from;
            while (true) {
                int start = skipSpace(p);
                int startEnd = digitsEnd(start);
                if (startEnd == start) {
                    return;
                }
                int countStart = skipSpace(startEnd);
                int countEnd = digitsEnd(countStart);
                if (countEnd == countStart) {
                    return;
                }
                long count = digits(countStart, countEnd);
                if (count > MAX_XREF_ENTRIES - xrefEntries) {
                    throw tooLarge("more than %,d cross-reference entries (a table subsection of %,d)",
                            MAX_XREF_ENTRIES, count);
                }
                entries(count, "cross-reference tables");
                p = countEnd;
                for (long k = 0; k < count; k++) {
                    int q = skipSpace(p);
                    int e = digitsEnd(q);
                    if (e == q) {
                        break;
                    }
                    q = skipSpace(e);
                    e = digitsEnd(q);
                    if (e == q) {
                        break;
                    }
                    q = skipSpace(e);
                    if (q >= b.length || b[q] != 'n' && b[q] != 'f') {
                        break;
                    }
                    p = q + 1;
                }
            }
        }

        /** White space and comments from {@code p}, charged. */
        private int skipSpace(int p) throws DocumentException {
            int start = p;
            while (p < b.length) {
                int c = b[p] & 0xff;
                if (isWhite(c)) {
                    p++;
                } else if (c == '%') {
                    while (p < b.length && b[p] != CR && b[p] != LF) {
                        p++;
                    }
                } else {
                    break;
                }
            }
            budget.charge(p - start);
            return p;
        }

        /** Digits from {@code p}, charged. */
        private int digitsEnd(int p) throws DocumentException {
            int start = p;
            while (p < b.length && isDigit(b[p])) {
                p++;
            }
            budget.charge(p - start);
            return p;
        }

        private long digits(int from, int to) {
            long v = 0;
            for (int i = from; i < to; i++) {
                v = saturatedAdd(v > Long.MAX_VALUE / 10 ? Long.MAX_VALUE : v * 10, b[i] - '0');
            }
            return v;
        }
    }

    /** A filter name for a message: printable ASCII letters and digits only, at most 32. */
    private static String printable(String name) {
        if (name == null) {
            return "(not a name)";
        }
        if (name.isEmpty()) {
            return "(an empty name)";
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < name.length() && s.length() < 32; i++) {
            char c = name.charAt(i);
            s.append(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' ? c : '?');
        }
        return s.toString();
    }

    /** The filters decoded here, by their names and PDFBox's abbreviations. */
    private enum Filter {
        FLATE, HEX, ASCII85;

        static Filter named(String name) {
            if (name == null) {
                return null;
            }
            return switch (name) {
                case "FlateDecode", "Fl" -> FLATE;
                case "ASCIIHexDecode", "AHx" -> HEX;
                case "ASCII85Decode", "A85" -> ASCII85;
                default -> null;
            };
        }
    }

    // ------------------------------------------------------------------ decoding

    /** A stage of a filter chain. */
    private interface Source {
        /** Up to {@code len} bytes into {@code buf}, at least one; -1 at the end. */
        int read(byte[] buf, int off, int len) throws DocumentException;
    }

    /** The file's bytes from {@code pos} to {@code end}, charged as they are handed on. */
    private static final class Slice implements Source {
        private final byte[] b;
        private final int end;
        private final Budget budget;
        private int pos;

        Slice(byte[] b, int pos, int end, Budget budget) {
            this.b = b;
            this.pos = pos;
            this.end = end;
            this.budget = budget;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws DocumentException {
            int k = Math.min(len, end - pos);
            if (k <= 0) {
                return -1;
            }
            System.arraycopy(b, pos, buf, off, k);
            pos += k;
            budget.charge(k);
            return k;
        }
    }

    /**
     * A decoder reading its source byte by byte through a small buffer. Every buffer handed to it holds 4 bytes at
     * least (the smallest is 4 KiB), so that an ASCII85 group always fits.
     */
    private abstract static class ByteStage implements Source {
        private final Source in;
        private final Budget budget;
        private final byte[] input = new byte[4096];
        private int inPos;
        private int inEnd;
        /** Set by {@link #decode} when it met the end of its data. */
        boolean finished;

        ByteStage(Source in, Budget budget) {
            this.in = in;
            this.budget = budget;
        }

        int next() throws DocumentException {
            if (inPos == inEnd) {
                int k = in.read(input, 0, input.length);
                if (k < 0) {
                    return -1;
                }
                inPos = 0;
                inEnd = k;
            }
            return input[inPos++] & 0xff;
        }

        /** Decodes at most {@code len} bytes into {@code buf}; sets {@link #finished} at the end of the data. */
        abstract int decode(byte[] buf, int off, int len) throws DocumentException;

        @Override
        public final int read(byte[] buf, int off, int len) throws DocumentException {
            if (finished) {
                return -1;
            }
            int k = decode(buf, off, len);
            if (k == 0) {
                finished = true;
                return -1;
            }
            budget.charge(k);
            return k;
        }
    }

    /**
     * FlateDecode as PDFBox 3.0.5 reads it: the first two bytes (the zlib header) skipped without a look, raw deflate
     * after them, ending at the end of the deflate data, at the end of the input, or at the first error.
     */
    private static final class Flate implements Source {
        private final Source in;
        private final Inflater inflater;
        private final Budget budget;
        private final byte[] input = new byte[4096];
        private int headerLeft = 2;
        private boolean ended;

        Flate(Source in, Inflater inflater, Budget budget) {
            this.in = in;
            this.inflater = inflater;
            this.budget = budget;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws DocumentException {
            while (!ended) {
                if (inflater.finished() || inflater.needsDictionary()) {
                    break;
                }
                if (inflater.needsInput()) {
                    int k = in.read(input, 0, input.length);
                    if (k < 0) {
                        break;
                    }
                    int skip = Math.min(headerLeft, k);
                    headerLeft -= skip;
                    inflater.setInput(input, skip, k - skip);
                    continue;
                }
                int produced;
                try {
                    produced = inflater.inflate(buf, off, len);
                } catch (DataFormatException e) {
                    break;
                }
                if (produced > 0) {
                    budget.charge(produced);
                    return produced;
                }
            }
            ended = true;
            return -1;
        }
    }

    /**
     * ASCIIHexDecode as PDFBox 3.0.5 reads it: white space skipped before a pair, not inside it; an invalid digit
     * read as -1 (as PDFBox does); {@code >} or the end of the input ends it, a lone last digit padded with 0.
     */
    private static final class AsciiHex extends ByteStage {
        AsciiHex(Source in, Budget budget) {
            super(in, budget);
        }

        @Override
        int decode(byte[] buf, int off, int len) throws DocumentException {
            int n = 0;
            while (n < len) {
                int c = next();
                while (c >= 0 && isWhite(c)) {
                    c = next();
                }
                if (c < 0 || c == '>') {
                    finished = true;
                    break;
                }
                int high = hexValue(c) * 16;
                int c2 = next();
                if (c2 < 0 || c2 == '>') {
                    buf[off + n++] = (byte) high;
                    finished = true;
                    break;
                }
                buf[off + n++] = (byte) (high + hexValue(c2));
            }
            return n;
        }
    }

    /**
     * ASCII85Decode as PDFBox 3.0.5 reads it: line feeds, carriage returns and spaces skipped, {@code z} at the start
     * of a group four zero bytes, {@code ~} the end, a last group of k characters k - 1 bytes; a character outside
     * {@code !}..{@code ~} ends it (PDFBox fails the stream there).
     */
    private static final class Ascii85 extends ByteStage {
        private final int[] group = new int[5];

        Ascii85(Source in, Budget budget) {
            super(in, budget);
        }

        @Override
        int decode(byte[] buf, int off, int len) throws DocumentException {
            int n = 0;
            while (n + 4 <= len && !finished) {
                int k = 0;
                boolean zeros = false;
                while (k < 5) {
                    int c = next();
                    if (c == LF || c == CR || c == ' ') {
                        continue;
                    }
                    if (c < '!' || c >= '~') { // the end of the data (-1), '~', or a byte PDFBox fails on
                        finished = true;
                        break;
                    }
                    if (c == 'z' && k == 0) {
                        zeros = true;
                        break;
                    }
                    group[k++] = c - '!';
                }
                if (zeros) {
                    for (int i = 0; i < 4; i++) {
                        buf[off + n++] = 0;
                    }
                } else if (k > 1) {
                    long value = 0;
                    for (int i = 0; i < 5; i++) {
                        value = value * 85 + (i < k ? group[i] : 'u' - '!');
                    }
                    for (int i = 0; i < k - 1; i++) {
                        buf[off + n++] = (byte) (value >>> (24 - 8 * i));
                    }
                }
            }
            return n;
        }
    }

    // ------------------------------------------------------------------ decrypting

    /**
     * The standard security handler opened with the empty password, as PDFBox 3.0.5 opens it: the empty password
     * tried as the owner password first, then as the user password; the file key that gives; and how streams are
     * decrypted with it (RC4 or AES-128 with a key per object, AES-256 with the file key).
     */
    static final class Encryption {
        private static final byte[] PADDING = {(byte) 0x28, (byte) 0xBF, (byte) 0x4E, (byte) 0x5E, (byte) 0x4E,
            (byte) 0x75, (byte) 0x8A, (byte) 0x41, (byte) 0x64, (byte) 0x00, (byte) 0x4E, (byte) 0x56, (byte) 0xFF,
            (byte) 0xFA, (byte) 0x01, (byte) 0x08, (byte) 0x2E, (byte) 0x2E, (byte) 0x00, (byte) 0xB6, (byte) 0xD0,
            (byte) 0x68, (byte) 0x3E, (byte) 0x80, (byte) 0x2F, (byte) 0x0C, (byte) 0xA9, (byte) 0xFE, (byte) 0x64,
            (byte) 0x53, (byte) 0x69, (byte) 0x7A};
        private static final byte[] SALT = ascii("sAlT");

        /** Whether streams are AES (else RC4). */
        private final boolean aes;
        private final byte[] key;

        private Encryption(boolean aes, byte[] key) {
            this.aes = aes;
            this.key = key;
        }

        boolean sameAs(Encryption other) {
            return aes == other.aes && java.util.Arrays.equals(key, other.key);
        }

        /** The encryption of the dictionary {@code d} with the first {@code /ID} string {@code id}. */
        static Encryption of(Map<String, Value> d, byte[] id, int objectStreams) throws DocumentException {
            if (!(d.get("Filter") instanceof NameValue filter) || !filter.name.equals("Standard")) {
                throw notDecrypted(objectStreams, "not the standard security handler");
            }
            Long v = number(d, "V");
            Long r = number(d, "R");
            Long p = number(d, "P");
            byte[] o = text(d, "O");
            byte[] u = text(d, "U");
            if (v == null || r == null || p == null || o == null || u == null) {
                throw notDecrypted(objectStreams, "an encryption dictionary without /V, /R, /P, /O or /U");
            }
            Value lengthValue = d.get("Length");
            long length = lengthValue == null ? 40 : lengthValue instanceof NumberValue n ? n.value : -1;
            Value metadata = d.get("EncryptMetadata");
            if (metadata != null && !(metadata instanceof BooleanValue)) {
                throw notDecrypted(objectStreams, "an /EncryptMetadata the scan cannot read");
            }
            boolean encryptMetadata = metadata == null || ((BooleanValue) metadata).value;
            boolean aes;
            if (v == 1 || v == 2) {
                aes = false;
            } else if (v == 4 || v == 5) {
                String method = streamMethod(d);
                if (v == 4 && "V2".equals(method)) {
                    aes = false;
                } else if (v == 4 && "AESV2".equals(method) || v == 5 && "AESV3".equals(method)) {
                    aes = true;
                } else {
                    throw notDecrypted(objectStreams, "a stream crypt filter the scan does not decrypt");
                }
            } else {
                throw notDecrypted(objectStreams, "encryption version /V " + v);
            }
            try {
                if (v == 5) {
                    if (r != 5 && r != 6) {
                        throw notDecrypted(objectStreams, "AES-256 of revision " + r);
                    }
                    byte[] fileKey = key56(r.intValue(), o, u, text(d, "OE"), text(d, "UE"));
                    if (fileKey == null) {
                        throw notDecrypted(objectStreams, "the empty password does not open it");
                    }
                    return new Encryption(true, fileKey);
                }
                if (v != 1 && (length < 40 || length > 128 || length % 8 != 0)) {
                    throw notDecrypted(objectStreams, "a key of " + length + " bits");
                }
                int n = v == 1 ? 5 : (int) (length / 8);
                if (r < 2 || r > 4 || r == 2 && n != 5) {
                    throw notDecrypted(objectStreams, "revision " + r + " with a key of " + length + " bits");
                }
                byte[] fileKey = key234(r.intValue(), n, o, u, p.intValue(), id, encryptMetadata);
                if (fileKey == null) {
                    throw notDecrypted(objectStreams, "the empty password does not open it");
                }
                return new Encryption(aes, fileKey);
            } catch (GeneralSecurityException e) {
                throw notDecrypted(objectStreams, "a cipher missing");
            }
        }

        /** The {@code /CFM} of the crypt filter {@code /StmF} names, which must be {@code /StdCF}; null otherwise. */
        private static String streamMethod(Map<String, Value> d) {
            if (!(d.get("StmF") instanceof NameValue stmF) || !stmF.name.equals("StdCF")
                    || !(d.get("CF") instanceof DictionaryValue cf)
                    || !(cf.entries.get("StdCF") instanceof DictionaryValue std)
                    || !(std.entries.get("CFM") instanceof NameValue cfm)) {
                return null;
            }
            return cfm.name;
        }

        private static Long number(Map<String, Value> d, String key) {
            return d.get(key) instanceof NumberValue n ? n.value : null;
        }

        private static byte[] text(Map<String, Value> d, String key) {
            return d.get(key) instanceof TextValue t ? t.text.getBytes(StandardCharsets.ISO_8859_1) : null;
        }

        // revisions 2 to 4 (ISO 32000-1, 7.6.3.3 and 7.6.3.4; PDFBox's StandardSecurityHandler)

        private static byte[] key234(int r, int n, byte[] o, byte[] u, int p, byte[] id, boolean encryptMetadata)
                throws GeneralSecurityException {
            // the empty password as the owner password: the user password it recovers from /O, verified
            byte[] ownerKey = md5Rounds(PADDING, r, n);
            byte[] recovered;
            if (r == 2) {
                recovered = rc4(ownerKey, o);
            } else {
                recovered = o.clone();
                for (int i = 19; i >= 0; i--) {
                    recovered = rc4(xor(ownerKey, i), recovered);
                }
            }
            byte[] fileKey = fileKey234(recovered, r, n, o, p, id, encryptMetadata);
            if (verifies234(fileKey, r, u, id)) {
                return fileKey;
            }
            fileKey = fileKey234(new byte[0], r, n, o, p, id, encryptMetadata);
            return verifies234(fileKey, r, u, id) ? fileKey : null;
        }

        private static byte[] md5Rounds(byte[] first, int r, int n) throws GeneralSecurityException {
            MessageDigest md = MessageDigest.getInstance("MD5");
            byte[] digest = md.digest(first);
            if (r >= 3) {
                for (int i = 0; i < 50; i++) {
                    md.update(digest, 0, n);
                    digest = md.digest();
                }
            }
            return java.util.Arrays.copyOf(digest, n);
        }

        /** Algorithm 2. */
        private static byte[] fileKey234(byte[] password, int r, int n, byte[] o, int p, byte[] id,
                boolean encryptMetadata) throws GeneralSecurityException {
            byte[] padded = new byte[32];
            int k = Math.min(password.length, 32);
            System.arraycopy(password, 0, padded, 0, k);
            System.arraycopy(PADDING, 0, padded, k, 32 - k);
            MessageDigest md = MessageDigest.getInstance("MD5");
            md.update(padded);
            md.update(o);
            md.update(new byte[] {(byte) p, (byte) (p >>> 8), (byte) (p >>> 16), (byte) (p >>> 24)});
            md.update(id);
            if (r == 4 && !encryptMetadata) {
                md.update(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff});
            }
            byte[] digest = md.digest();
            if (r >= 3) {
                for (int i = 0; i < 50; i++) {
                    md.update(digest, 0, n);
                    digest = md.digest();
                }
            }
            return java.util.Arrays.copyOf(digest, n);
        }

        /** Algorithms 4 and 5, compared as PDFBox compares them (all of /U for R2, its first 16 bytes after). */
        private static boolean verifies234(byte[] fileKey, int r, byte[] u, byte[] id)
                throws GeneralSecurityException {
            if (r == 2) {
                return java.util.Arrays.equals(u, rc4(fileKey, PADDING));
            }
            MessageDigest md = MessageDigest.getInstance("MD5");
            md.update(PADDING);
            byte[] x = md.digest(id);
            for (int i = 0; i < 20; i++) {
                x = rc4(xor(fileKey, i), x);
            }
            return java.util.Arrays.equals(java.util.Arrays.copyOf(u, 16), x);
        }

        private static byte[] xor(byte[] key, int i) {
            byte[] k = key.clone();
            for (int j = 0; j < k.length; j++) {
                k[j] ^= (byte) i;
            }
            return k;
        }

        static byte[] rc4(byte[] key, byte[] data) {
            Rc4 rc4 = new Rc4(key);
            byte[] out = data.clone();
            rc4.apply(out, 0, out.length);
            return out;
        }

        // revisions 5 and 6 (ISO 32000-2, 7.6.4.3.3 and Algorithm 2.B)

        private static byte[] key56(int r, byte[] o, byte[] u, byte[] oe, byte[] ue) throws GeneralSecurityException {
            if (o.length != 48 || u.length != 48) {
                return null; // PDFBox reads longer ones in more than one way
            }
            byte[] u48 = java.util.Arrays.copyOf(u, 48);
            byte[] empty = new byte[0];
            if (java.util.Arrays.equals(hash56(r, java.util.Arrays.copyOfRange(o, 32, 40), u48),
                    java.util.Arrays.copyOf(o, 32))) {
                return unwrap(hash56(r, java.util.Arrays.copyOfRange(o, 40, 48), u48), oe);
            }
            if (java.util.Arrays.equals(hash56(r, java.util.Arrays.copyOfRange(u, 32, 40), empty),
                    java.util.Arrays.copyOf(u, 32))) {
                return unwrap(hash56(r, java.util.Arrays.copyOfRange(u, 40, 48), empty), ue);
            }
            return null;
        }

        /** The file key: {@code wrapped} (32 bytes) decrypted with AES-256-CBC, a zero IV, no padding. */
        private static byte[] unwrap(byte[] hash, byte[] wrapped) throws GeneralSecurityException {
            if (wrapped == null || wrapped.length != 32) {
                return null;
            }
            Cipher c = Cipher.getInstance("AES/CBC/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(hash, "AES"), new IvParameterSpec(new byte[16]));
            return c.doFinal(wrapped);
        }

        /** The hash of the empty password with {@code salt} and {@code userKey} (empty for the user password). */
        private static byte[] hash56(int r, byte[] salt, byte[] userKey) throws GeneralSecurityException {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(salt);
            byte[] k = sha256.digest(userKey);
            if (r == 5) {
                return k;
            }
            Cipher cipher = Cipher.getInstance("AES/CBC/NoPadding");
            byte[] e = null;
            for (int round = 0; round < 64 || (e[e.length - 1] & 0xff) > round - 32; round++) {
                byte[] k1 = new byte[64 * (k.length + userKey.length)];
                for (int i = 0, pos = 0; i < 64; i++) {
                    System.arraycopy(k, 0, k1, pos, k.length);
                    pos += k.length;
                    System.arraycopy(userKey, 0, k1, pos, userKey.length);
                    pos += userKey.length;
                }
                cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(k, 0, 16, "AES"),
                        new IvParameterSpec(k, 16, 16));
                e = cipher.doFinal(k1);
                int sum = 0;
                for (int i = 0; i < 16; i++) {
                    sum += e[i] & 0xff;
                }
                String next = switch (sum % 3) {
                    case 0 -> "SHA-256";
                    case 1 -> "SHA-384";
                    default -> "SHA-512";
                };
                k = MessageDigest.getInstance(next).digest(e);
            }
            return java.util.Arrays.copyOf(k, 32);
        }

        /** {@code in} (a stream's stored data) decrypted as the stream of object {@code number generation}. */
        Source decrypting(Source in, long number, long generation, int objectStreams) throws DocumentException {
            try {
                if (key.length == 32) {
                    return new AesCbc(in, key);
                }
                MessageDigest md = MessageDigest.getInstance("MD5");
                md.update(key);
                md.update(new byte[] {(byte) number, (byte) (number >>> 8), (byte) (number >>> 16),
                    (byte) generation, (byte) (generation >>> 8)});
                if (aes) {
                    md.update(SALT);
                }
                byte[] objectKey = java.util.Arrays.copyOf(md.digest(), Math.min(key.length + 5, 16));
                return aes ? new AesCbc(in, objectKey) : new Rc4Source(in, new Rc4(objectKey));
            } catch (GeneralSecurityException e) {
                throw notDecrypted(objectStreams, "a cipher missing");
            }
        }
    }

    /** RC4's key stream. */
    private static final class Rc4 {
        private final int[] s = new int[256];
        private int i;
        private int j;

        Rc4(byte[] key) {
            for (int k = 0; k < 256; k++) {
                s[k] = k;
            }
            for (int k = 0, m = 0; k < 256; k++) {
                m = (m + s[k] + (key[k % key.length] & 0xff)) & 0xff;
                int t = s[k];
                s[k] = s[m];
                s[m] = t;
            }
        }

        void apply(byte[] buf, int off, int len) {
            for (int k = off; k < off + len; k++) {
                i = (i + 1) & 0xff;
                j = (j + s[i]) & 0xff;
                int t = s[i];
                s[i] = s[j];
                s[j] = t;
                buf[k] ^= (byte) s[(s[i] + s[j]) & 0xff];
            }
        }
    }

    /** A stream's data decrypted with RC4 as it is read. */
    private static final class Rc4Source implements Source {
        private final Source in;
        private final Rc4 rc4;

        Rc4Source(Source in, Rc4 rc4) {
            this.in = in;
            this.rc4 = rc4;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws DocumentException {
            int k = in.read(buf, off, len);
            if (k > 0) {
                rc4.apply(buf, off, k);
            }
            return k;
        }
    }

    /**
     * A stream's data decrypted with AES-CBC as it is read: the first 16 bytes the IV, whole blocks decrypted, the
     * padding left in (PDFBox tolerates a bad one; a decoder stops at its own end), a last partial block dropped.
     */
    private static final class AesCbc implements Source {
        private final Source in;
        private final byte[] key;
        private final byte[] chunk = new byte[4096];
        private Cipher cipher;
        private byte[] pending = new byte[0];
        private int pendingPos;
        private boolean ended;

        AesCbc(Source in, byte[] key) {
            this.in = in;
            this.key = key;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws DocumentException {
            while (pendingPos == pending.length) {
                if (ended) {
                    return -1;
                }
                try {
                    if (cipher == null) {
                        byte[] iv = new byte[16];
                        int have = 0;
                        while (have < 16) {
                            int k = in.read(iv, have, 16 - have);
                            if (k < 0) {
                                ended = true;
                                return -1;
                            }
                            have += k;
                        }
                        cipher = Cipher.getInstance("AES/CBC/NoPadding");
                        cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
                        continue;
                    }
                } catch (GeneralSecurityException e) {
                    throw new DocumentException(Reason.ENCRYPTED, "AES is not available to decrypt an object stream");
                }
                int k = in.read(chunk, 0, chunk.length);
                if (k < 0) {
                    ended = true;
                    return -1;
                }
                byte[] out = cipher.update(chunk, 0, k);
                pending = out == null ? new byte[0] : out;
                pendingPos = 0;
            }
            int n = Math.min(len, pending.length - pendingPos);
            System.arraycopy(pending, pendingPos, buf, off, n);
            pendingPos += n;
            return n;
        }
    }

    // ------------------------------------------------------------------ reading dictionaries

    /** A value read from a dictionary: what sizing a stream needs, the rest reduced to its kind. */
    private sealed interface Value permits NameValue, NumberValue, TextValue, ArrayValue, DictionaryValue,
            ReferenceValue, BooleanValue, Other {
    }

    /** An indirect reference {@code N G R}. */
    private record ReferenceValue(long number, long generation) implements Value {
    }

    /** {@code true} or {@code false}. */
    private record BooleanValue(boolean value) implements Value {
    }

    /** A name, its escapes decoded. */
    private record NameValue(String name) implements Value {
    }

    /** A number, its fraction dropped, saturated at the range of a {@code long}. */
    private record NumberValue(long value) implements Value {
    }

    /** A string (literal or hex), decoded, one character per byte. */
    private record TextValue(String text) implements Value {
    }

    private record ArrayValue(List<Value> items) implements Value {
    }

    private record DictionaryValue(Map<String, Value> entries) implements Value {
    }

    private enum Other implements Value {
        /** A keyword ({@code null}, or one PDFBox reads as null). */
        KEYWORD,
        /** {@code R} alone, which an array turns into a reference with the two numbers before it. */
        LONE_R,
        /** {@code endobj} or {@code endstream} where a value should be: PDFBox ends the dictionary or array there. */
        END
    }

    /** A stream dictionary read, where the next token after it starts, and what it spells. */
    private static final class StreamDictionary {
        final Map<String, Value> entries;
        final int next;
        final boolean spellsXref;
        final boolean spellsObjectStream;

        StreamDictionary(Map<String, Value> entries, int next, boolean spellsXref, boolean spellsObjectStream) {
            this.entries = entries;
            this.next = next;
            this.spellsXref = spellsXref;
            this.spellsObjectStream = spellsObjectStream;
        }

        /** A direct number, or null (absent, a reference, anything else). */
        Long number(String key) {
            return entries.get(key) instanceof NumberValue n ? n.value : null;
        }

        /** {@code /W}: three non-negative direct numbers, or null. */
        long[] widths() {
            if (!(entries.get("W") instanceof ArrayValue a) || a.items.size() != 3) {
                return null;
            }
            long[] w = new long[3];
            for (int i = 0; i < 3; i++) {
                if (!(a.items.get(i) instanceof NumberValue n) || n.value < 0) {
                    return null;
                }
                w[i] = n.value;
            }
            return w;
        }

        /** The counts of {@code /Index} (pairs of direct numbers) summed, or null. */
        Long indexCount() {
            if (!(entries.get("Index") instanceof ArrayValue a) || a.items.size() % 2 != 0) {
                return null;
            }
            long sum = 0;
            for (int i = 0; i < a.items.size(); i++) {
                if (!(a.items.get(i) instanceof NumberValue n)) {
                    return null;
                }
                if (i % 2 == 1) {
                    sum = saturatedAdd(sum, Math.max(0, n.value));
                }
            }
            return sum;
        }
    }

    /** The reader gave up: not a dictionary it reads, or beyond its bounds. */
    private static final class Unreadable extends Exception {
        private static final long serialVersionUID = 1L;
        static final Unreadable INSTANCE = new Unreadable();

        private Unreadable() {
            super(null, null, false, false);
        }
    }

    /**
     * Reads PDF objects from {@code b} between {@code pos} and {@code limit}, the way PDFBox 3.0.5's parser reads them
     * where that decides where a dictionary ends and what it holds. Recursive, {@value #MAX_NESTING} levels at most.
     */
    private static final class Reader {
        private final byte[] b;
        private final int limit;
        private int pos;
        private int depth;
        /** Every string read, decoded, for what it spells. */
        private final List<String> strings = new ArrayList<>();

        private Reader(byte[] b, int pos, int limit) {
            this.b = b;
            this.pos = pos;
            this.limit = limit;
        }

        /**
         * The dictionary after the object header ending at {@code from}, with where the next token starts; null when
         * the object is no dictionary or cannot be read within {@value #MAX_DICTIONARY_BYTES} bytes.
         */
        static StreamDictionary streamDictionary(byte[] b, int from, Budget budget) throws DocumentException {
            int limit = (int) Math.min(b.length, (long) from + MAX_DICTIONARY_BYTES);
            Reader r = new Reader(b, from, limit);
            try {
                r.skipSpace();
                if (r.pos + 1 >= limit || b[r.pos] != '<' || b[r.pos + 1] != '<') {
                    return null;
                }
                int start = r.pos;
                DictionaryValue d = r.dictionary();
                int end = r.pos;
                r.skipSpace();
                boolean xref = r.spells(start, end, XREF_TYPE, XREF_TYPE);
                boolean objectStream = r.spells(start, end, OBJSTM_TYPE, FIRST_KEY);
                return new StreamDictionary(d.entries, r.pos, xref, objectStream);
            } catch (Unreadable e) {
                return null;
            } finally {
                budget.charge(r.pos - from);
            }
        }

        /**
         * Whether the raw bytes between {@code from} and {@code to} (name escapes decoded) or any string read hold
         * {@code word}, or the raw bytes {@code key}.
         */
        private boolean spells(int from, int to, byte[] word, byte[] key) {
            byte[] text = b;
            int start = from;
            int end = to;
            if (contains(b, from, to, HASH)) {
                text = new byte[to - from];
                int n = 0;
                for (int i = from; i < to; i++) {
                    if (b[i] == '#' && i + 2 < to && hexValue(b[i + 1]) >= 0 && hexValue(b[i + 2]) >= 0) {
                        text[n++] = (byte) (hexValue(b[i + 1]) * 16 + hexValue(b[i + 2]));
                        i += 2;
                    } else {
                        text[n++] = b[i];
                    }
                }
                start = 0;
                end = n;
            }
            if (contains(text, start, end, word) || contains(text, start, end, key)) {
                return true;
            }
            String w = new String(word, StandardCharsets.ISO_8859_1);
            for (String s : strings) {
                if (s.contains(w)) {
                    return true;
                }
            }
            return false;
        }

        private int read() throws Unreadable {
            if (pos >= limit) {
                throw Unreadable.INSTANCE;
            }
            return b[pos++] & 0xff;
        }

        private int peek() throws Unreadable {
            if (pos >= limit) {
                throw Unreadable.INSTANCE;
            }
            return b[pos] & 0xff;
        }

        /** White space and comments, as PDFBox skips them between tokens. */
        private void skipSpace() {
            while (pos < limit) {
                int c = b[pos] & 0xff;
                if (isWhite(c)) {
                    pos++;
                } else if (c == '%') {
                    while (pos < limit && b[pos] != CR && b[pos] != LF) {
                        pos++;
                    }
                } else {
                    break;
                }
            }
        }

        private Value value() throws Unreadable {
            skipSpace();
            int c = peek();
            switch (c) {
                case '<':
                    return pos + 1 < limit && b[pos + 1] == '<' ? dictionary() : hexString();
                case '[':
                    return array();
                case '(':
                    return literalString();
                case '/':
                    return new NameValue(name());
                case 'n':
                    return word("null");
                case 't':
                    word("true");
                    return new BooleanValue(true);
                case 'f':
                    word("false");
                    return new BooleanValue(false);
                case 'R':
                    pos++;
                    return Other.LONE_R;
                default:
                    if (isDigit(c) || c == '-' || c == '+' || c == '.') {
                        return number();
                    }
                    int start = pos;
                    while (pos < limit && !endsToken(b[pos] & 0xff)) {
                        pos++;
                    }
                    if (pos == start || pos == limit) {
                        throw Unreadable.INSTANCE; // PDFBox fails on a stray delimiter
                    }
                    if (at(b, start, ENDOBJ) && pos - start == ENDOBJ.length
                            || at(b, start, ENDSTREAM) && pos - start == ENDSTREAM.length) {
                        pos = start; // left for the dictionary or array to end at
                        return Other.END;
                    }
                    return Other.KEYWORD; // PDFBox reads an unknown keyword as null
            }
        }

        /** {@code null}, {@code true}, {@code false}: PDFBox reads exactly their letters and fails otherwise. */
        private Value word(String w) throws Unreadable {
            for (int i = 0; i < w.length(); i++) {
                if (read() != w.charAt(i)) {
                    throw Unreadable.INSTANCE;
                }
            }
            return Other.KEYWORD;
        }

        /** A number as PDFBox reads its characters; only its integer part kept, saturated. */
        private Value number() throws Unreadable {
            int start = pos;
            while (pos < limit && (isDigit(b[pos]) || b[pos] == '-' || b[pos] == '+' || b[pos] == '.'
                    || b[pos] == 'E' || b[pos] == 'e')) {
                pos++;
            }
            if (pos == limit) {
                throw Unreadable.INSTANCE;
            }
            long v = 0;
            for (int i = start; i < pos && b[i] != '.' && b[i] != 'E' && b[i] != 'e'; i++) {
                if (isDigit(b[i])) {
                    v = v > (Long.MAX_VALUE - 9) / 10 ? Long.MAX_VALUE : v * 10 + (b[i] - '0');
                }
            }
            return new NumberValue(b[start] == '-' ? -v : v);
        }

        /** A name after {@code /}, {@code #} and two hex digits decoded to their byte. */
        private String name() throws Unreadable {
            pos++;
            StringBuilder s = new StringBuilder();
            while (pos < limit && !endsToken(b[pos] & 0xff)) {
                int c = b[pos++] & 0xff;
                if (c == '#' && pos + 1 < limit && hexValue(b[pos]) >= 0 && hexValue(b[pos + 1]) >= 0) {
                    c = hexValue(b[pos]) * 16 + hexValue(b[pos + 1]);
                    pos += 2;
                }
                s.append((char) c);
            }
            if (pos == limit) {
                throw Unreadable.INSTANCE;
            }
            return s.toString();
        }

        private DictionaryValue dictionary() throws Unreadable {
            if (++depth > MAX_NESTING) {
                throw Unreadable.INSTANCE;
            }
            pos += 2;
            Map<String, Value> entries = new HashMap<>();
            while (true) {
                skipSpace();
                int c = peek();
                if (c == '>') {
                    pos++;
                    if (read() != '>') {
                        throw Unreadable.INSTANCE;
                    }
                    break;
                }
                if (c == '/') {
                    String key = name();
                    Value v = dictionaryValue();
                    if (v == Other.END) {
                        break; // PDFBox returns what it has read, the keyword left unread
                    }
                    entries.put(key, v);
                } else if (recovered()) {
                    break;
                }
            }
            depth--;
            return new DictionaryValue(entries);
        }

        /**
         * PDFBox's recovery where a key should be: bytes skipped up to a {@code /} or {@code >} (left unread: false),
         * or through {@code endstream} or {@code endobj}, which end the dictionary (true). The letters of a partial
         * match are skipped with it, a {@code /} or {@code >} among them too, as PDFBox skips them.
         */
        private boolean recovered() throws Unreadable {
            int c = read();
            while (c != '/' && c != '>') {
                if (c == 'e') {
                    c = read();
                    if (c == 'n') {
                        c = read();
                        if (c == 'd') {
                            c = read();
                            boolean stream = c == 's' && read() == 't' && read() == 'r' && read() == 'e'
                                    && read() == 'a' && read() == 'm';
                            boolean obj = !stream && c == 'o' && read() == 'b' && read() == 'j';
                            if (stream || obj) {
                                return true;
                            }
                        }
                    }
                }
                c = read();
            }
            pos--;
            return false;
        }

        /**
         * A value after a key: a reference when a number, a number and {@code R} follow; a CMap's {@code def} after it
         * skipped.
         */
        private Value dictionaryValue() throws Unreadable {
            Value v = value();
            if (v == Other.END) {
                return v;
            }
            skipSpace();
            if (v instanceof NumberValue number && pos < limit && isDigit(b[pos])) {
                Value generation = value();
                skipSpace();
                if (read() != 'R') {
                    throw Unreadable.INSTANCE; // PDFBox fails there
                }
                v = new ReferenceValue(number.value, generation instanceof NumberValue g ? g.value : -1);
            }
            skipSpace();
            if (pos + 3 <= limit && b[pos] == 'd' && b[pos + 1] == 'e' && b[pos + 2] == 'f'
                    && (pos + 3 == limit || endsToken(b[pos + 3] & 0xff))) {
                pos += 3;
                skipSpace();
            }
            return v;
        }

        private ArrayValue array() throws Unreadable {
            if (++depth > MAX_NESTING) {
                throw Unreadable.INSTANCE;
            }
            pos++;
            List<Value> items = new ArrayList<>();
            while (true) {
                skipSpace();
                if (peek() == ']') {
                    pos++;
                    break;
                }
                Value v = value();
                if (v == Other.END) {
                    break; // PDFBox returns the array, the keyword left unread
                }
                if (v == Other.LONE_R) {
                    int n = items.size();
                    long number = -1;
                    long generation = -1;
                    if (n >= 2 && items.get(n - 1) instanceof NumberValue g && items.get(n - 2) instanceof NumberValue o) {
                        items.remove(n - 1);
                        items.remove(n - 2);
                        number = o.value;
                        generation = g.value;
                    }
                    v = new ReferenceValue(number, generation);
                }
                items.add(v);
            }
            depth--;
            return new ArrayValue(items);
        }

        /**
         * A literal string, as PDFBox reads it: nested parentheses, escapes, and its lenient end — a {@code )} (or
         * {@code \)}) followed by a line end and {@code /} or {@code >} ends the string however deep it is.
         */
        private TextValue literalString() throws Unreadable {
            pos++;
            StringBuilder out = new StringBuilder();
            int braces = 1;
            int c = read();
            while (true) {
                int next = -2;
                if (c == ')') {
                    braces = endOfString(braces - 1);
                    if (braces != 0) {
                        out.append(')');
                    }
                } else if (c == '(') {
                    braces++;
                    out.append('(');
                } else if (c == '\\') {
                    int e = read();
                    switch (e) {
                        case 'n' -> out.append('\n');
                        case 'r' -> out.append('\r');
                        case 't' -> out.append('\t');
                        case 'b' -> out.append('\b');
                        case 'f' -> out.append('\f');
                        case ')' -> {
                            braces = endOfString(braces);
                            out.append(braces != 0 ? ')' : '\\');
                        }
                        case CR, LF -> {
                            int d = read();
                            while (d == CR || d == LF) {
                                d = read();
                            }
                            next = d;
                        }
                        default -> {
                            if (e >= '0' && e <= '7') {
                                int octal = e - '0';
                                int d = read();
                                if (d >= '0' && d <= '7') {
                                    octal = octal * 8 + d - '0';
                                    d = read();
                                    if (d >= '0' && d <= '7') {
                                        octal = octal * 8 + d - '0';
                                        d = -2;
                                    }
                                }
                                next = d;
                                out.append((char) (octal & 0xff));
                            } else {
                                out.append((char) e);
                            }
                        }
                    }
                } else {
                    out.append((char) c);
                }
                if (braces == 0) {
                    break;
                }
                c = next != -2 ? next : read();
            }
            strings.add(out.toString());
            return new TextValue(out.toString());
        }

        /** PDFBox's test at a {@code )}: a line end, then {@code /} or {@code >}, ends the string at any depth. */
        private int endOfString(int braces) {
            if (braces == 0 || pos + 3 > b.length) {
                return braces;
            }
            int b0 = b[pos];
            int b1 = b[pos + 1];
            int b2 = b[pos + 2];
            if ((b0 == CR || b0 == LF) && (b1 == '/' || b1 == '>')) {
                return 0;
            }
            if (b0 == CR && b1 == LF && (b2 == '/' || b2 == '>')) {
                return 0;
            }
            return braces;
        }

        /** A hex string: digits paired, white space skipped; anything else skipped up to the {@code >}. */
        private TextValue hexString() throws Unreadable {
            pos++;
            StringBuilder out = new StringBuilder();
            int high = -1;
            boolean invalid = false;
            while (true) {
                int c = read();
                if (c == '>') {
                    break;
                }
                int h = hexValue(c);
                if (invalid || isWhite(c)) {
                    continue;
                }
                if (h < 0) {
                    invalid = true;
                    continue;
                }
                if (high < 0) {
                    high = h;
                } else {
                    out.append((char) (high * 16 + h));
                    high = -1;
                }
            }
            if (high >= 0) {
                out.append((char) (high * 16));
            }
            strings.add(out.toString());
            return new TextValue(out.toString());
        }
    }
}
