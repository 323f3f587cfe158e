package org.streamail.smtp.internal.server;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.store.SharedState;

/**
 * The harvest blocks every gateway node on one database shares through the store's {@link SharedState}: a client
 * (address, IPv6 by its /64, as {@link IntrusionAlarm#rateKey}) that one node blocked for directory harvesting is
 * refused by every node until the block ends, and by a node that restarts or changes its configuration in between. A
 * harvester blocked on one MX host would otherwise move to the next one (same MX, several A records) and get a fresh
 * budget there. The <em>block</em> is shared, not the count: each node still counts unknown recipients on its own
 * ({@link HarvestTracker}), and the node whose count reaches the limit writes one block, once.
 *
 * <p><b>Records.</b> {@link SharedState} has no delete and no listing, so the blocks live in a fixed table of
 * {@value #SLOTS} records, {@code streamail.smtp-harvest.<n>}, each holding at most {@value #MAX_PER_RECORD} blocks,
 * one {@code <client key> <end, epoch seconds>} line each. A block goes into its home slot (by the key's hash) or,
 * when that holds {@value #MAX_PER_RECORD} blocks still running, the next one with room. Each write drops the
 * record's blocks that have ended. So the records never exceed {@value #SLOTS} × 8000 characters and at most
 * {@value #SLOTS} × {@value #MAX_PER_RECORD} blocks run at once over all nodes; past that a block stays on the node
 * that made it. Write rate: one compare-and-set (and a retry or two when another node writes the same record at the
 * same moment) per newly blocked client, never one per recipient.
 *
 * <p><b>Reading.</b> A session never reads the store: {@link #blocked} looks at a local copy that one daemon thread
 * (also the only writer) rebuilds every {@code refreshMillis} (2 s in service). A writer bumps the version of one more
 * record, {@value #INDEX}, after each block it wrote; a refresh reads that record and reads the {@value #SLOTS} slots
 * only when its version moved (or {@value #FULL_READ_SECONDS} s after the last full reading, in case a writer stopped
 * between its two writes), so an idle gateway reads one record per interval, not {@value #SLOTS}. A block written on
 * one node is therefore refused on another within that interval plus the store's own latency.
 * {@link #start} reads the records before the listener greets anyone (waiting for that at most
 * {@value #START_WAIT_SECONDS} s), so a restarted node refuses a blocked client from its first session.
 *
 * <p><b>Failures.</b> The store may be absent (no store bundle) or fail: the node then goes on with its own count
 * only, keeps the blocks it had read until they end, keeps its own new blocks to write for when the store is back
 * (at most {@value #MAX_PENDING}), and logs one WARN a minute at most. Nothing here ever refuses mail because of the
 * store, and no session thread ever waits for it.
 *
 * <p>The nodes' clocks must agree (NTP): a block's end is an instant, and a node whose clock is behind keeps it
 * that much longer.
 *
 * <p>Threading: {@link #blocked} and {@link #publish} are called by session threads and never block; the store is used
 * only on this object's own thread, or on the caller's in {@link #refresh} (tests). Lifecycle: {@link #start} once,
 * {@link #close} once, with the listener.
 */
public final class SharedHarvestBlocks implements AutoCloseable {

    /** Prefix of the records' names; the slot number follows. */
    static final String PREFIX = "streamail.smtp-harvest.";
    /** Records in the table. */
    static final int SLOTS = 16;
    /** The record whose version says that a slot changed. */
    static final String INDEX = PREFIX + "index";
    /** A full reading of the slots at least this often, whatever the index says. */
    static final long FULL_READ_SECONDS = 60;
    /** Blocks one record holds at most: 120 lines of at most 59 characters stay under the 8000 of a record. */
    static final int MAX_PER_RECORD = 120;
    /** Longest client key: an IPv4 address or an IPv6 /64 ({@code ffff:...:ffff::/64}) is far shorter. */
    static final int MAX_KEY = 45;
    /** Blocks waiting to be written at most (the store is down, or slow). */
    static final int MAX_PENDING = 1000;
    /** Compare-and-set attempts on one record when other nodes keep changing it. */
    static final int MAX_ATTEMPTS = 8;
    /** The refresh interval in service: the staleness bound of the local copy. */
    public static final long REFRESH_MILLIS = 2000;
    /** Longest wait in {@link #start} for the first reading of the records. */
    static final int START_WAIT_SECONDS = 2;
    /** At most one WARN about the store per this many milliseconds. */
    static final long WARN_INTERVAL_MILLIS = 60_000;

    private static final Logger LOG = LoggerFactory.getLogger(SharedHarvestBlocks.class);

