package org.streamail.core.internal.spool;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;

/**
 * The durable message spool under {@code ${karaf.data}/streamail/spool/}.
 *
 * <h2>Format</h2> One file per message in {@code queue/<key>.msg}:
 * <pre>
 * STREAMAIL-SPOOL/1\n
 * key: value\n ...            (percent-escaped values: envelope, id, release flag)
 * \n
 * raw message bytes
 * \nSTREAMAIL-END &lt;20-digit raw length&gt; &lt;SHA-256 hex of everything before the trailer&gt;\n
 * </pre>
 * A file whose trailer is missing, whose length disagrees or whose hash does not match is torn or corrupt.
 *
 * <h2>Durability</h2> {@link #write} writes to {@code tmp/}, forces the file to disk, renames it atomically
 * into {@code queue/} and forces the directory; only then does it return. Any failure deletes what was
 * written and throws, so the caller answers 451. Delivery state lives beside an entry in
 * {@code <key>.state}, replaced atomically the same way.
 *
 * <h2>Recovery</h2> On construction, leftovers in {@code tmp/} and invalid queue files are moved to
 * {@code corrupt/} with a WARN naming the path; orphan state files are deleted. Then {@code corrupt/} is pruned
 * ({@link CorruptRetention}, PID {@value #PID}): files older than the age limit, then the oldest beyond the count
 * limit, each named in an INFO line. Nothing is moved there while the spool runs, so pruning at start is enough.
 *
 * <h2>Ownership</h2> {@link #claim} marks an entry as being processed in this process so that recovery,
 * intake, delivery and release never work on the same entry twice at once.
 *
 * <p>Thread-safe. Lifecycle: one instance per bundle activation (DS component) or per test.
 */
@Component(service = Spool.class, configurationPid = Spool.PID)
@Designate(ocd = SpoolConfig.class)
public final class Spool {

    public static final String PID = "org.streamail.spool";

    /**
     * How much of {@code corrupt/} is kept: files moved there longer ago than {@code maxAge}, and the oldest
     * beyond {@code maxFiles}, are deleted when the spool opens. It used to grow without bound (one file per torn
     * write or bad entry at every start, and a disk full of them stops the spool: every message then gets 451).
     */
    public record CorruptRetention(Duration maxAge, int maxFiles) {
        public static final CorruptRetention DEFAULT = new CorruptRetention(Duration.ofDays(30), 1000);
        static final int MAX_DAYS = 3650;
        static final int MAX_FILES = 1_000_000;

        public CorruptRetention {
            if (maxAge.isNegative() || maxAge.isZero() || maxFiles < 1) {
                throw new IllegalArgumentException("corrupt retention must be positive: " + maxAge + ", " + maxFiles);
            }
        }

        /** From the configuration, checked strictly (a value that does not parse or is out of range is named). */
        static CorruptRetention of(SpoolConfig config, Map<String, ?> properties) {
            ConfigCheck.check(PID, SpoolConfig.class, properties)
                    .forEach(k -> LOG.warn("{}: unknown property '{}' ignored (misspelled?)", PID, k));
            int days = config.corrupt_max_age_days();
            int files = config.corrupt_max_files();
            if (days < 1 || days > MAX_DAYS) {
                throw new IllegalArgumentException(PID + ": corrupt.max.age.days must be from 1 to " + MAX_DAYS
                        + ", got " + days);
            }
            if (files < 1 || files > MAX_FILES) {
                throw new IllegalArgumentException(PID + ": corrupt.max.files must be from 1 to " + MAX_FILES
                        + ", got " + files);
            }
            return new CorruptRetention(Duration.ofDays(days), files);
        }
    }

    /** fsync as a seam, so tests can make it fail. */
    @FunctionalInterface
    public interface Syncer {
        void force(FileChannel channel) throws IOException;
    }

