package org.streamail.linkguard.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.archivers.zip.ZipMethod;
import org.apache.commons.compress.utils.SeekableInMemoryByteChannel;
import org.streamail.linkguard.internal.DocumentLinks.DocumentException;
import org.streamail.linkguard.internal.DocumentLinks.DocumentException.Reason;

/**
 * The zip container of an Office Open XML or OpenDocument file, read within bounds and written back with only the
 * changed parts re-compressed.
 *
 * <p><b>Read by its central directory.</b> Office, LibreOffice and Java's own {@code java.util.zip.ZipFile} find the
 * entries through the central directory at the end of the file; a reader walking the local headers from the start
 * ({@code ZipInputStream}) can be shown other entries by a file built for it (an entry hidden from the directory, or
 * data before the first header). The gateway must rewrite the parts the viewer will read, so it reads the directory:
 * commons-compress {@link ZipFile} over the bytes in memory. What readers could disagree on is refused as
 * {@link Reason#UNREADABLE}: two directory entries with the same name (which one a reader takes differs), entries
 * whose compressed data add up to more than the file (they overlap: a "zip bomb" of shared data, or a file
 * meaning different things to different readers), and names that could not be written back byte for byte (some in
 * UTF-8 with the language encoding flag, others in a legacy code page without it). Names with {@code ..}, absolute
 * or backslash paths are only names here: the entry is copied, never extracted.
 *
 * <p><b>Bounds</b> (a file is at most {@link LinkRewriter#MAX_ATTACHMENT_BYTES} decoded, but deflate inflates up to
 * about a thousand times): at most {@link #MAX_ENTRIES} entries; a part is read inflating as it goes and stops at
 * {@link #MAX_PART_BYTES} and at {@link #MAX_TOTAL_BYTES} over all parts read, and once past
 * {@link #RATIO_GRACE_BYTES} at a compression ratio above {@link #MAX_RATIO} — each {@link Reason#TOO_LARGE}, before
 * the memory is spent (the sizes the directory declares are checked first, but not trusted). Encrypted entries
 * (general purpose bit 0, or strong encryption) are {@link Reason#ENCRYPTED}: Office and LibreOffice do not read
 * them, and they cannot be rewritten without the password anyway.
 *
 * <p><b>Written back</b> with commons-compress {@link ZipArchiveOutputStream}: entries in the directory's order with
 * their names, every unchanged entry copied raw ({@link ZipArchiveOutputStream#addRawArchiveEntry}: its compressed
 * bytes, CRC, method, time and extra fields as they were, never inflated and deflated again), the changed ones
 * deflated. Dropped: bytes outside the entries (data before the first entry or between entries, which no reader of the
 * directory shows), the archive comment, and data descriptors (the sizes go into the local headers). An
 * {@link IOException} or {@link RuntimeException} of commons-compress is {@link Reason#UNREADABLE} with its class and
 * message, never the document's content. Not thread-safe; one instance per call, closed after it.
 */
final class ZipPackage implements AutoCloseable {

    /** Entries at most (an Office document has a few dozen, a large presentation a few thousand). */
    static final int MAX_ENTRIES = 10_000;
    /** Uncompressed bytes of one part read at most (16 MiB: a large worksheet; a 10 MiB file's XML rarely exceeds). */
    static final int MAX_PART_BYTES = 16 * 1024 * 1024;
    /** Uncompressed bytes of all parts read for one document at most. */
    static final long MAX_TOTAL_BYTES = 64L * 1024 * 1024;
    /** Uncompressed size / compressed size of a part read at most; XML deflates 5 to 30 times, zeros 1000 times. */
    static final int MAX_RATIO = 100;
    /** A part is not held to {@link #MAX_RATIO} until it has inflated this far: a small part is harmless at any ratio. */
    static final int RATIO_GRACE_BYTES = 1024 * 1024;

    private static final int STORED = ZipMethod.STORED.getCode();
    private static final int DEFLATED = ZipMethod.DEFLATED.getCode();

    private final ZipFile zip;
    private final List<ZipArchiveEntry> entries;
    /** Each entry's name as its bytes stand in the central directory. */
    private final List<byte[]> rawNames;
    /** Whether any name was read otherwise than its bytes stand (backslashes), so that they are put back. */
    private final boolean backslashNames;
    private final boolean utf8Names;
    private final int length;
    private long inflated;