    private final Supplier<SharedState> shared;
    private final Clock clock;
    private final long refreshMillis;
    /** Client key → end of its block, from the records and this node's own blocks; replaced whole, never changed. */
    private volatile Map<String, Instant> copy = Map.of();
    /** This node's blocks not yet written, key → end. Guarded by itself. */
    private final Map<String, Instant> pending = new LinkedHashMap<>();
    /** Whether a write task is queued on the thread already (one at a time is enough: it takes every pending block). */
    private final AtomicBoolean writeQueued = new AtomicBoolean();
    /** Serialises the store work of the thread and of {@link #refresh} callers. */
    private final Object storeLock = new Object();
    /**
     * Guards replacing {@link #copy}, for a few map operations, never during store I/O. A refresh takes the pending
     * blocks under it, so a block published while the refresh read the records is not lost from the copy.
     */
    private final Object copyLock = new Object();
    private final Object warnLock = new Object();
    /** {@link Clock#millis()} of the last WARN; guarded by {@code warnLock}. */
    private long lastWarnMillis;
    private boolean warned;
    private boolean failing;
    private int failuresSinceWarn;
    private int warnings;
    private volatile ScheduledExecutorService thread;
    /** The index version the last full reading saw, -1 before one; guarded by {@code storeLock}. */
    private long indexSeen = -1;
    /** When the slots were last read whole; guarded by {@code storeLock}. */
    private Instant fullRead = Instant.MIN;
    /** The blocks the last full reading found (ended ones dropped at each use); guarded by {@code storeLock}. */
    private Map<String, Instant> lastRead = Map.of();
    /** Full readings of the slots so far, for tests. */
    private int fullReadings;

    /**
     * @param shared the store's shared records right now, or {@code null} while there is no store; asked at each use
     */
    public SharedHarvestBlocks(Supplier<SharedState> shared) {
        this(shared, Clock.systemUTC(), REFRESH_MILLIS);
    }

    /**
     * @param shared        the store's shared records right now, or {@code null} while there is none
     * @param clock         the time block ends are measured in (the nodes' clocks must agree)
     * @param refreshMillis how often the local copy is rebuilt from the records; 0 = only by {@link #refresh} (tests)
     */
    SharedHarvestBlocks(Supplier<SharedState> shared, Clock clock, long refreshMillis) {
        this.shared = Objects.requireNonNull(shared, "shared");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (refreshMillis < 0) {
            throw new IllegalArgumentException("refresh interval " + refreshMillis + " < 0");
        }
        this.refreshMillis = refreshMillis;
    }

