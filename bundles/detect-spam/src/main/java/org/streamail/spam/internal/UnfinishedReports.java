package org.streamail.spam.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.spam.ReportKind;

/**
 * The reports whose consequences (the fingerprint's state, the recall, the training, the automatic sender rule)
 * have not all taken effect yet, kept until they have. A report is written here before the store records it
 * ({@link #begin}) and forgotten once everything took effect ({@link #finished}): a report in flight is not
 * offered to the refresh thread, one whose store calls failed ({@link #failed}, {@link #add}) is, and so is every
 * report a previous instance left (the process was killed or the store went away between the report's commit and
 * its state write). Finishing one records it again first, which the store makes idempotent per reporter. Oldest
 * first, at most {@value #MAX}; beyond that the oldest is dropped and the caller warns. A newer report by the same
 * reporter of the same fingerprint supersedes an unfinished one of the other kind: finished later, the older one
 * would put the reporter's earlier opinion back.
 *
 * <p>With a journal directory each entry is also one small file there, written before {@link #add} returns and
 * deleted when the entry is finished or dropped, so a restart of the bundle or of the gateway while the database
 * is down loses none of them: the next instance loads them and its refresh finishes them. One file per report
 * keeps each change to one write (the whole list would be rewritten at each failing report of an outage, up to
 * 200 × 64 KB). A file is written to a temporary name, forced to the disk and moved into place (the directory forced
 * too), so a power cut after the report was acknowledged does not lose it; readable by the gateway's user only;
 * an unreadable file is moved aside with a warning, never retried at each start. Without a journal (tests, a
 * framework without bundle storage) it is memory only.
 *
 * <p>Thread-safe (synchronized; the engine's reporting threads add and remove, its refresh thread finishes).
 */
final class UnfinishedReports {

    private static final Logger LOG = LoggerFactory.getLogger(UnfinishedReports.class);

    /** At most this many unfinished reports are kept (each holds at most {@value Tokenizer#MAX_FEATURES} tokens). */
    static final int MAX = 200;

    private static final int MAGIC = 0x534d5552; // "SMUR"
    private static final int VERSION = 1;
    private static final String SUFFIX = ".report";
    /** A journal file larger than this cannot be one of ours (the largest is ~70 KB). */
    private static final long MAX_FILE_BYTES = 1 << 20;

    private final Map<String, SpamEngine.Recorded> byKey = new LinkedHashMap<>();
    /** Keys of the reports whose reporting call is still running: not offered by {@link #oldest()}. */
    private final java.util.Set<String> inFlight = new java.util.HashSet<>();
    private final Path journal;
    private long lastWriteFailureLog;

    private UnfinishedReports(Path journal) {
        this.journal = journal;
    }

    /** Memory only. */
    static UnfinishedReports inMemory() {
        return new UnfinishedReports(null);
    }

    /**
     * Kept in {@code dir} too, and loaded from it now (what a previous instance left there). Never throws for
     * the directory's content: files that cannot be read are moved aside with a warning.
     */
    static UnfinishedReports journaled(Path dir) {
        UnfinishedReports u = new UnfinishedReports(dir);
        u.load();
        return u;
    }

    static String key(SpamEngine.Recorded r) {
        return r.fingerprintId() + "|" + r.reporter() + "|" + r.kind();
    }

    /**
     * Keeps {@code r} (replacing an earlier try of the same report, which moves to the end).
     *
     * @return the oldest report, dropped because more than {@value #MAX} wait
     */
    synchronized Optional<SpamEngine.Recorded> add(SpamEngine.Recorded r) {
        return keep(r, false);
    }

    /**
     * Keeps {@code r} before the store records it, not yet offered to the refresh thread: the reporting call
     * {@linkplain #finished finishes} it or says it {@linkplain #failed failed}. If the process dies in between,
     * the next instance loads it and finishes it.
     *
     * @return the oldest report, dropped because more than {@value #MAX} wait
     */
    synchronized Optional<SpamEngine.Recorded> begin(SpamEngine.Recorded r) {
        return keep(r, true);
    }

    /** The reporting call of {@code r} failed: the refresh thread finishes it (if it is still kept). */
    synchronized void failed(SpamEngine.Recorded r) {
        inFlight.remove(key(r));
    }

