package org.streamail.detect.content.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import org.apache.commons.compress.MemoryLimitException;
import org.apache.commons.compress.PasswordRequiredException;
import org.apache.commons.compress.archivers.sevenz.SevenZArchiveEntry;
import org.apache.commons.compress.archivers.sevenz.SevenZFile;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.apache.commons.compress.utils.SeekableInMemoryByteChannel;
import org.streamail.detect.content.internal.ScanContext.ScanStopped;

/**
 * Walks archives: ZIP (own central-directory reader, so overlapping entries and encryption flags are seen
 * before anything is inflated; streaming fallback when there is no central directory), 7z, tar, gzip,
 * bzip2, xz; lists CAB file names. Not thread-safe: belongs to one {@link PartScanner}.
 */
final class ArchiveWalker {
    /** Memory a 7z/xz decoder may allocate for its dictionary; a larger declared dictionary is a bomb. */
    private static final int DECODER_MEMORY_KB = 64 * 1024;

    private final PartScanner scanner;
    private final ScanContext ctx;

    ArchiveWalker(PartScanner scanner) {
        this.scanner = scanner;
        this.ctx = scanner.ctx;
    }

    void walk(String path, String name, Kind kind, byte[] data, int depth) throws IOException {
        switch (kind) {
            case ZIP -> walkZip(path, data, depth);
            case SEVENZ -> walkSevenZ(path, data, depth);
            case GZIP, BZIP2, XZ, TAR -> walkStream(path, name, kind, new ByteArrayInputStream(data), depth);
            case CAB -> listCab(path, data);
            case RAR -> listRar(path, data);
            case ARJ -> ctx.report(Rule.UNSCANNABLE_ARCHIVE, path,
                    kind.label + ": this format is not expanded; its content was not inspected");
            default -> throw new IllegalArgumentException("not an archive: " + kind);
        }
    }

    /** Walks a stream format; the stream is read once and never buffered whole. */
    void walkStream(String path, String name, Kind kind, InputStream raw, int depth) throws IOException {
        Counting counted = new Counting(raw);
        try {
            switch (kind) {
                case GZIP -> {
                    java.io.BufferedInputStream buffered = new java.io.BufferedInputStream(counted, 8192);
                    String inner = innerName(name, ".gz", ".tgz", ".tar");
                    // 7-Zip and WinRAR extract under the name stored in the header (FNAME): judge that one too
                    String stored = Names.baseName(gzipFileName(buffered));
                    if (!stored.isEmpty() && !stored.equals(inner)) {
                        judgeNameOnly(PartScanner.child(path, stored), stored);
                    }
                    scanner.scanStream(PartScanner.child(path, inner), inner, new GZIPInputStream(buffered, 8192),
                            depth + 1, counted::count);
                }
                case BZIP2 -> scanner.scanStream(PartScanner.child(path, innerName(name, ".bz2", ".tbz2", ".tar")),
                        innerName(name, ".bz2", ".tbz2", ".tar"), new BZip2CompressorInputStream(counted, true),
                        depth + 1, counted::count);
                case XZ -> scanner.scanStream(PartScanner.child(path, innerName(name, ".xz", ".txz", ".tar")),
                        innerName(name, ".xz", ".txz", ".tar"),
                        new XZCompressorInputStream(counted, true, DECODER_MEMORY_KB), depth + 1, counted::count);
                case TAR -> walkTar(path, counted, depth);
                default -> throw new IllegalArgumentException("not a stream format: " + kind);
            }
        } catch (MemoryLimitException e) {
            throw new ScanStopped(Rule.ARCHIVE_BOMB, path, kind.label + " asks for more decoder memory than "
                    + DECODER_MEMORY_KB + " KB");
        }
    }

    /** The FNAME of a gzip member header (RFC 1952) in the first 2 KB, or {@code ""}; the stream is left as it was. */
    static String gzipFileName(java.io.BufferedInputStream in) throws IOException {
        in.mark(2048);
        byte[] h = in.readNBytes(2048);
        in.reset();
        if (h.length < 10 || (h[3] & 8) == 0) {
            return "";
        }
        int p = 10;
        if ((h[3] & 4) != 0) {
            if (p + 2 > h.length) {
                return "";
            }
            p += 2 + Texts.u16le(h, p);
        }
        int end = p;
        while (end < h.length && h[end] != 0) {
            end++;
        }
        return end >= h.length ? "" : Texts.nfc(Texts.latin1(h, p, end - p));
    }