    /**
     * Starts the thread, reads the records (waiting at most {@value #START_WAIT_SECONDS} s for that: a store that does
     * not answer delays the listener's start, never its sessions) and then refreshes them every interval.
     *
     * @param threadName the daemon thread's name
     */
    void start(String threadName) {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, threadName);
            th.setDaemon(true);
            return th;
        });
        t.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        thread = t;
        Future<?> first = t.submit(this::refresh);
        try {
            first.get(START_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            LOG.warn("SMTP harvest: the shared harvest blocks could not be read within {} s; the listener starts"
                    + " without them and reads them in the background", START_WAIT_SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            LOG.warn("SMTP harvest: reading the shared harvest blocks failed", e.getCause());
        }
        if (refreshMillis > 0) {
            t.scheduleWithFixedDelay(this::refresh, refreshMillis, refreshMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** Stops the thread; a store call in progress is left to end on its own (the thread is a daemon). */
    @Override
    public void close() {
        ScheduledExecutorService t = thread;
        if (t != null) {
            t.shutdownNow();
        }
    }

    /**
     * Whether a block of the client, written by any node (this one included) and read at the last refresh, is still
     * running. Reads only the local copy.
     *
     * @param ip the client's address, or {@code null} (never blocked)
     */
    boolean blocked(String ip) {
        Map<String, Instant> c = copy;
        if (c.isEmpty() || ip == null || ip.isEmpty()) {
            return false;
        }
        Instant end = c.get(IntrusionAlarm.rateKey(ip));
        return end != null && end.isAfter(clock.instant());
    }

    /**
     * Shares the block of a client this node has just blocked: it goes into the local copy at once and is written by
     * the thread (never on the caller's). A block already known to end as late is not written again.
     *
     * @param ip       the client's address
     * @param duration how long the block lasts from now (the rest of the client's harvest window)
     */
    void publish(String ip, Duration duration) {
        if (ip == null || ip.isEmpty() || duration.isNegative() || duration.isZero()) {
            return;
        }
        String key = IntrusionAlarm.rateKey(ip);
        if (!validKey(key)) {
            return;
        }
        Instant now = clock.instant();
        // Whole seconds, rounded up: the block never ends before this node's own listing does.
        Instant end = Instant.ofEpochSecond(now.plus(duration).plusNanos(999_999_999).getEpochSecond());
        Instant known = copy.get(key);
        if (known != null && !known.isBefore(end)) {
            return;
        }
        synchronized (pending) {
            if (pending.size() >= MAX_PENDING && !pending.containsKey(key)) {
                LOG.debug("SMTP harvest: {} blocks wait to be shared already; the block of {} stays on this node",
                        MAX_PENDING, key);
                return;
            }
            pending.merge(key, end, SharedHarvestBlocks::later);
        }
        synchronized (copyLock) { // never held during store I/O: a session thread does not wait here
            Map<String, Instant> next = new HashMap<>(copy);
            next.merge(key, end, SharedHarvestBlocks::later);
            copy = Map.copyOf(next);
        }
        ScheduledExecutorService t = thread;
        if (t != null && writeQueued.compareAndSet(false, true)) {
            try {
                t.execute(() -> {
                    writeQueued.set(false);
                    refresh();
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                writeQueued.set(false); // closed: the listener is stopping
            }
        }
    }

    /**
     * Writes this node's pending blocks and rebuilds the local copy from every record. Runs on the thread (and in
     * tests on the caller's); never throws: a store failure is logged (at most one WARN a minute) and the local copy
     * kept, less the blocks that have ended.
     */
    void refresh() {
        synchronized (storeLock) {
            Instant now = clock.instant();
            SharedState s = shared.get();
            if (s == null) {
                replaceCopy(null, now);
                return;
            }
            try {
                writePending(s, now);
                long index = s.read(INDEX).map(SharedState.Entry::version).orElse(0L);
                if (index != indexSeen || !now.isBefore(fullRead.plusSeconds(FULL_READ_SECONDS))) {
                    Map<String, Instant> read = new HashMap<>();
                    for (int n = 0; n < SLOTS; n++) {
                        Optional<SharedState.Entry> e = s.read(recordName(n));
                        if (e.isPresent()) {
                            parse(e.get().value(), now).forEach((k, v) -> read.merge(k, v, SharedHarvestBlocks::later));
                        }
                    }
                    indexSeen = index;
                    fullRead = now;
                    lastRead = read;
                    fullReadings++;
                }
                replaceCopy(lastRead, now);
                recovered();
            } catch (RuntimeException e) {
                failed(e);
                replaceCopy(null, now);
            }
        }
    }

    /** WARN lines logged about the store, for tests. */
    int warnings() {
        synchronized (warnLock) {
            return warnings;
        }
    }

    /** Full readings of the slots so far, for tests. */
    int fullReadings() {
        synchronized (storeLock) {
            return fullReadings;
        }
    }

    /** Blocks in the local copy (running or not), for tests. */
    int known() {
        return copy.size();
    }

    /** Blocks waiting to be written, for tests. */
    int pending() {
        synchronized (pending) {
            return pending.size();
        }
    }

    /** The record name of slot {@code n}. */
    static String recordName(int n) {
        return PREFIX + n;
    }

    /** The home slot of a client key. {@link String#hashCode} is the same on every node and every JVM. */
    static int home(String key) {
        return Math.floorMod(key.hashCode(), SLOTS);
    }

    /**
     * The blocks a record's value holds that still run at {@code now}. Lenient: a line that is not {@code <key>
     * <epoch seconds>} is skipped, so a damaged record stops nothing; at most {@value #MAX_PER_RECORD} lines are read.
     */
    static Map<String, Instant> parse(String value, Instant now) {
        Map<String, Instant> out = new LinkedHashMap<>();
        String[] lines = value.split("\n", MAX_PER_RECORD + 1);
        for (int i = 0; i < Math.min(lines.length, MAX_PER_RECORD); i++) {
            String line = lines[i].strip();
            int sp = line.indexOf(' ');
            if (sp <= 0) {
                continue;
            }
            String key = line.substring(0, sp);
            try {
                Instant end = Instant.ofEpochSecond(Long.parseLong(line.substring(sp + 1).strip()));
                if (validKey(key) && end.isAfter(now)) {
                    out.merge(key, end, SharedHarvestBlocks::later);
                }
            } catch (NumberFormatException | java.time.DateTimeException e) {
                // a damaged line: skipped
            }
        }
        return out;
    }

    /** A record's value: one {@code <key> <epoch seconds>} line per block. */
    static String format(Map<String, Instant> blocks) {
        StringBuilder b = new StringBuilder();
        blocks.forEach((k, v) -> b.append(k).append(' ').append(v.getEpochSecond()).append('\n'));
        return b.toString();
    }

    /** A client key as {@link IntrusionAlarm#rateKey} makes it from a socket's address: hex digits, dots, colons, /. */
    static boolean validKey(String key) {
        if (key.isEmpty() || key.length() > MAX_KEY) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.'
                    || c == ':' || c == '/';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * Writes each pending block, removing it once written (or once it has ended, or when every record is full of
     * running blocks: it stays on this node). One left unwritten because other nodes kept changing its record is
     * tried again at the next refresh. Throws what the store throws; what was written stays written.
     */
    private void writePending(SharedState s, Instant now) {
        List<Map.Entry<String, Instant>> todo;
        synchronized (pending) {
            pending.values().removeIf(end -> !end.isAfter(now));
            todo = new ArrayList<>(pending.entrySet());
        }
        for (Map.Entry<String, Instant> b : todo) {
            Boolean done = write(s, b.getKey(), b.getValue(), now);
            if (done != null) {
                if (!done) {
                    LOG.debug("SMTP harvest: every shared record holds {} running blocks; the block of {} stays on"
                            + " this node", MAX_PER_RECORD, b.getKey());
                }
                synchronized (pending) {
                    pending.remove(b.getKey(), b.getValue());
                }
            }
        }
    }

    /**
     * Writes one block into its home slot or the next with room.
     *
     * @return true when written (or a block as long was there), false when every record is full, {@code null} when
     *         other nodes kept changing a record (try again later)
     */
    private static Boolean write(SharedState s, String key, Instant end, Instant now) {
        int home = home(key);
        for (int p = 0; p < SLOTS; p++) {
            String name = recordName((home + p) % SLOTS);
            boolean full = false;
            for (int attempt = 0; attempt < MAX_ATTEMPTS && !full; attempt++) {
                Optional<SharedState.Entry> e = s.read(name);
                Map<String, Instant> blocks = e.map(x -> parse(x.value(), now)).orElseGet(LinkedHashMap::new);
                Instant have = blocks.get(key);
                if (have != null && !have.isBefore(end)) {
                    return true;
                }
                if (have == null && blocks.size() >= MAX_PER_RECORD) {
                    full = true;
                    continue;
                }
                blocks.put(key, end);
                long version = e.map(SharedState.Entry::version).orElse(0L);
                if (s.compareAndSet(name, version, format(blocks)).isPresent()) {
                    bumpIndex(s, now);
                    return true;
                }
            }
            if (!full) {
                return null;
            }
        }
        return false;
    }

    /**
     * Moves the index record's version on, so the other nodes read the slots at their next refresh. A bump lost to
     * other writers is no loss: theirs moved the version too (and the full reading every
     * {@value #FULL_READ_SECONDS} s covers a writer that stopped in between).
     */
    private static void bumpIndex(SharedState s, Instant now) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            long version = s.read(INDEX).map(SharedState.Entry::version).orElse(0L);
            if (s.compareAndSet(INDEX, version, "changed " + now.getEpochSecond()).isPresent()) {
                return;
            }
        }
    }

    /** The copy from {@code read} (or the copy as it is, when null) and the pending blocks, those ended left out. */
    private void replaceCopy(Map<String, Instant> read, Instant now) {
        synchronized (copyLock) {
            copy = running(read == null ? copy : read, pendingCopy(), now);
        }
    }

    private Map<String, Instant> pendingCopy() {
        synchronized (pending) {
            return new HashMap<>(pending);
        }
    }

    /** The blocks of both maps that still run at {@code now}, each key with its later end. */
    private static Map<String, Instant> running(Map<String, Instant> a, Map<String, Instant> b, Instant now) {
        Map<String, Instant> out = new HashMap<>();
        a.forEach((k, v) -> {
            if (v.isAfter(now)) {
                out.merge(k, v, SharedHarvestBlocks::later);
            }
        });
        b.forEach((k, v) -> {
            if (v.isAfter(now)) {
                out.merge(k, v, SharedHarvestBlocks::later);
            }
        });
        return Map.copyOf(out);
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private void failed(RuntimeException e) {
        long now = clock.millis();
        synchronized (warnLock) {
            failing = true;
            if (warned && now - lastWarnMillis < WARN_INTERVAL_MILLIS) {
                failuresSinceWarn++;
                LOG.debug("SMTP harvest: the store's shared records failed again: {}", e.toString());
                return;
            }
            int before = failuresSinceWarn;
            failuresSinceWarn = 0;
            warned = true;
            lastWarnMillis = now;
            warnings++;
            LOG.warn("SMTP harvest: the store's shared harvest blocks cannot be read or written ({}); this node goes on"
                    + " with its own count only{}", e.toString(),
                    before > 0 ? " (" + before + " more failure(s) since the last warning)" : "");
        }
    }

    private void recovered() {
        synchronized (warnLock) {
            if (failing) {
                failing = false;
                LOG.info("SMTP harvest: the store's shared harvest blocks can be read again");
            }
        }
    }
}