    private Optional<SpamEngine.Recorded> keep(SpamEngine.Recorded r, boolean running) {
        String key = key(r);
        for (ReportKind other : ReportKind.values()) {
            if (other != r.kind()) {
                remove(r.fingerprintId() + "|" + r.reporter() + "|" + other);
            }
        }
        byKey.remove(key);
        byKey.put(key, r);
        if (running) {
            inFlight.add(key);
        } else {
            inFlight.remove(key);
        }
        write(key, r);
        if (byKey.size() <= MAX) {
            return Optional.empty();
        }
        Iterator<Map.Entry<String, SpamEngine.Recorded>> eldest = byKey.entrySet().iterator();
        Map.Entry<String, SpamEngine.Recorded> dropped = eldest.next();
        eldest.remove();
        inFlight.remove(dropped.getKey());
        delete(dropped.getKey());
        return Optional.of(dropped.getValue());
    }

    /** Forgets the report with this key (an earlier try of a report that has now taken effect); cheap when absent. */
    synchronized void remove(String key) {
        inFlight.remove(key);
        if (byKey.remove(key) != null) {
            delete(key);
        }
    }

    /** Forgets {@code r} if it is still the entry for its key (not a newer try of the same report). */
    synchronized void finished(SpamEngine.Recorded r) {
        String key = key(r);
        if (byKey.remove(key, r)) {
            inFlight.remove(key);
            delete(key);
        }
    }

    /** The oldest unfinished report whose reporting call is not running any more. */
    synchronized Optional<SpamEngine.Recorded> oldest() {
        for (Map.Entry<String, SpamEngine.Recorded> e : byKey.entrySet()) {
            if (!inFlight.contains(e.getKey())) {
                return Optional.of(e.getValue());
            }
        }
        return Optional.empty();
    }

    synchronized int size() {
        return byKey.size();
    }

    // ------------------------------------------------------------------------------------------ journal