    private static String innerName(String name, String ext, String tarExt, String replacement) {
        String base = Names.baseName(name);
        String lower = base.toLowerCase(Locale.ROOT);
        if (lower.endsWith(tarExt)) {
            return base.substring(0, base.length() - tarExt.length()) + replacement;
        }
        if (lower.endsWith(ext)) {
            return base.substring(0, base.length() - ext.length());
        }
        return base.isEmpty() ? "data" : base + ".content";
    }

    private void walkTar(String path, Counting counted, int depth) throws IOException {
        TarArchiveInputStream tar = new TarArchiveInputStream(counted);
        TarArchiveEntry e;
        while ((e = tar.getNextEntry()) != null) {
            ctx.checkTime(path);
            if (!e.isFile()) {
                continue;
            }
            String entry = e.getName();
            scanner.scanStream(PartScanner.child(path, entry), entry, tar, depth + 1, () -> -1);
        }
    }

    // ---- ZIP ----------------------------------------------------------------------------------------

    /**
     * One central-directory record; {@code unicodeName} is its Info-ZIP Unicode Path extra field (0x7075), the
     * name 7-Zip, WinRAR and Info-ZIP extract it under, or {@code ""}.
     */
    private record ZipRecord(String name, int flags, int method, long compressedSize, long localOffset,
            String unicodeName) {
        boolean encrypted() {
            return (flags & 1) != 0 || method == 99;
        }
    }

    private void walkZip(String path, byte[] data, int depth) throws IOException {
        List<ZipRecord> records;
        long[] dataStart;
        try {
            records = readCentralDirectory(path, data);
            dataStart = records == null ? null : new long[records.size()];
            if (records != null) {
                checkOverlap(path, data, records, dataStart);
            }
        } catch (MalformedArchive e) {
            // What an unzipper that reads front to back would still extract must be judged too.
            ctx.report(Rule.MALFORMED_PART, path, "ZIP central directory unusable (" + e.getMessage()
                    + "), read front to back instead");
            records = null;
            dataStart = null;
        }
        if (records == null) {
            walkZipStreaming(path, data, depth);
            return;
        }
        int prefix = records.isEmpty() ? 0 : (int) Math.min(data.length, records.stream()
                .mapToLong(ZipRecord::localOffset).min().orElse(0));
        if (prefix > 4 && Texts.indexOf(data, 0, prefix, LOCAL_HEADER) >= 0) {
            // Another ZIP before this one (concatenated archives): unzippers disagree on which one they show,
            // so both are judged.
            ctx.checkDepth(depth + 1, path);
            walkZip(path, java.util.Arrays.copyOf(data, prefix), depth + 1);
        }
        ZipFacts facts = new ZipFacts();
        for (ZipRecord r : records) {
            facts.see(r.name);
        }
        scanner.office().judgeZipNames(path, facts);
        boolean jar = facts.jar;
        if (jar) {
            ctx.report(Rule.EXECUTABLE, path, "Java archive (JAR) with " + facts.classes + " class files");
        }
        int encrypted = 0;
        for (int i = 0; i < records.size(); i++) {
            ZipRecord r = records.get(i);
            String child = PartScanner.child(path, r.name);
            if (r.name.endsWith("/")) {
                continue;
            }
            String local = localName(data, r);
            if (!local.equals(r.name)) {
                // Unzippers that read front to back name the file by its local header: judge that name too.
                judgeNameOnly(PartScanner.child(path, local), local);
            }
            if (!r.unicodeName.isEmpty() && !r.unicodeName.equals(r.name) && !r.unicodeName.equals(local)) {
                judgeNameOnly(PartScanner.child(path, r.unicodeName), r.unicodeName);
            }
            if (r.encrypted()) {
                ctx.countEntry(child);
                encrypted++;
                judgeNameOnly(child, r.name);
                continue;
            }
            if (jar && r.name.endsWith(".class")) {
                ctx.countEntry(child);
                continue;
            }
            long start = dataStart[i];
            int len = (int) Math.min(r.compressedSize, data.length - start);
            InputStream raw = new ByteArrayInputStream(data, (int) start, Math.max(len, 0));
            if (r.method == 0) {
                scanEntry(path, child, r.name, raw, depth, () -> -1);
            } else if (r.method == 8) {
                Inflater inflater = new Inflater(true);
                try {
                    Counting counted = new Counting(raw);
                    scanEntry(path, child, r.name, new InflaterInputStream(counted, inflater, 8192), depth,
                            counted::count);
                } finally {
                    inflater.end();
                }
            } else {
                ctx.countEntry(child);
                judgeNameOnly(child, r.name);
                ctx.report(Rule.UNSCANNABLE_ARCHIVE, child, "ZIP compression method " + r.method + " is not expanded");
            }
        }
        if (encrypted > 0) {
            ctx.report(Rule.ENCRYPTED_ARCHIVE, path, "password-protected ZIP: " + encrypted + " of " + records.size()
                    + " entries encrypted, content cannot be inspected");
        }
    }