    private ZipPackage(ZipFile zip, List<ZipArchiveEntry> entries, List<byte[]> rawNames, boolean backslashNames,
            boolean utf8Names, int length) {
        this.zip = zip;
        this.entries = entries;
        this.rawNames = rawNames;
        this.backslashNames = backslashNames;
        this.utf8Names = utf8Names;
        this.length = length;
    }

    /** Whether the bytes start with a local file header, as every Office and OpenDocument file does. */
    static boolean startsAsZip(byte[] b) {
        return b != null && b.length >= 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4;
    }

    private static ZipFile.Builder builder(byte[] decoded) {
        // Names as their bytes (ISO-8859-1 maps each byte to one character; entries flagged UTF-8 are read as UTF-8
        // whatever this says), and the name in the central directory, not an Info-ZIP Unicode path extra field.
        return ZipFile.builder().setSeekableByteChannel(new SeekableInMemoryByteChannel(decoded))
                .setCharset(StandardCharsets.ISO_8859_1).setUseUnicodeExtraFields(false);
    }

    /**
     * The entry names of the central directory in its order, without reading any entry (local headers included);
     * null when the bytes are not a readable zip. Never throws.
     */
    static List<String> names(byte[] decoded) {
        if (!startsAsZip(decoded)) {
            return null;
        }
        try (ZipFile z = builder(decoded).setIgnoreLocalFileHeader(true).get()) {
            List<String> names = new ArrayList<>();
            for (ZipArchiveEntry e : Collections.list(z.getEntries())) {
                names.add(e.getName());
            }
            return names;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Opens the container and checks it (entries, duplicates, overlap, encryption, names).
     *
     * @param namesIgnoreCase whether names differing only in case count as duplicates (Office Open XML part names are
     *                        compared without case, OPC M1.12; OpenDocument names with it)
     */
    static ZipPackage open(byte[] decoded, boolean namesIgnoreCase) throws DocumentException {
        if (!startsAsZip(decoded)) {
            throw new DocumentException(Reason.UNREADABLE, "not a zip file");
        }
        ZipFile zip = null;
        try {
            zip = builder(decoded).get();
            List<ZipArchiveEntry> entries = Collections.list(zip.getEntries());
            if (entries.size() > MAX_ENTRIES) {
                throw new DocumentException(Reason.TOO_LARGE,
                        entries.size() + " zip entries, more than " + MAX_ENTRIES);
            }
            Set<String> seen = new HashSet<>();
            long compressed = 0;
            boolean utf8 = false;
            for (int i = 0; i < entries.size(); i++) {
                ZipArchiveEntry e = entries.get(i);
                String key = namesIgnoreCase ? e.getName().toLowerCase(Locale.ROOT) : e.getName();
                if (!seen.add(key)) {
                    throw new DocumentException(Reason.UNREADABLE,
                            "two zip entries with the same name (entry " + (i + 1) + "): readers differ on which counts");
                }
                if (e.getGeneralPurposeBit().usesEncryption() || e.getGeneralPurposeBit().usesStrongEncryption()) {
                    throw new DocumentException(Reason.ENCRYPTED, "an encrypted zip entry (entry " + (i + 1) + ")");
                }
                if (e.getCompressedSize() < 0 || e.getSize() < 0) {
                    throw new DocumentException(Reason.UNREADABLE, "a zip entry without sizes (entry " + (i + 1) + ")");
                }
                compressed += e.getCompressedSize();
                utf8 |= e.getGeneralPurposeBit().usesUTF8ForNames();
            }
            if (compressed > decoded.length) {
                throw new DocumentException(Reason.UNREADABLE, "zip entries overlapping one another");
            }
            // Written back in one encoding for all: UTF-8 with the flag if any entry has it, else the names' bytes.
            // commons-compress reads a name of an MS-DOS entry that has backslashes and no slash with slashes (and
            // would write it so): the same length, and its bytes are put back after writing (restoreNames).
            Charset names = utf8 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1;
            List<byte[]> rawNames = new ArrayList<>(entries.size());
            boolean backslashes = false;
            for (ZipArchiveEntry e : entries) {
                byte[] written = e.getName().getBytes(names);
                byte[] raw = e.getRawName() == null ? written : e.getRawName();
                if (!Arrays.equals(raw, written) && !Arrays.equals(slashes(raw), written)) {
                    throw new DocumentException(Reason.UNREADABLE,
                            "zip entry names in more than one encoding (or malformed UTF-8)");
                }
                rawNames.add(raw);
                backslashes |= !Arrays.equals(raw, written);
            }
            ZipPackage result = new ZipPackage(zip, entries, rawNames, backslashes, utf8, decoded.length);
            zip = null;
            return result;
        } catch (IOException | RuntimeException e) {
            throw unreadable(e);
        } finally {
            ZipFile.closeQuietly(zip);
        }
    }

    /** The entries in the central directory's order. */
    List<ZipArchiveEntry> entries() {
        return entries;
    }

    /**
     * The uncompressed bytes of one entry, inflated within the bounds (see the class comment).
     *
     * @param index the entry's position in {@link #entries()}
     */
    byte[] read(int index) throws DocumentException {
        ZipArchiveEntry e = entries.get(index);
        String which = "entry " + (index + 1);
        if (e.getMethod() != STORED && e.getMethod() != DEFLATED) {
            // Office and LibreOffice read stored and deflated entries only; a part in another method is no part.
            throw new DocumentException(Reason.UNREADABLE,
                    "a part compressed with method " + e.getMethod() + " (" + which + ")");
        }
        long compressed = Math.max(1, e.getCompressedSize());
        long declared = e.getSize();
        if (declared > MAX_PART_BYTES) {
            throw new DocumentException(Reason.TOO_LARGE,
                    "a part of " + declared + " bytes, more than " + MAX_PART_BYTES + " (" + which + ")");
        }
        if (declared > RATIO_GRACE_BYTES && declared > MAX_RATIO * compressed) {
            throw ratio(which);
        }
        try (InputStream in = zip.getInputStream(e)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Math.max(declared, 256), 1 << 20));
            byte[] buf = new byte[16384];
            long count = 0;
            int r;
            while ((r = in.read(buf)) != -1) {
                count += r;
                if (count > MAX_PART_BYTES) {
                    throw new DocumentException(Reason.TOO_LARGE,
                            "a part inflating past " + MAX_PART_BYTES + " bytes (" + which + ")");
                }
                if (inflated + count > MAX_TOTAL_BYTES) {
                    throw new DocumentException(Reason.TOO_LARGE,
                            "parts inflating past " + MAX_TOTAL_BYTES + " bytes in all");
                }
                if (count > RATIO_GRACE_BYTES && count > MAX_RATIO * compressed) {
                    throw ratio(which);
                }
                out.write(buf, 0, r);
            }
            inflated += count;
            return out.toByteArray();
        } catch (IOException | RuntimeException ex) {
            throw unreadable(ex);
        }
    }