    private Path file(String key) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return journal.resolve(HexFormat.of().formatHex(h, 0, 16) + SUFFIX);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private void write(String key, SpamEngine.Recorded r) {
        if (journal == null) {
            return;
        }
        Path target = file(key);
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            Files.createDirectories(journal);
            Files.deleteIfExists(tmp);
            try {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(tmp); // not a POSIX file system
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                DataOutputStream d = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch)));
                encode(r, d);
                d.flush();
                ch.force(true); // on the disk before it has its name: a power cut leaves the old file or the new
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            syncDirectory(); // the new name too, before the store records the report
        } catch (IOException | RuntimeException e) {
            long now = System.nanoTime();
            if (lastWriteFailureLog == 0 || now - lastWriteFailureLog > Duration.ofMinutes(1).toNanos()) {
                lastWriteFailureLog = now;
                LOG.warn("Spam: cannot keep the unfinished report {} by {} (ref {}) in {} ({}); it is finished from "
                        + "memory, so a restart before the store answers again would lose its effect", r.kind(),
                        r.reporter(), r.fingerprintId(), journal, e.toString());
            }
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the warning above says enough
            }
        }
    }

    /**
     * Makes the directory's entries durable (a file's name lives in its directory). Linux and the BSDs allow it;
     * where opening a directory fails the rename is as durable as the file system makes it, and the report's file
     * content already is.
     */
    private void syncDirectory() {
        try (FileChannel dir = FileChannel.open(journal, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException | RuntimeException e) {
            LOG.debug("Spam: cannot sync the directory {} ({})", journal, e.toString());
        }
    }

    private void delete(String key) {
        if (journal == null) {
            return;
        }
        Path f = file(key);
        try {
            Files.deleteIfExists(f);
        } catch (IOException e) {
            LOG.warn("Spam: cannot delete {} ({}); the report it holds would be finished again after a restart, "
                    + "which changes nothing", f, e.toString());
        }
    }

    private void load() {
        if (!Files.isDirectory(journal)) {
            return;
        }
        List<SpamEngine.Recorded> found = new ArrayList<>();
        int seen = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(journal)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.endsWith(SUFFIX + ".tmp")) {
                    Files.deleteIfExists(f); // a write the previous instance did not finish: its report failed
                    continue;
                }
                if (!name.endsWith(SUFFIX) || ++seen > 4 * MAX) {
                    continue; // more than a journal of ours can hold: the rest stays for the administrator
                }
                try {
                    found.add(read(f));
                } catch (IOException | RuntimeException e) {
                    Path aside = f.resolveSibling(name + ".bad");
                    LOG.warn("Spam: the unfinished report in {} cannot be read ({}); moved aside to {}", f,
                            e.toString(), aside);
                    Files.move(f, aside, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            LOG.warn("Spam: cannot read the unfinished reports in {} ({}); reports a previous run could not finish "
                    + "take effect with their next report", journal, e.toString());
        }
        found.sort(Comparator.comparing(SpamEngine.Recorded::at).thenComparing(UnfinishedReports::key));
        for (SpamEngine.Recorded r : found) {
            byKey.remove(key(r));
            byKey.put(key(r), r);
        }
        while (byKey.size() > MAX) {
            Iterator<Map.Entry<String, SpamEngine.Recorded>> eldest = byKey.entrySet().iterator();
            String dropped = eldest.next().getKey();
            eldest.remove();
            delete(dropped);
        }
        if (!byKey.isEmpty()) {
            LOG.info("Spam: {} reports recorded before the restart had not taken effect; they are finished as soon "
                    + "as the store answers", byKey.size());
        }
    }

    private static SpamEngine.Recorded read(Path f) throws IOException {
        if (Files.size(f) > MAX_FILE_BYTES) {
            throw new IOException("larger than " + MAX_FILE_BYTES + " bytes");
        }
        try (InputStream in = Files.newInputStream(f)) {
            DataInputStream d = new DataInputStream(new BufferedInputStream(in));
            SpamEngine.Recorded r = decode(d);
            if (d.read() != -1) {
                throw new IOException("bytes after the report");
            }
            return r;
        }
    }

    static void encode(SpamEngine.Recorded r, DataOutputStream d) throws IOException {
        d.writeInt(MAGIC);
        d.writeInt(VERSION);
        d.writeUTF(r.fingerprintId());
        d.writeUTF(r.kind().name());
        d.writeUTF(r.reporter());
        d.writeBoolean(r.admin());
        d.writeUTF(r.sender());
        d.writeLong(r.at().getEpochSecond());
        d.writeInt(r.at().getNano());
        writeNullable(d, r.recallId());
        writeNullable(d, r.claimedMessageId());
        d.writeUTF(r.referenceId());
        d.writeInt(r.tokens().length);
        for (long t : r.tokens()) {
            d.writeLong(t);
        }
    }

    static SpamEngine.Recorded decode(DataInputStream d) throws IOException {
        if (d.readInt() != MAGIC) {
            throw new IOException("not an unfinished report");
        }
        int version = d.readInt();
        if (version != VERSION) {
            throw new IOException("format version " + version + ", this gateway reads " + VERSION);
        }
        String fingerprintId = d.readUTF();
        ReportKind kind = ReportKind.valueOf(d.readUTF());
        String reporter = d.readUTF();
        boolean admin = d.readBoolean();
        String sender = d.readUTF();
        Instant at = Instant.ofEpochSecond(d.readLong(), d.readInt());
        String recallId = readNullable(d);
        String claimed = readNullable(d);
        String referenceId = d.readUTF();
        int n = d.readInt();
        if (n < 0 || n > Tokenizer.MAX_FEATURES) {
            throw new IOException(n + " tokens, at most " + Tokenizer.MAX_FEATURES + " expected");
        }
        long[] tokens = new long[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = d.readLong();
        }
        if (fingerprintId.isEmpty() || reporter.isBlank()) {
            throw new IOException("no fingerprint or reporter");
        }
        return new SpamEngine.Recorded(fingerprintId, kind, reporter, admin, sender, at, recallId, claimed,
                referenceId, tokens);
    }

    private static void writeNullable(DataOutputStream d, String s) throws IOException {
        d.writeBoolean(s != null);
        if (s != null) {
            d.writeUTF(s);
        }
    }

    private static String readNullable(DataInputStream d) throws IOException {
        return d.readBoolean() ? d.readUTF() : null;
    }
}
