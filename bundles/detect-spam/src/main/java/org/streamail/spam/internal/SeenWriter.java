package org.streamail.spam.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.spam.SpamStore;

/**
 * Writes the summaries of inspected messages ({@link SpamStore.SeenMessage}) to the shared store, so a report by
 * gateway id works on every node sharing the database and after a restart ({@code recent.shared.hours}), and deletes
 * those older than that.
 *
 * <p>The SMTP DATA path only {@linkplain #offer offers} a summary to a bounded queue of {@value #QUEUE}: it never
 * waits for the database and never gets an exception from it. One daemon thread of minimum priority
 * ({@value #THREAD}, started by {@link #start()}) collects what arrives within {@link #FLUSH_INTERVAL} of the first
 * summary waiting, up to {@value #BATCH}, and stores it in one transaction: a summary reaches the database at most
 * about {@code FLUSH_INTERVAL} plus one write after the inspection (the staleness bound of reports by id on other
 * nodes; this node's own {@link RecentMessages} cover the gap). When the queue is full (the database slow or down)
 * the newest summary is dropped and counted, with a WARN at most once a minute. A batch the store fails (the database
 * down or timing out) is kept and tried again after {@link #RETRY_FIRST}, doubling up to {@link #RETRY_MAX}; while it
 * waits no newer batch is written (a re-inspection's summary never overtakes its older one) and new summaries wait in
 * the queue, so what is held stays bounded by {@value #QUEUE} + {@value #BATCH}. A summary older than
 * {@code recent.shared.hours} by the time it could be written is dropped, and so is one the store refuses as out of
 * its bounds ({@link IllegalArgumentException}: the batch's others are written one by one). Every
 * {@link #CLEAN_INTERVAL} the thread deletes the summaries older than {@code recent.shared.hours}, in bounded
 * batches.
 *
 * <p>{@link #close()} stops accepting, lets the thread write what is queued and waits at most {@link #STOP_WAIT}.
 * A writer that was never started (unit tests, the bench) only writes when {@link #flush()} is called. A writer with
 * a zero {@code keep} is off: it accepts nothing and has no thread. Thread-safe.
 */