    private void scanEntry(String path, String child, String name, InputStream in, int depth,
            java.util.function.LongSupplier compressed) throws IOException {
        if (scanner.office().wantsXml(name)) {
            PartScanner.Meter meter = scanner.new Meter(in, child, compressed);
            ctx.countEntry(child);
            byte[] xml = meter.readUpTo(ctx.settings().maxPartBuffer());
            scanner.office().inspectOoxmlPart(path, name, xml, depth + 1);
            return;
        }
        scanner.scanStream(child, name, in, depth + 1, compressed);
    }

    void judgeNameOnly(String child, String name) {
        if (Names.executableByName(name)) {
            ctx.report(Rule.EXECUTABLE, child, "executable or script by name (." + Names.extension(name) + ")");
        }
        if (Names.hasBidiControl(name)) {
            ctx.report(Rule.BIDI_FILENAME, child, "file name contains bidirectional control characters");
        }
        if (Names.doubleExtension(name)) {
            ctx.report(Rule.DOUBLE_EXTENSION, child, "file name hides an executable extension: " + name);
        }
    }

    /**
     * Local headers that overlap another entry's data are the mark of the non-recursive zip bomb (one
     * compressed kernel referenced by every entry): no legitimate archiver writes them.
     */
    private void checkOverlap(String path, byte[] data, List<ZipRecord> records, long[] dataStart) {
        Integer[] order = new Integer[records.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
            ZipRecord r = records.get(i);
            long lho = r.localOffset;
            if (lho < 0 || lho > data.length - 30 || Texts.i32le(data, (int) lho) != 0x04034b50) {
                throw new MalformedArchive("ZIP entry " + r.name + " has no local header");
            }
            int nameLen = Texts.u16le(data, (int) lho + 26);
            int extraLen = Texts.u16le(data, (int) lho + 28);
            dataStart[i] = lho + 30 + nameLen + extraLen;
            if (dataStart[i] > data.length) {
                throw new MalformedArchive("ZIP entry " + r.name + " starts beyond the end");
            }
        }
        java.util.Arrays.sort(order, Comparator.comparingLong(i -> records.get(i).localOffset));
        for (int k = 1; k < order.length; k++) {
            int prev = order[k - 1];
            long prevEnd = dataStart[prev] + records.get(prev).compressedSize;
            if (records.get(order[k]).localOffset < prevEnd) {
                throw new ScanStopped(Rule.ARCHIVE_BOMB, path, "ZIP entries overlap (" + records.get(prev).name
                        + " and " + records.get(order[k]).name + "): non-recursive zip bomb");
            }
        }
    }