    private static DocumentException ratio(String which) {
        return new DocumentException(Reason.TOO_LARGE,
                "a part compressed more than " + MAX_RATIO + " to 1 (" + which + "): a zip bomb");
    }

    /**
     * The container written anew: entries in the directory's order ({@code first}, if named and present, moved to the
     * front), each in {@code changed} deflated with its new bytes, every other one copied raw.
     *
     * @param changed new uncompressed bytes by entry index
     * @param first   the name of an entry that must come first (OpenDocument's {@code mimetype}), or null
     */
    byte[] write(Map<Integer, byte[]> changed, String first) throws DocumentException {
        List<Integer> order = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            if (first != null && entries.get(i).getName().equals(first)) {
                order.add(0, i);
            } else {
                order.add(i);
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(length + 4096);
        try (ZipArchiveOutputStream out = new ZipArchiveOutputStream(bytes)) {
            if (utf8Names) {
                out.setEncoding(StandardCharsets.UTF_8.name());
                out.setUseLanguageEncodingFlag(true);
            } else {
                out.setEncoding(StandardCharsets.ISO_8859_1.name());
            }
            for (int i : order) {
                ZipArchiveEntry e = entries.get(i);
                byte[] data = changed.get(i);
                if (data == null) {
                    try (InputStream raw = zip.getRawInputStream(e)) {
                        out.addRawArchiveEntry(e, raw);
                    }
                } else {
                    byte[] deflated = deflate(data);
                    CRC32 crc = new CRC32();
                    crc.update(data);
                    ZipArchiveEntry copy = new ZipArchiveEntry(e);
                    copy.setMethod(DEFLATED);
                    copy.setSize(data.length);
                    copy.setCompressedSize(deflated.length);
                    copy.setCrc(crc.getValue());
                    out.addRawArchiveEntry(copy, new ByteArrayInputStream(deflated));
                }
            }
            out.finish();
        } catch (IOException | RuntimeException e) {
            throw unreadable(e);
        }
        byte[] result = bytes.toByteArray();
        if (backslashNames) {
            try {
                restoreNames(result, order);
            } catch (RuntimeException e) {
                throw unreadable(e);
            }
        }
        return result;
    }

    private static byte[] slashes(byte[] name) {
        byte[] out = name.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i] == '\\') {
                out[i] = '/';
            }
        }
        return out;
    }

    /**
     * Puts each entry's name bytes back where {@link ZipArchiveOutputStream} wrote its name as commons-compress read
     * it (they differ only for backslash names, in length never). Walks the file just written: local headers one
     * after the other from 0 (sizes in the header, no data descriptors), then the central directory the end record
     * (no comment: none is written) points at. Only files with such names take this walk; one that cannot be walked
     * (an entry grown to Zip64 sizes in a damaged file) is refused.
     */
    private void restoreNames(byte[] out, List<Integer> order) {
        int at = 0;
        for (int i : order) {
            requireSignature(out, at, 0x04034b50);
            int nameLength = u16(out, at + 26);
            putName(out, at + 30, nameLength, rawNames.get(i));
            at += 30 + nameLength + u16(out, at + 28) + (int) u32(out, at + 18);
        }
        int end = out.length - 22;
        requireSignature(out, end, 0x06054b50);
        at = (int) u32(out, end + 16);
        for (int i : order) {
            requireSignature(out, at, 0x02014b50);
            int nameLength = u16(out, at + 28);
            putName(out, at + 46, nameLength, rawNames.get(i));
            at += 46 + nameLength + u16(out, at + 30) + u16(out, at + 32);
        }
    }

    private static void putName(byte[] out, int at, int length, byte[] raw) {
        if (raw.length != length) {
            throw new IllegalStateException("an entry name written with another length");
        }
        System.arraycopy(raw, 0, out, at, length);
    }

    private static void requireSignature(byte[] b, int at, long signature) {
        if (at < 0 || at + 4 > b.length || u32(b, at) != signature) {
            throw new IllegalStateException("the zip just written is not laid out as expected");
        }
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8;
    }

    private static long u32(byte[] b, int at) {
        return (u16(b, at) | (long) u16(b, at + 2) << 16) & 0xFFFFFFFFL;
    }

    /** Raw deflate (no zlib wrapper), as a zip entry holds it. */
    private static byte[] deflate(byte[] data) {
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        try {
            deflater.setInput(data);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 4 + 64);
            byte[] buf = new byte[16384];
            while (!deflater.finished()) {
                int n = deflater.deflate(buf);
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    @Override
    public void close() {
        ZipFile.closeQuietly(zip);
    }

    /** A commons-compress failure as UNREADABLE: class and message (printable, shortened), never content. */
    static DocumentException unreadable(Exception e) {
        String message = e.getMessage() == null ? "" : ": " + printable(e.getMessage(), 200);
        return new DocumentException(Reason.UNREADABLE, "damaged file: " + e.getClass().getName() + message);
    }

    /**
     * {@code s} fit for one log line: printable ASCII kept, anything else (line breaks, control and non-ASCII
     * characters, which a hostile file could put into a name to forge log lines) as {@code ?}, at most {@code max}
     * characters.
     */
    static String printable(String s, int max) {
        StringBuilder out = new StringBuilder(Math.min(s.length(), max) + 1);
        for (int i = 0; i < s.length() && i < max; i++) {
            char c = s.charAt(i);
            out.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        if (s.length() > max) {
            out.append("...");
        }
        return out.toString();
    }
}