final class SeenWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SeenWriter.class);
    static final String THREAD = "streamail-spam-seen-writer";
    /** Summaries waiting at most (about 2 KB each on spam-1: some 20 MB at worst). */
    static final int QUEUE = 10_000;
    /** Summaries per transaction. */
    static final int BATCH = 200;
    static final Duration FLUSH_INTERVAL = Duration.ofSeconds(1);
    static final Duration CLEAN_INTERVAL = Duration.ofMinutes(10);
    static final Duration STOP_WAIT = Duration.ofSeconds(5);
    /** First wait before a failed batch is tried again; each further failure doubles it, up to {@link #RETRY_MAX}. */
    static final Duration RETRY_FIRST = Duration.ofSeconds(1);
    static final Duration RETRY_MAX = Duration.ofMinutes(1);
    /** Rows per delete transaction, and delete transactions per cleaning. */
    static final int DELETE_BATCH = 1000;
    static final int MAX_DELETE_BATCHES = 1000;
    private static final long LOG_EVERY_NANOS = Duration.ofMinutes(1).toNanos();

    private final SpamStore store;
    private final Duration keep;
    private final Clock clock;
    private final ArrayBlockingQueue<SpamStore.SeenMessage> queue;
    /** One writer at a time, so a re-inspection's summary is never overtaken by its older one. */
    private final Object writeLock = new Object();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong droppedSinceLog = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong lastDropLog;
    private volatile long lastFailureLog;
    private volatile boolean closed;
    private Thread thread; // guarded by this
    /** The batch the store failed, tried again before any newer one; guarded by writeLock. */
    private final List<SpamStore.SeenMessage> retry = new ArrayList<>();
    private Duration retryWait = RETRY_FIRST; // guarded by writeLock
    private long retryAt; // System.nanoTime(); guarded by writeLock

    /**
     * @param keep     how long summaries are kept ({@code recent.shared.hours}); zero: off
     * @param capacity the queue's bound (tests use a small one)
     */
    SeenWriter(SpamStore store, Duration keep, Clock clock, int capacity) {
        this.store = Objects.requireNonNull(store, "store");
        this.keep = Objects.requireNonNull(keep, "keep");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.queue = new ArrayBlockingQueue<>(Math.max(1, capacity));
        long now = System.nanoTime();
        this.lastDropLog = new AtomicLong(now - LOG_EVERY_NANOS);
        this.lastFailureLog = now - LOG_EVERY_NANOS;
    }

    /** Whether summaries are kept at all ({@code recent.shared.hours > 0}). */
    boolean enabled() {
        return !keep.isZero();
    }

    /** How long summaries are kept. */
    Duration keep() {
        return keep;
    }

    /** Starts the thread (once; nothing when off or closed). */
    synchronized void start() {
        if (thread != null || !enabled() || closed) {
            return;
        }
        thread = new Thread(this::run, THREAD);
        thread.setDaemon(true);
        thread.setPriority(Thread.MIN_PRIORITY);
        thread.start();
    }

    /**
     * Queues a summary for writing; never blocks, never throws. A full queue drops it (the newest), counted, with a
     * WARN at most once a minute.
     */
    void offer(SpamStore.SeenMessage m) {
        if (!enabled() || closed || m == null) {
            return;
        }
        if (!queue.offer(m)) {
            dropped.incrementAndGet();
            long since = droppedSinceLog.incrementAndGet();
            long now = System.nanoTime();
            long last = lastDropLog.get();
            if (now - last >= LOG_EVERY_NANOS && lastDropLog.compareAndSet(last, now)) {
                droppedSinceLog.addAndGet(-since);
                LOG.warn("Spam: {} summaries of inspected messages wait for the database already; {} dropped since the "
                        + "last warning ({} in all): those messages can be reported by id only on the node that "
                        + "inspected them, until it restarts", queue.size(), since, dropped.get());
            }
        }
    }

    /** Summaries dropped since the start: queue full, or refused or failed by the store. */
    long dropped() {
        return dropped.get();
    }

    /** Summaries written since the start. */
    long written() {
        return written.get();
    }

    int queued() {
        return queue.size();
    }

    /** Summaries of a failed batch waiting to be tried again. */
    int retrying() {
        synchronized (writeLock) {
            return retry.size();
        }
    }

    /**
     * Writes what waits now, on the calling thread: the failed batch first (without waiting for its time), then the
     * queue in batches of {@value #BATCH}; never throws. Stops at the first batch the store fails, which is kept for
     * the next try. For {@link #close()} and tests.
     *
     * @return how many summaries were written
     */
    int flush() {
        int n = 0;
        synchronized (writeLock) {
            if (!retry.isEmpty()) {
                n += retryNow();
                if (!retry.isEmpty()) {
                    return n;
                }
            }
            for (int rounds = 0; rounds <= QUEUE / BATCH + 1; rounds++) {
                List<SpamStore.SeenMessage> batch = new ArrayList<>(BATCH);
                queue.drainTo(batch, BATCH);
                if (batch.isEmpty()) {
                    break;
                }
                n += write(batch);
                if (!retry.isEmpty()) {
                    break;
                }
            }
        }
        return n;
    }

    /** Tries the failed batch again now, without its old summaries; on failure waits twice as long next time. */
    private int retryNow() {
        Instant cutoff = clock.instant().minus(keep);
        int before = retry.size();
        retry.removeIf(m -> m.seenAt().isBefore(cutoff));
        dropped.addAndGet(before - retry.size());
        if (retry.isEmpty()) {
            return 0;
        }
        List<SpamStore.SeenMessage> batch = new ArrayList<>(retry);
        retry.clear();
        int n = write(batch);
        if (n > 0) {
            LOG.info("Spam: the store answers again; {} summaries of inspected messages written after a failure", n);
        }
        return n;
    }

    /**
     * Deletes the summaries older than {@code keep} (in batches of {@value #DELETE_BATCH}, at most
     * {@value #MAX_DELETE_BATCHES} of them); never throws.
     *
     * @return how many were deleted
     */
    int clean() {
        if (!enabled()) {
            return 0;
        }
        Instant cutoff = clock.instant().minus(keep);
        int n = 0;
        try {
            for (int i = 0; i < MAX_DELETE_BATCHES; i++) {
                int deleted = store.deleteSeenBefore(cutoff, DELETE_BATCH);
                n += deleted;
                if (deleted < DELETE_BATCH || closed) {
                    break;
                }
            }
            if (n > 0) {
                LOG.debug("Spam: deleted {} summaries of messages inspected before {}", n, cutoff);
            }
        } catch (RuntimeException e) {
            failure("deleting summaries of inspected messages older than " + keep.toHours() + " h", 0, e);
        }
        return n;
    }

    /** Writes the batch; if the store fails it, keeps it in {@link #retry} for later (never throws). */
    private int write(List<SpamStore.SeenMessage> batch) {
        synchronized (writeLock) {
            try {
                store.saveSeen(batch);
                written.addAndGet(batch.size());
                retryWait = RETRY_FIRST;
                return batch.size();
            } catch (IllegalArgumentException e) {
                // one summary out of the store's bounds: keep the others
                int n = 0;
                for (SpamStore.SeenMessage m : batch) {
                    try {
                        store.saveSeen(List.of(m));
                        written.incrementAndGet();
                        n++;
                    } catch (RuntimeException one) {
                        failure("storing the summary of " + m.gatewayId(), 1, one);
                    }
                }
                return n;
            } catch (RuntimeException e) {
                retry.addAll(batch);
                retryAt = System.nanoTime() + retryWait.toNanos();
                long now = System.nanoTime();
                if (now - lastFailureLog >= LOG_EVERY_NANOS) {
                    lastFailureLog = now;
                    LOG.warn("Spam: storing {} summaries of inspected messages failed ({}); tried again in {} s, "
                            + "{} more wait in the queue (warned at most once a minute)", batch.size(), e.toString(),
                            retryWait.toSeconds(), queue.size());
                }
                Duration doubled = retryWait.multipliedBy(2);
                retryWait = doubled.compareTo(RETRY_MAX) > 0 ? RETRY_MAX : doubled;
                return 0;
            }
        }
    }

    private void failure(String what, int lost, RuntimeException e) {
        dropped.addAndGet(lost);
        long now = System.nanoTime();
        if (now - lastFailureLog >= LOG_EVERY_NANOS) {
            lastFailureLog = now;
            LOG.warn("Spam: {} failed ({}); {} dropped in all, those messages can be reported by id only on the node "
                    + "that inspected them (warned at most once a minute)", what, e.toString(), dropped.get());
        }
    }

    /**
     * With a failed batch waiting: tries it once its time has come, else waits for that time (at most
     * {@link #FLUSH_INTERVAL}, so closing and cleaning are not delayed).
     *
     * @return whether a failed batch was waiting (the caller writes nothing newer this round)
     */
    private boolean retryPending() throws InterruptedException {
        long wait;
        synchronized (writeLock) {
            if (retry.isEmpty()) {
                return false;
            }
            wait = retryAt - System.nanoTime();
            if (wait <= 0) {
                retryNow();
                return true;
            }
        }
        Thread.sleep(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(wait), FLUSH_INTERVAL.toMillis())));
        return true;
    }

    private void run() {
        long nextClean = System.nanoTime();
        while (!closed) {
            try {
                if (System.nanoTime() - nextClean >= 0) {
                    clean();
                    nextClean = System.nanoTime() + CLEAN_INTERVAL.toNanos();
                }
                if (retryPending()) {
                    continue;
                }
                SpamStore.SeenMessage first = queue.poll(FLUSH_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                List<SpamStore.SeenMessage> batch = new ArrayList<>(BATCH);
                batch.add(first);
                long deadline = System.nanoTime() + FLUSH_INTERVAL.toNanos();
                while (batch.size() < BATCH && !closed) {
                    queue.drainTo(batch, BATCH - batch.size());
                    long wait = deadline - System.nanoTime();
                    if (batch.size() >= BATCH || wait <= 0) {
                        break;
                    }
                    SpamStore.SeenMessage next = queue.poll(wait, TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                }
                write(batch);
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                failure("the summary writer", 0, e); // never let the thread die
            } catch (Error e) {
                // an OutOfMemoryError, or a class gone in a bundle refresh: without this the thread died silently, the
                // queue filled and every later summary was dropped with a warning that blamed the database
                LOG.error("Spam: the summary writer caught {}; it goes on", e.toString(), e);
            }
        }
        flush();
        int lost = retrying() + queue.size();
        if (lost > 0) {
            dropped.addAndGet(lost);
            LOG.warn("Spam: the summary writer stops with {} summaries the store did not take; those messages can be "
                    + "reported by id only until this node restarts", lost);
        }
    }

    /**
     * Stops accepting, lets the thread write what is queued and waits for it at most {@link #STOP_WAIT}; what is
     * still queued then is dropped with the thread (a daemon). Without a thread, does nothing more.
     */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            closed = true;
            t = thread;
        }
        if (t == null) {
            return;
        }
        try {
            t.join(STOP_WAIT.toMillis());
            if (t.isAlive()) {
                LOG.warn("Spam: the summary writer did not finish within {} s ({} summaries still queued); it stops "
                        + "with the bundle", STOP_WAIT.toSeconds(), queue.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