    /** The central directory, or {@code null} when there is none to be found (then the ZIP is streamed). */
    private List<ZipRecord> readCentralDirectory(String path, byte[] d) {
        int eocd = -1;
        for (int i = d.length - 22; i >= Math.max(0, d.length - 22 - 65535); i--) {
            if (Texts.i32le(d, i) == 0x06054b50) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) {
            return null;
        }
        long count = Texts.u16le(d, eocd + 10);
        long cdOffset = Texts.u32le(d, eocd + 16);
        if (count == 0xffff || cdOffset == 0xffffffffL) {
            // ZIP64: the locator sits right before the end record.
            int loc = eocd - 20;
            if (loc >= 0 && Texts.i32le(d, loc) == 0x07064b50) {
                long e64 = Texts.u32le(d, loc + 8) | (Texts.u32le(d, loc + 12) << 32);
                if (e64 >= 0 && e64 <= d.length - 56 && Texts.i32le(d, (int) e64) == 0x06064b50) {
                    count = u64(d, (int) e64 + 32);
                    cdOffset = u64(d, (int) e64 + 48);
                }
            }
        }
        long shift = 0;
        long cdSize = Texts.u32le(d, eocd + 12);
        if (cdOffset != 0xffffffffL && cdSize <= eocd && eocd - cdSize > cdOffset
                && Texts.i32le(d, (int) (eocd - cdSize)) == 0x02014b50) {
            // Bytes before the archive (junk, a self-extractor, another ZIP): offsets count from its start,
            // which unzippers find from the end record, as here.
            shift = eocd - cdSize - cdOffset;
            cdOffset += shift;
        }
        if (count > ctx.settings().maxEntries()) {
            throw new ScanStopped(Rule.ARCHIVE_BOMB, path, "ZIP declares " + count
                    + " entries, more than the limit of " + ctx.settings().maxEntries());
        }
        if (cdOffset < 0 || cdOffset >= d.length) {
            return null;
        }
        List<ZipRecord> out = new ArrayList<>();
        int p = (int) cdOffset;
        for (long k = 0; k < count; k++) {
            if (p > d.length - 46 || Texts.i32le(d, p) != 0x02014b50) {
                throw new MalformedArchive("ZIP central directory is cut short after " + k + " entries");
            }
            int flags = Texts.u16le(d, p + 8);
            int method = Texts.u16le(d, p + 10);
            long csize = Texts.u32le(d, p + 20);
            long usize = Texts.u32le(d, p + 24);
            int nameLen = Texts.u16le(d, p + 28);
            int extraLen = Texts.u16le(d, p + 30);
            int commentLen = Texts.u16le(d, p + 32);
            long lho = Texts.u32le(d, p + 42);
            int nameStart = p + 46;
            if (nameStart + nameLen + extraLen > d.length) {
                throw new MalformedArchive("ZIP central directory entry runs past the end");
            }
            String name = new String(d, nameStart, nameLen, (flags & 0x800) != 0
                    ? java.nio.charset.StandardCharsets.UTF_8 : java.nio.charset.Charset.forName("IBM437"));
            // ZIP64 extra: the fields present are those whose 32-bit value is all ones, in this order.
            int x = nameStart + nameLen;
            int xEnd = x + extraLen;
            String unicodeName = "";
            while (x + 4 <= xEnd) {
                int id = Texts.u16le(d, x);
                int size = Texts.u16le(d, x + 2);
                if (id == 1) {
                    int f = x + 4;
                    if (usize == 0xffffffffL && f + 8 <= xEnd) {
                        f += 8;
                    }
                    if (csize == 0xffffffffL && f + 8 <= xEnd) {
                        csize = u64(d, f);
                        f += 8;
                    }
                    if (lho == 0xffffffffL && f + 8 <= xEnd) {
                        lho = u64(d, f);
                    }
                } else if (id == 0x7075 && size > 5 && x + 4 + size <= xEnd) {
                    // version (1), CRC-32 of the header name (4), the name in UTF-8
                    unicodeName = Texts.nfc(new String(d, x + 9, size - 5, java.nio.charset.StandardCharsets.UTF_8));
                }
                x += 4 + size;
            }
            out.add(new ZipRecord(Texts.nfc(name), flags, method, csize, lho + shift, unicodeName));
            p = nameStart + nameLen + extraLen + commentLen;
        }
        return out;
    }

    private static final byte[] LOCAL_HEADER = {'P', 'K', 3, 4};