    static final String MAGIC = "STREAMAIL-SPOOL/1";
    static final String STATE_MAGIC = "STREAMAIL-STATE/1";
    private static final String TRAILER_TAG = "\nSTREAMAIL-END ";
    /** "\nSTREAMAIL-END " + 20 digits + " " + 64 hex + "\n". */
    static final int TRAILER_LENGTH = TRAILER_TAG.length() + 20 + 1 + 64 + 1;
    /** Envelope header limit: room for thousands of recipients; most headers fit the first 8 KiB read. */
    private static final int MAX_HEADER = 1024 * 1024;
    private static final int FIRST_HEADER_READ = 8 * 1024;
    /**
     * State sidecar limit. It holds the pending recipients and those refused with the hop's reply (one line of at
     * most 300 characters each, percent-escaped), for up to {@link #MAX_RECIPIENTS}: 64 KiB, the old limit, was
     * passed by about 2000 recipients, and the state was then written but ignored at the next start (the message
     * was scanned and sent to every recipient again).
     */
    private static final int MAX_STATE = 32 * 1024 * 1024;
    private static final int MAX_RECIPIENTS = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);

    private final Path root;
    private final Path tmp;
    private final Path queue;
    private final Path corrupt;
    private final Syncer syncer;
    private volatile CorruptRetention retention;
    private final Set<String> claims = ConcurrentHashMap.newKeySet();
    private final Instant openedAt = Instant.now();

    /**
     * DS: the spool under {@code ${karaf.data}/streamail/spool} (karaf.data defaults to {@code ./data}). An invalid
     * configuration is an ERROR and the defaults apply: the intake and delivery depend on the spool, and a
     * housekeeping value must not stop the mail.
     */
    @Activate
    public Spool(SpoolConfig config, Map<String, Object> properties) throws IOException {
        this(Paths.get(System.getProperty("karaf.data", "data"), "streamail", "spool"), ch -> ch.force(true),
                retentionOrDefault(config, properties));
    }

    private static CorruptRetention retentionOrDefault(SpoolConfig config, Map<String, ?> properties) {
        try {
            return CorruptRetention.of(config, properties);
        } catch (IllegalArgumentException e) {
            LOG.error("Spool configuration invalid: {}; using the defaults ({}) until etc/{}.cfg is corrected",
                    e.getMessage(), CorruptRetention.DEFAULT, PID);
            return CorruptRetention.DEFAULT;
        }
    }

    public Spool(Path root) throws IOException {
        this(root, ch -> ch.force(true));
    }

    public Spool(Path root, Syncer syncer) throws IOException {
        this(root, syncer, CorruptRetention.DEFAULT);
    }

    public Spool(Path root, Syncer syncer, CorruptRetention retention) throws IOException {
        this.retention = retention;
        this.root = root.toAbsolutePath();
        this.tmp = this.root.resolve("tmp");
        this.queue = this.root.resolve("queue");
        this.corrupt = this.root.resolve("corrupt");
        this.syncer = syncer;
        Files.createDirectories(tmp);
        Files.createDirectories(queue);
        Files.createDirectories(corrupt);
        recover();
    }

    /**
     * A configuration change is applied in place (a restart of the spool would restart delivery and intake with
     * it), and {@code corrupt/} is pruned by the new limits at once. An invalid change is refused with an ERROR.
     */
    @Modified
    void modified(SpoolConfig config, Map<String, Object> properties) {
        CorruptRetention next;
        try {
            next = CorruptRetention.of(config, properties);
        } catch (IllegalArgumentException e) {
            LOG.error("Spool configuration change refused: {}; keeping the previous configuration ({})",
                    e.getMessage(), retention);
            return;
        }
        retention = next;
        LOG.info("Spool configuration changed: {}", next);
        pruneCorrupt(Instant.now());
    }

    public Path root() {
        return root;
    }

    public Instant openedAt() {
        return openedAt;
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes a message durably and claims it for the caller.
     *
     * @param key        file stem, {@code [A-Za-z0-9-]{1,64}}
     * @param id         message id
     * @param releasedBy the administrator for a release entry, or {@code null} for a received message
     * @return the entry, already claimed by the caller
     * @throws SpoolException if anything failed; nothing is left in the spool then
     */
    public SpoolEntry write(String key, String id, Envelope envelope, String releasedBy, byte[] raw)
            throws SpoolException {
        if (!IdGenerator.isValid(key) || !IdGenerator.isValid(id)) {
            throw new SpoolException("invalid spool key or id: " + key + " / " + id);
        }
        if (!claims.add(key)) {
            throw new SpoolException("spool entry " + key + " is already being processed");
        }
        Path target = queue.resolve(key + ".msg");
        Path temp = tmp.resolve(key + "." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
        boolean moved = false;
        try {
            if (Files.exists(target)) {
                throw new FileAlreadyExistsException(target.toString(), null, "spool entry exists");
            }
            byte[] header = header(id, envelope, releasedBy);
            MessageDigest sha = sha256();
            sha.update(header);
            sha.update(raw);
            byte[] trailer = trailer(raw.length, sha.digest());
            try (FileChannel ch = FileModes.open(temp, FileModes.OWNER, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writeFully(ch, header);
                writeFully(ch, raw);
                writeFully(ch, trailer);
                syncer.force(ch);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            moved = true;
            forceDirectory(queue);
            return new SpoolEntry(key, id, envelope, releasedBy != null, releasedBy, target, header.length, raw.length);
        } catch (IOException | RuntimeException e) {
            claims.remove(key);
            deleteQuietly(temp);
            if (moved) {
                // Not known to be durable: keep nothing, the client retries after 451.
                deleteQuietly(target);
            }
            throw new SpoolException("could not spool message " + id + ": " + e, e);
        }
    }

    /**
     * Replaces the raw message of an entry the caller has claimed, atomically: a new file is written and
     * forced beside it, renamed over it, and the directory forced. A failure leaves the old entry intact.
     *
     * @return the entry describing the new file
     * @throws SpoolException if the replacement could not be made durable
     */
    public SpoolEntry replaceRaw(SpoolEntry entry, byte[] raw) throws SpoolException {
        Path temp = tmp.resolve(entry.key() + "." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36)
                + ".tmp");
        try {
            byte[] header = header(entry.id(), entry.envelope(), entry.released() ? entry.releasedBy() : null);
            MessageDigest sha = sha256();
            sha.update(header);
            sha.update(raw);
            byte[] trailer = trailer(raw.length, sha.digest());
            try (FileChannel ch = FileModes.open(temp, FileModes.OWNER, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writeFully(ch, header);
                writeFully(ch, raw);
                writeFully(ch, trailer);
                syncer.force(ch);
            }
            Files.move(temp, entry.file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            forceDirectory(queue);
            return new SpoolEntry(entry.key(), entry.id(), entry.envelope(), entry.released(), entry.releasedBy(),
                    entry.file(), header.length, raw.length);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(temp);
            throw new SpoolException("could not replace spooled message " + entry.id() + ": " + e, e);
        }
    }

    private static void writeFully(FileChannel ch, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            syncer.force(ch);
        }
    }

    private static byte[] header(String id, Envelope e, String releasedBy) {
        StringBuilder b = new StringBuilder(256).append(MAGIC).append('\n');
        field(b, "id", id);
        field(b, "sender", e.sender());
        for (String r : e.recipients()) {
            field(b, "rcpt", r);
        }
        if (e.clientIp() != null) {
            field(b, "client-ip", e.clientIp());
        }
        if (e.helo() != null) {
            field(b, "helo", e.helo());
        }
        field(b, "tls", Boolean.toString(e.tls()));
        field(b, "received-at", e.receivedAt().toString());
        field(b, "direction", e.direction().name());
        if (e.authenticatedUser() != null) {
            field(b, "auth", e.authenticatedUser());
        }
        if (releasedBy != null) {
            field(b, "released-by", releasedBy);
        }
        b.append('\n');
        byte[] out = b.toString().getBytes(StandardCharsets.US_ASCII);
        if (out.length > MAX_HEADER) {
            throw new IllegalArgumentException("envelope too large for a spool header: " + out.length + " bytes");
        }
        return out;
    }

    private static void field(StringBuilder b, String key, String value) {
        b.append(key).append(": ").append(escape(value)).append('\n');
    }

    /** Percent-escapes '%' and everything outside printable ASCII, so a value is always one line. */
    static String escape(String v) {
        StringBuilder b = new StringBuilder(v.length());
        for (byte x : v.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xFF;
            if (c >= 0x20 && c < 0x7F && c != '%') {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return b.toString();
    }

    static String unescape(String v) {
        if (v.indexOf('%') < 0) {
            return v;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(v.length());
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '%' && i + 2 < v.length()) {
                out.write(Integer.parseInt(v.substring(i + 1, i + 3), 16));
                i += 2;
            } else if (c == '%') {
                throw new IllegalArgumentException("truncated escape in '" + v + "'");
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static byte[] trailer(long length, byte[] digest) {
        return (TRAILER_TAG + String.format(Locale.ROOT, "%020d", length) + " " + HexFormat.of().formatHex(digest)
                + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JRE", e);
        }
    }

    // ---------------------------------------------------------------- reading

    /** Every entry now in the queue, oldest key first (keys are time-sortable), by their headers. */
    public List<SpoolEntry> entries() {
        List<SpoolEntry> out = new ArrayList<>();
        for (Path p : list(queue, "*.msg")) {
            try {
                out.add(readHeader(p, false));
            } catch (IOException | RuntimeException e) {
                LOG.warn("Spool entry {} unreadable, skipped: {}", p, e.toString());
            }
        }
        out.sort((a, b) -> a.key().compareTo(b.key()));
        return out;
    }

    /** The entry with this key, if it is in the queue. */
    public Optional<SpoolEntry> find(String key) {
        Path p = queue.resolve(key + ".msg");
        if (!IdGenerator.isValid(key) || !Files.exists(p)) {
            return Optional.empty();
        }
        try {
            return Optional.of(readHeader(p, false));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Number of entries in the queue. */
    public int size() {
        return list(queue, "*.msg").size();
    }

    /** A stream over the raw message of an entry (not re-parsed, not copied into memory). */
    public InputStream openRaw(SpoolEntry e) throws IOException {
        FileChannel ch = FileChannel.open(e.file(), StandardOpenOption.READ);
        try {
            ch.position(e.rawOffset());
            return new BoundedStream(Channels.newInputStream(ch), e.rawLength());
        } catch (IOException | RuntimeException ex) {
            ch.close();
            throw ex;
        }
    }

    /** The raw message of an entry in memory (for scanning). */
    public byte[] readRaw(SpoolEntry e) throws IOException {
        if (e.rawLength() > Integer.MAX_VALUE - 16) {
            throw new IOException("spool entry " + e.key() + " too large to scan: " + e.rawLength());
        }
        try (InputStream in = openRaw(e)) {
            byte[] b = in.readNBytes((int) e.rawLength());
            if (b.length != e.rawLength()) {
                throw new IOException("spool entry " + e.key() + " shorter than its header says");
            }
            return b;
        }
    }

    private SpoolEntry readHeader(Path p, boolean verify) throws IOException {
        String name = p.getFileName().toString();
        String key = name.substring(0, name.length() - ".msg".length());
        long size = Files.size(p);
        if (size < MAGIC.length() + 2 + TRAILER_LENGTH) {
            throw new IOException("too short (" + size + " bytes)");
        }
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            byte[] h = null;
            int end = -1;
            for (int window = FIRST_HEADER_READ; end < 0; window = MAX_HEADER) {
                ByteBuffer head = ByteBuffer.allocate((int) Math.min(size, window));
                ch.position(0);
                while (head.hasRemaining() && ch.read(head) > 0) {
                    // read the header window fully
                }
                h = head.array();
                for (int i = 1; i < head.position(); i++) {
                    if (h[i] == '\n' && h[i - 1] == '\n') {
                        end = i + 1;
                        break;
                    }
                }
                if (end < 0 && (window == MAX_HEADER || size <= window)) {
                    throw new IOException("no end of header");
                }
            }
            String text = new String(h, 0, end, StandardCharsets.US_ASCII);
            String[] lines = text.split("\n");
            if (!lines[0].equals(MAGIC)) {
                throw new IOException("bad magic '" + lines[0] + "'");
            }
            Map<String, List<String>> f = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int c = lines[i].indexOf(": ");
                if (c <= 0) {
                    throw new IOException("bad header line '" + lines[i] + "'");
                }
                List<String> values = f.computeIfAbsent(lines[i].substring(0, c), k -> new ArrayList<>());
                if (values.size() < MAX_RECIPIENTS) {
                    values.add(unescape(lines[i].substring(c + 2)));
                }
            }
            long rawLength = size - TRAILER_LENGTH - end;
            ByteBuffer tb = ByteBuffer.allocate(TRAILER_LENGTH);
            ch.position(size - TRAILER_LENGTH);
            while (tb.hasRemaining() && ch.read(tb) > 0) {
                // read the trailer fully
            }
            String trailer = new String(tb.array(), StandardCharsets.US_ASCII);
            if (!trailer.startsWith(TRAILER_TAG) || trailer.charAt(TRAILER_LENGTH - 1) != '\n') {
                throw new IOException("no trailer (torn write?)");
            }
            long declared = Long.parseLong(trailer.substring(TRAILER_TAG.length(), TRAILER_TAG.length() + 20));
            if (declared != rawLength) {
                throw new IOException("length " + rawLength + " differs from trailer " + declared);
            }
            if (verify) {
                MessageDigest sha = sha256();
                ch.position(0);
                ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
                long left = size - TRAILER_LENGTH;
                while (left > 0) {
                    buf.clear();
                    if (left < buf.capacity()) {
                        buf.limit((int) left);
                    }
                    int n = ch.read(buf);
                    if (n <= 0) {
                        throw new IOException("unexpected end of file");
                    }
                    buf.flip();
                    sha.update(buf);
                    left -= n;
                }
                String hex = HexFormat.of().formatHex(sha.digest());
                if (!hex.equals(trailer.substring(TRAILER_TAG.length() + 21, TRAILER_TAG.length() + 21 + 64))) {
                    throw new IOException("SHA-256 mismatch");
                }
            }
            String id = one(f, "id", key);
            Envelope env = new Envelope(one(f, "sender", ""), f.getOrDefault("rcpt", List.of()),
                    one(f, "client-ip", null), one(f, "helo", null), Boolean.parseBoolean(one(f, "tls", "false")),
                    Instant.parse(one(f, "received-at", null)), Direction.valueOf(one(f, "direction", "INBOUND")),
                    one(f, "auth", null));
            String releasedBy = one(f, "released-by", null);
            return new SpoolEntry(key, id, env, releasedBy != null, releasedBy, p, end, rawLength);
        }
    }

    private static String one(Map<String, List<String>> f, String key, String dflt) {
        List<String> v = f.get(key);
        return v == null || v.isEmpty() ? dflt : v.get(0);
    }

    // ---------------------------------------------------------------- state sidecar

    /** The state sidecar of an entry, if present and readable. */
    public Optional<Map<String, String>> readState(String key) {
        Path p = queue.resolve(key + ".state");
        if (!Files.exists(p)) {
            return Optional.empty();
        }
        try {
            if (Files.size(p) > MAX_STATE) {
                throw new IOException("state file too large");
            }
            List<String> lines = Files.readAllLines(p, StandardCharsets.US_ASCII);
            if (lines.isEmpty() || !lines.get(0).equals(STATE_MAGIC) || !lines.get(lines.size() - 1).equals("END")) {
                throw new IOException("bad state file format");
            }
            Map<String, String> m = new LinkedHashMap<>();
            for (String l : lines.subList(1, lines.size() - 1)) {
                int c = l.indexOf(": ");
                if (c <= 0) {
                    throw new IOException("bad state line '" + l + "'");
                }
                m.put(l.substring(0, c), unescape(l.substring(c + 2)));
            }
            return Optional.of(m);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Spool state {} unreadable, ignored (the entry is scanned again): {}", p, e.toString());
            return Optional.empty();
        }
    }

    /** Replaces the state sidecar of an entry atomically and durably. */
    public void writeState(String key, Map<String, String> state) throws SpoolException {
        StringBuilder b = new StringBuilder(STATE_MAGIC).append('\n');
        state.forEach((k, v) -> field(b, k, v));
        b.append("END\n");
        if (b.length() > MAX_STATE) {
            // never write what readState would ignore
            throw new SpoolException("spool state of " + key + " too large: " + b.length() + " bytes");
        }
        Path target = queue.resolve(key + ".state");
        Path temp = tmp.resolve(key + "." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36)
                + ".state.tmp");
        try {
            try (FileChannel ch = FileModes.open(temp, FileModes.OWNER, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writeFully(ch, b.toString().getBytes(StandardCharsets.US_ASCII));
                syncer.force(ch);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            forceDirectory(queue);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(temp);
            throw new SpoolException("could not write spool state of " + key + ": " + e, e);
        }
    }

    // ---------------------------------------------------------------- claims and removal

    /** Claims an entry for processing; {@code false} if someone in this process already has it. */
    public boolean claim(String key) {
        return claims.add(key);
    }

    /** Gives up a claim (the entry stays in the spool for whoever claims it next, e.g. after restart). */
    public void unclaim(String key) {
        claims.remove(key);
    }

    public boolean isClaimed(String key) {
        return claims.contains(key);
    }

    /**
     * Removes an entry once it reached its terminal state (delivered, quarantined, rejected, failed). The
     * message file goes first: a crash in between leaves an orphan state file, deleted at the next start.
     */
    public void remove(String key) throws SpoolException {
        try {
            Files.deleteIfExists(queue.resolve(key + ".msg"));
            Files.deleteIfExists(queue.resolve(key + ".state"));
            forceDirectory(queue);
        } catch (IOException e) {
            throw new SpoolException("could not remove spool entry " + key + ": " + e, e);
        } finally {
            claims.remove(key);
        }
    }

    // ---------------------------------------------------------------- recovery

    private void recover() {
        for (Path p : list(tmp, "*")) {
            moveToCorrupt(p, "incomplete write left in tmp/");
        }
        for (Path p : list(queue, "*")) {
            String n = p.getFileName().toString();
            if (n.endsWith(".msg")) {
                try {
                    readHeader(p, true);
                } catch (IOException | RuntimeException e) {
                    moveToCorrupt(p, e.getMessage());
                    Path state = queue.resolve(n.substring(0, n.length() - 4) + ".state");
                    if (Files.exists(state)) {
                        moveToCorrupt(state, "state of a corrupt entry");
                    }
                }
            }
        }
        for (Path p : list(queue, "*.state")) {
            String n = p.getFileName().toString();
            if (!Files.exists(queue.resolve(n.substring(0, n.length() - 6) + ".msg"))) {
                LOG.info("Deleting orphan spool state {}", p);
                deleteQuietly(p);
            }
        }
        pruneCorrupt(Instant.now());
    }

    /** At most this many deleted files are named one by one in the log; a summary line counts them all. */
    private static final int MAX_NAMED = 100;

    /**
     * Deletes what {@link #retention} does not keep of {@code corrupt/}: files moved there before
     * {@code now - maxAge}, then the oldest beyond {@code maxFiles}. A file's age is the time in its name (the
     * move; see {@link #moveToCorrupt}), else its last modification. Each deletion is logged (the first
     * {@value #MAX_NAMED} by name), then one summary line.
     *
     * @return how many files were deleted
     */
    synchronized int pruneCorrupt(Instant now) {
        CorruptRetention retention = this.retention;
        record Aged(Path path, long movedAt) {
        }
        List<Aged> files = new ArrayList<>();
        for (Path p : list(corrupt, "*")) {
            files.add(new Aged(p, movedAt(p)));
        }
        files.sort(java.util.Comparator.comparingLong(Aged::movedAt).thenComparing(a -> a.path().getFileName()));
        long oldest = now.minus(retention.maxAge()).toEpochMilli();
        int excess = files.size() - retention.maxFiles();
        int removed = 0;
        long bytes = 0;
        for (int i = 0; i < files.size(); i++) {
            Aged a = files.get(i);
            boolean tooOld = a.movedAt() < oldest;
            boolean tooMany = i < excess;
            if (!tooOld && !tooMany) {
                break; // sorted oldest first: everything after is younger and within the count
            }
            long size = 0;
            try {
                size = Files.size(a.path());
                Files.delete(a.path());
            } catch (IOException e) {
                LOG.warn("Could not delete {} from the spool's corrupt/: {}", a.path(), e.toString());
                continue;
            }
            removed++;
            bytes += size;
            if (removed <= MAX_NAMED) {
                LOG.info("Deleted {} ({} bytes) from the spool's corrupt/: {}", a.path().getFileName(), size,
                        tooOld ? "moved there before " + Instant.ofEpochMilli(oldest) + " (corrupt.max.age.days "
                                + retention.maxAge().toDays() + ")" : "more than corrupt.max.files "
                                + retention.maxFiles() + " files");
            }
        }
        if (removed > 0) {
            LOG.info("Pruned the spool's corrupt/ {}: {} file(s), {} bytes deleted{}; {} kept", corrupt, removed,
                    bytes, removed > MAX_NAMED ? " (" + (removed - MAX_NAMED) + " not named above)" : "",
                    files.size() - removed);
        }
        return removed;
    }

    /** When a file was moved to corrupt/: the milliseconds its name ends with, else its last modification. */
    private static long movedAt(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        if (dot >= 0 && n.length() - dot - 1 >= 10 && n.length() - dot - 1 <= 15) {
            try {
                return Long.parseLong(n.substring(dot + 1));
            } catch (NumberFormatException e) {
                // not our suffix
            }
        }
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return Long.MIN_VALUE; // unreadable metadata: treated as oldest
        }
    }

    private void moveToCorrupt(Path p, String why) {
        Path target = corrupt.resolve(p.getFileName().toString() + "." + System.currentTimeMillis());
        try {
            Files.move(p, target, StandardCopyOption.ATOMIC_MOVE);
            LOG.warn("Spool file {} is torn or corrupt ({}); moved to {}", p, why, target);
        } catch (IOException e) {
            LOG.error("Spool file {} is torn or corrupt ({}) and could not be moved aside: {}", p, why, e.toString());
        }
    }

    private static List<Path> list(Path dir, String glob) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, glob)) {
            for (Path p : ds) {
                if (Files.isRegularFile(p)) {
                    out.add(p);
                }
            }
        } catch (IOException e) {
            LOG.error("Cannot list spool directory {}: {}", dir, e.toString());
        }
        return out;
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.warn("Could not delete {}: {}", p, e.toString());
        }
    }

    /** Limits a stream to the raw message region, so the trailer never leaks into delivery. */
    private static final class BoundedStream extends FilterInputStream {
        private long left;

        BoundedStream(InputStream in, long length) {
            super(in);
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int c = super.read();
            if (c >= 0) {
                left--;
            }
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = super.skip(Math.min(n, left));
            left -= s;
            return s;
        }

        @Override
        public int available() throws IOException {
            return (int) Math.min(super.available(), left);
        }
    }
}