    /** The name in an entry's local header (checked to exist by {@link #checkOverlap}). */
    private static String localName(byte[] d, ZipRecord r) {
        int lho = (int) r.localOffset;
        int flags = Texts.u16le(d, lho + 6);
        int nameLen = Math.min(Texts.u16le(d, lho + 26), d.length - lho - 30);
        return Texts.nfc(new String(d, lho + 30, Math.max(0, nameLen), (flags & 0x800) != 0
                ? java.nio.charset.StandardCharsets.UTF_8 : java.nio.charset.Charset.forName("IBM437")));
    }

    private static long u64(byte[] d, int off) {
        return Texts.u32le(d, off) | (Texts.u32le(d, off + 4) << 32);
    }

    /** A ZIP without a readable central directory, read front to back as some mail clients' unzippers do. */
    private void walkZipStreaming(String path, byte[] data, int depth) throws IOException {
        int first = Math.max(0, Texts.indexOf(data, 0, data.length, LOCAL_HEADER));
        ZipArchiveInputStream zin = new ZipArchiveInputStream(new ByteArrayInputStream(data, first,
                data.length - first), "UTF-8", true, true);
        ZipFacts facts = new ZipFacts();
        ZipArchiveEntry e;
        int encrypted = 0;
        while ((e = zin.getNextEntry()) != null) {
            String child = PartScanner.child(path, e.getName());
            facts.see(e.getName());
            if (e.isDirectory()) {
                continue;
            }
            if (e.getGeneralPurposeBit().usesEncryption() || !zin.canReadEntryData(e)) {
                ctx.countEntry(child);
                judgeNameOnly(child, e.getName());
                if (e.getGeneralPurposeBit().usesEncryption()) {
                    encrypted++;
                }
                continue;
            }
            scanEntry(path, child, e.getName(), zin, depth, zin::getCompressedCount);
        }
        scanner.office().judgeZipNames(path, facts);
        if (encrypted > 0) {
            ctx.report(Rule.ENCRYPTED_ARCHIVE, path, "password-protected ZIP: " + encrypted
                    + " entries encrypted, content cannot be inspected");
        }
    }

    // ---- 7z -----------------------------------------------------------------------------------------

    private void walkSevenZ(String path, byte[] data, int depth) throws IOException {
        SevenZFile z;
        try {
            z = SevenZFile.builder().setSeekableByteChannel(new SeekableInMemoryByteChannel(data))
                    .setMaxMemoryLimitKiB(DECODER_MEMORY_KB).setTryToRecoverBrokenArchives(false).get();
        } catch (PasswordRequiredException e) {
            ctx.report(Rule.ENCRYPTED_ARCHIVE, path, "password-protected 7z (encrypted headers)");
            return;
        } catch (MemoryLimitException e) {
            throw new ScanStopped(Rule.ARCHIVE_BOMB, path, "7z asks for more decoder memory than allowed");
        }
        try (z) {
            long archiveSize = data.length;
            for (SevenZArchiveEntry e : z.getEntries()) {
                if (e.isDirectory()) {
                    continue;
                }
                String child = PartScanner.child(path, e.getName());
                judgeEncryptedSevenZ(path, e);
                ctx.checkTime(child);
            }
            SevenZArchiveEntry e;
            while ((e = z.getNextEntry()) != null) {
                if (e.isDirectory() || !e.hasStream()) {
                    continue;
                }
                String child = PartScanner.child(path, e.getName());
                try {
                    scanner.scanStream(child, e.getName(), new InputStream() {
                        @Override
                        public int read() throws IOException {
                            return z.read();
                        }

                        @Override
                        public int read(byte[] b, int off, int len) throws IOException {
                            return z.read(b, off, len);
                        }
                    }, depth + 1, () -> archiveSize);
                } catch (PasswordRequiredException ex) {
                    ctx.report(Rule.ENCRYPTED_ARCHIVE, path, "password-protected 7z, content cannot be inspected");
                    judgeNameOnly(child, e.getName());
                }
            }
        } catch (MemoryLimitException e) {
            throw new ScanStopped(Rule.ARCHIVE_BOMB, path, "7z asks for more decoder memory than allowed");
        }
    }

    private void judgeEncryptedSevenZ(String path, SevenZArchiveEntry e) {
        if (e.getContentMethods() == null) {
            return;
        }
        for (var m : e.getContentMethods()) {
            if (m.getMethod() == org.apache.commons.compress.archivers.sevenz.SevenZMethod.AES256SHA256) {
                ctx.report(Rule.ENCRYPTED_ARCHIVE, path, "password-protected 7z, content cannot be inspected");
                judgeNameOnly(PartScanner.child(path, e.getName()), e.getName());
                return;
            }
        }
    }

    // ---- CAB ----------------------------------------------------------------------------------------

    /** Lists the file names of a cabinet (its MSZIP/LZX data is not expanded) and judges them. */
    private void listCab(String path, byte[] d) {
        if (d.length < 36) {
            throw new MalformedArchive("cabinet header cut short");
        }
        long coffFiles = Texts.u32le(d, 16);
        int files = Texts.u16le(d, 28);
        int p = (int) Math.min(coffFiles, Integer.MAX_VALUE);
        for (int k = 0; k < files; k++) {
            if (p < 0 || p + 16 >= d.length) {
                throw new MalformedArchive("cabinet file table cut short");
            }
            int end = p + 16;
            while (end < d.length && d[end] != 0 && end - p < 16 + 1024) {
                end++;
            }
            String name = new String(d, p + 16, end - p - 16, (Texts.u16le(d, p + 14) & 0x80) != 0
                    ? java.nio.charset.StandardCharsets.UTF_8 : java.nio.charset.StandardCharsets.ISO_8859_1);
            String child = PartScanner.child(path, name.replace('\\', '/'));
            ctx.countEntry(child);
            judgeNameOnly(child, name);
            p = end + 1;
        }
        ctx.report(Rule.UNSCANNABLE_ARCHIVE, path, "cabinet with " + files
                + " files: names were judged, content was not expanded");
    }

    // ---- RAR (names only: no RAR decoder is shipped, by licence) ----------------------------------

    /** Lists RAR 4 and RAR 5 file names, judges them, and reports encryption; content is not expanded. */
    private void listRar(String path, byte[] d) {
        int files;
        boolean encrypted;
        if (d.length > 8 && d[6] == 1 && d[7] == 0) {
            long[] r = listRar5(path, d);
            files = (int) r[0];
            encrypted = r[1] != 0;
        } else {
            long[] r = listRar4(path, d);
            files = (int) r[0];
            encrypted = r[1] != 0;
        }
        if (encrypted) {
            ctx.report(Rule.ENCRYPTED_ARCHIVE, path, "password-protected RAR, content cannot be inspected");
        }
        ctx.report(Rule.UNSCANNABLE_ARCHIVE, path, "RAR with " + files
                + " files: names were judged, content was not expanded");
    }

    private long[] listRar4(String path, byte[] d) {
        int p = 7;
        int files = 0;
        boolean encrypted = false;
        for (int guard = 0; p + 7 <= d.length && guard < 100_000; guard++) {
            int type = d[p + 2] & 0xff;
            int flags = Texts.u16le(d, p + 3);
            int headSize = Texts.u16le(d, p + 5);
            if (headSize < 7) {
                throw new MalformedArchive("RAR block header too small");
            }
            long add = (flags & 0x8000) != 0 && p + 11 <= d.length ? Texts.u32le(d, p + 7) : 0;
            if (type == 0x73 && (flags & 0x0080) != 0) {
                return new long[] {files, 1};
            }
            if (type == 0x74 && p + 32 <= d.length) {
                int nameSize = Texts.u16le(d, p + 26);
                int nameAt = p + 32 + ((flags & 0x100) != 0 ? 8 : 0);
                if (nameAt + nameSize > d.length) {
                    throw new MalformedArchive("RAR file header cut short");
                }
                String name = rar4Name(d, nameAt, nameSize).replace('\\', '/');
                String child = PartScanner.child(path, name);
                files++;
                ctx.countEntry(child);
                judgeNameOnly(child, name);
                encrypted |= (flags & 0x04) != 0;
            }
            long next = (long) p + headSize + add;
            if (next <= p || next > d.length) {
                break;
            }
            p = (int) next;
        }
        return new long[] {files, encrypted ? 1 : 0};
    }

    /** RAR 4 names: plain bytes, or bytes + NUL + a compressed Unicode form we do not need to decode. */
    private static String rar4Name(byte[] d, int at, int size) {
        int end = at;
        while (end < at + size && d[end] != 0) {
            end++;
        }
        return new String(d, at, end - at, java.nio.charset.StandardCharsets.UTF_8);
    }

    private long[] listRar5(String path, byte[] d) {
        int[] pos = {8};
        int files = 0;
        boolean encrypted = false;
        for (int guard = 0; pos[0] + 4 < d.length && guard < 100_000; guard++) {
            int blockStart = pos[0];
            pos[0] += 4; // CRC32
            long headerSize = vint(d, pos);
            int headerStart = pos[0];
            long type = vint(d, pos);
            long flags = vint(d, pos);
            long extraSize = (flags & 1) != 0 ? vint(d, pos) : 0;
            long dataSize = (flags & 2) != 0 ? vint(d, pos) : 0;
            if (headerSize <= 0 || headerStart + headerSize > d.length) {
                throw new MalformedArchive("RAR5 header runs past the end");
            }
            if (type == 4) {
                return new long[] {files, 1};
            }
            if (type == 2) {
                long fileFlags = vint(d, pos);
                vint(d, pos); // unpacked size
                vint(d, pos); // attributes
                if ((fileFlags & 2) != 0) {
                    pos[0] += 4;
                }
                if ((fileFlags & 4) != 0) {
                    pos[0] += 4;
                }
                vint(d, pos); // compression
                vint(d, pos); // host OS
                long nameLen = vint(d, pos);
                if (nameLen < 0 || pos[0] + nameLen > headerStart + headerSize) {
                    throw new MalformedArchive("RAR5 name runs past its header");
                }
                String name = new String(d, pos[0], (int) nameLen, java.nio.charset.StandardCharsets.UTF_8);
                boolean dir = (fileFlags & 1) != 0;
                if (!dir) {
                    String child = PartScanner.child(path, name);
                    files++;
                    ctx.countEntry(child);
                    judgeNameOnly(child, name);
                }
                // Extra area: records of size, type; type 1 is file encryption.
                int[] x = {(int) (headerStart + headerSize - extraSize)};
                int xEnd = (int) (headerStart + headerSize);
                for (int k = 0; k < 64 && x[0] < xEnd; k++) {
                    long size = vint(d, x);
                    int recordStart = x[0];
                    long recordType = vint(d, x);
                    if (recordType == 1) {
                        encrypted = true;
                    }
                    if (size <= 0) {
                        break;
                    }
                    x[0] = (int) Math.min(xEnd, recordStart + size);
                }
            }
            long next = headerStart + headerSize + dataSize;
            if (next <= blockStart || next > d.length) {
                break;
            }
            pos[0] = (int) next;
        }
        return new long[] {files, encrypted ? 1 : 0};
    }

    /** RAR5 variable-length integer: 7 bits per byte, high bit continues; at most 10 bytes. */
    private static long vint(byte[] d, int[] pos) {
        long v = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (pos[0] >= d.length) {
                throw new MalformedArchive("RAR5 header cut short");
            }
            int b = d[pos[0]++] & 0xff;
            v |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new MalformedArchive("RAR5 number too long");
    }

    /** Entry names of a ZIP that say what the ZIP is (JAR, OOXML document). */
    static final class ZipFacts {
        final List<String> names = new ArrayList<>();
        boolean jar;
        int classes;
        boolean manifest;

        void see(String name) {
            if (names.size() < 100_000) {
                names.add(name);
            }
            if (name.endsWith(".class")) {
                classes++;
            }
            if (name.equals("META-INF/MANIFEST.MF")) {
                manifest = true;
            }
            jar = classes > 0;
        }
    }

    /** A structurally broken archive; reported as {@code malformed-part}. */
    static final class MalformedArchive extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MalformedArchive(String message) {
            super(message);
        }
    }

    /** Counts bytes read from the compressed side, for ratio checks. */
    static final class Counting extends java.io.FilterInputStream {
        private long count;

        Counting(InputStream in) {
            super(in);
        }

        long count() {
            return count;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = super.skip(n);
            count += Math.max(0, s);
            return s;
        }
    }

}
