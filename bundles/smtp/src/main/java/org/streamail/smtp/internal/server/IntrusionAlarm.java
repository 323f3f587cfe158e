package org.streamail.smtp.internal.server;

import java.lang.ref.WeakReference;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.alert.AlertRequest;
import org.streamail.api.alert.AlertService;
import org.streamail.api.alert.Severity;
import org.streamail.api.net.IpLiteral;

/**
 * Turns intrusion attempts seen by an SMTP listener into alerts of the {@link AlertService}, so that the
 * administrator sees them (REST, shell, workbench, admin mail) and not only the log. The listener still logs
 * every attempt itself; this class only adds the alert.
 *
 * <p>Per (kind, client IP) at most one alert is raised per {@code intrusion.alert.interval.seconds}: a scanner
 * hammering the port must not flood the alert store. An IPv6 client is keyed by its /64 network (one attacker
 * commonly holds a whole /64), the alert's subject stays its full address. The repeats in between are counted
 * and named in the next alert of that kind about that address. The table of recent alerts holds at most
 * {@value #MAX_TRACKED} entries; the oldest is forgotten first (an address forgotten early may alert again
 * early, which is harmless).
 *
 * <p>Over all addresses, at most {@code intrusion.alert.max.per.interval} alerts of one kind are raised per
 * interval (a botnet has thousands of addresses). Past that cap, events are counted (and their distinct
 * addresses, up to {@value #MAX_DISTINCT_COUNTED}), not alerted; once the interval is over, one summary alert
 * of that kind with subject {@value #MANY_ADDRESSES} names the counts. It is raised at the end of the
 * interval (a timer of the JDK's shared delay scheduler), at the next report after it, or when the alarm is
 * closed, whichever comes first.
 *
 * <p>{@link AlertService#raise} may block on the database and may throw, so it never runs on a session
 * thread: reports are handed to one daemon thread through a queue of {@value #QUEUE_CAPACITY} entries; when
 * the queue is full the alert is dropped and counted ({@link #dropped()}). A {@code raise} that throws is
 * logged at WARN; neither ever changes an SMTP reply.
 *
 * <p>Lifecycle: built with the listener's engine, {@link #close()}d when the engine stops (alerts already
 * queued are still delivered for up to {@value #CLOSE_WAIT_SECONDS} s); reports after that are ignored.
 * Threading: thread-safe; the report methods are called from session threads and return at once. The
 * {@link AlertService} supplier is asked at each report (the service comes and goes) and may return
 * {@code null}, in which case nothing is raised.
 */
public final class IntrusionAlarm implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IntrusionAlarm.class);

    /** The configuration property of the interval, named in errors. */
    public static final String INTERVAL_PROPERTY = "intrusion.alert.interval.seconds";
    /** The configuration property of the global cap per kind, named in errors. */
    public static final String MAX_PER_INTERVAL_PROPERTY = "intrusion.alert.max.per.interval";
    /** The default of {@value #MAX_PER_INTERVAL_PROPERTY}. */
    public static final int DEFAULT_MAX_PER_INTERVAL = 10;
    /** The subject of the summary alert raised for events over the global cap. */
    public static final String MANY_ADDRESSES = "many-addresses";
    /** Most distinct addresses counted per kind and interval past the cap; beyond it the summary says "at least". */
    public static final int MAX_DISTINCT_COUNTED = 1000;
    /** Most (kind, IP) pairs remembered for the rate limit. */
    public static final int MAX_TRACKED = 10_000;
    /** Most alerts waiting for the alert service. */
    public static final int QUEUE_CAPACITY = 100;
    static final int CLOSE_WAIT_SECONDS = 2;

    /** What happened, as the alert's kind and base severity. */
    public enum Kind {
        /** A client outside {@code internal.networks} connected to the outbound listener. */
        NOT_INTERNAL("smtp-not-internal", Severity.MEDIUM),
        /** A session reached {@code max.errors} refusals: directory harvesting or probing. */
        TOO_MANY_ERRORS("smtp-too-many-errors", Severity.MEDIUM),
        /** A client went over {@code max.connections.per.ip}. */
        CONNECTION_FLOOD("smtp-connection-flood", Severity.LOW),
        /**
         * The listener had {@code max.connections} sessions open and refused further clients. The subject is the
         * listener, not a client: one alert per listener and interval.
         */
        LISTENER_FULL("smtp-listener-full", Severity.HIGH),
        /** One client had many unknown recipients refused over several sessions: directory harvesting. */
        HARVEST("smtp-harvest", Severity.MEDIUM),
        /** A recipient with a relay trick (source route, {@code %} or {@code !} routing, ...) was refused. */
        RELAY_ATTEMPT("smtp-relay-attempt", Severity.MEDIUM),
        /** A message with a bare CR or LF (SMTP smuggling) was refused. */
        SMUGGLING("smtp-smuggling", Severity.MEDIUM);

        private final String kind;
        private final Severity severity;

        Kind(String kind, Severity severity) {
            this.kind = kind;
            this.severity = severity;
        }

        /** The alert kind, as stored and shown. */
        public String kind() {
            return kind;
        }

        public Severity severity() {
            return severity;
        }
    }

    private static final IntrusionAlarm OFF = new IntrusionAlarm(() -> null, 0);

    /** The global cap of one kind in the current interval. Guarded by {@code recent}. */
    private static final class Window {
        long start;
        int alerts;
        long suppressed;
        final Set<String> addresses = new HashSet<>();
        /** Whether more distinct addresses than {@link #MAX_DISTINCT_COUNTED} were seen. */
        boolean addressesOverflow;
        String listener;
        boolean timerSet;

        Window(long start) {
            this.start = start;
        }
    }

    private final Supplier<AlertService> alerts;
    private final long intervalNanos;
    /** Alerts of one kind per interval over all addresses; 0 = no global cap. */
    private final int maxPerInterval;
    /** Whether a summary that falls due is scheduled on a real-time timer (not with a test's hand-moved clock). */
    private final boolean timers;
    /** Kind → its global-cap window. Guarded by {@code recent}. */
    private final Map<Kind, Window> windows = new EnumMap<>(Kind.class);
    private final int maxTracked;
    private final LongSupplier clock;
    private final ThreadPoolExecutor executor;
    /** (kind, IP) → the last alert raised; insertion order is the order of the last alert, oldest first. */
    private final Map<String, Recent> recent;
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean closed;

    /**
     * An alarm raising through the given service, rate-limited per (kind, IP) and capped at
     * {@value #DEFAULT_MAX_PER_INTERVAL} alerts per kind and interval.
     *
     * @param alerts          the alert service bound right now, or a supplier returning {@code null}
     * @param intervalSeconds at most one alert per (kind, IP) within this many seconds; 0 turns alerts off
     * @throws IllegalArgumentException naming {@value #INTERVAL_PROPERTY} if the interval is negative
     */
    public IntrusionAlarm(Supplier<AlertService> alerts, long intervalSeconds) {
        this(alerts, intervalSeconds, DEFAULT_MAX_PER_INTERVAL);
    }

    /**
     * An alarm raising through the given service, rate-limited per (kind, IP) and per kind over all addresses.
     *
     * @param alerts          the alert service bound right now, or a supplier returning {@code null}
     * @param intervalSeconds at most one alert per (kind, IP) within this many seconds; 0 turns alerts off
     * @param maxPerInterval  at most this many alerts of one kind per interval over all addresses (then one
     *                        summary); 0 = no global cap
     * @throws IllegalArgumentException naming the property if the interval or the cap is negative
     */
    public IntrusionAlarm(Supplier<AlertService> alerts, long intervalSeconds, int maxPerInterval) {
        this(alerts, intervalSeconds, maxPerInterval, MAX_TRACKED, QUEUE_CAPACITY, System::nanoTime, true);
    }

    /** For tests: a smaller table or queue, and a clock of nanoseconds (no real-time summary timer). */
    IntrusionAlarm(Supplier<AlertService> alerts, long intervalSeconds, int maxTracked, int queueCapacity,
            LongSupplier clock) {
        this(alerts, intervalSeconds, DEFAULT_MAX_PER_INTERVAL, maxTracked, queueCapacity, clock, false);
    }

    IntrusionAlarm(Supplier<AlertService> alerts, long intervalSeconds, int maxPerInterval, int maxTracked,
            int queueCapacity, LongSupplier clock, boolean timers) {
        this.alerts = Objects.requireNonNull(alerts, "alerts");
        if (intervalSeconds < 0) {
            throw new IllegalArgumentException(INTERVAL_PROPERTY + " must be 0 (alerts off) or positive: "
                    + intervalSeconds);
        }
        if (maxPerInterval < 0) {
            throw new IllegalArgumentException(MAX_PER_INTERVAL_PROPERTY
                    + " must be 0 (no cap over all addresses) or positive: " + maxPerInterval);
        }
        this.maxPerInterval = maxPerInterval;
        this.timers = timers;
        // Over a century is "once per address, ever"; capping keeps the nanosecond arithmetic from overflowing.
        this.intervalNanos = TimeUnit.SECONDS.toNanos(Math.min(intervalSeconds, 100L * 365 * 24 * 3600));
        if (maxTracked < 1 || queueCapacity < 1) {
            throw new IllegalArgumentException("maxTracked and queueCapacity must be positive");
        }
        this.maxTracked = maxTracked;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.recent = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Recent> eldest) {
                return size() > IntrusionAlarm.this.maxTracked;
            }
        };
        // One lazily started daemon thread that ends when idle: an alarm that never fires costs no thread.
        this.executor = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queueCapacity),
                r -> {
                    Thread t = new Thread(r, "streamail-smtp-alerts");
                    t.setDaemon(true);
                    return t;
                });
        this.executor.allowCoreThreadTimeOut(true);
    }

    /** An alarm that never raises anything (no alert service, as in most engine tests). */
    public static IntrusionAlarm off() {
        return OFF;
    }

    /**
     * A client outside the internal networks connected to the outbound listener and was refused.
     *
     * @param listener the listener, such as {@code "outbound listener (port 2587)"}
     * @param ip       the client's address, or {@code null} when unknown
     * @param networks the internal networks, as configured
     */
    void notInternal(String listener, String ip, String networks) {
        String who = ip(ip);
        report(Kind.NOT_INTERNAL, who, listener, "SMTP " + listener + ": connection from non-internal host " + who + " refused",
                "A client at " + who + " connected to the SMTP " + listener + ", which hands mail on to the Internet"
                        + " and serves only the internal networks (" + networks + "). The gateway answered"
                        + " 554 5.7.1 and closed the connection; nothing was relayed. Someone may be probing the"
                        + " gateway for an open relay: check which host this is.");
    }

    /**
     * A session reached {@code max.errors} refusals and was closed with 421.
     *
     * @param errors the refusals counted in the session
     */
    void tooManyErrors(String listener, String ip, int errors) {
        String who = ip(ip);
        report(Kind.TOO_MANY_ERRORS, who, listener, "SMTP " + listener + ": " + who + " disconnected after " + errors
                        + " refused commands",
                "The SMTP session from " + who + " on the " + listener + " reached max.errors (" + errors
                        + " refused commands or recipients). The gateway answered 421 4.7.0 and closed the"
                        + " connection. Many refusals in one session suggest directory harvesting (guessing"
                        + " addresses) or probing of the SMTP service.");
    }

    /**
     * A client over {@code max.connections.per.ip} was refused with 421.
     *
     * @param sessions the sessions the client already held
     */
    void connectionFlood(String listener, String ip, long sessions) {
        String who = ip(ip);
        report(Kind.CONNECTION_FLOOD, who, listener, "SMTP " + listener + ": too many connections from " + who,
                who + " already held " + sessions + " SMTP sessions on the " + listener
                        + " (max.connections.per.ip); a further connection was refused with 421 4.7.0. One"
                        + " client opening many connections may be a flood or a scan; if it is a busy"
                        + " legitimate server, raise max.connections.per.ip.");
    }

    /**
     * The listener is full ({@code max.connections} sessions open) and refused connections with 421 4.3.2. The
     * subject is the listener, so the rate limit is per listener, not per client.
     *
     * @param max     {@code max.connections}
     * @param refused connections refused since the previous report
     */
    void listenerFull(String listener, int max, long refused) {
        report(Kind.LISTENER_FULL, listener, listener, "SMTP " + listener + " full: connections refused",
                "The SMTP " + listener + " had max.connections (" + max + ") sessions open; " + refused
                        + " further connection(s) were answered 421 4.3.2 and closed (senders retry later). Either"
                        + " the mail volume needs a higher max.connections, or many clients hold sessions open"
                        + " (a slow-connection attack): the log names the clients of the open sessions.");
    }

    /**
     * One client (IPv6: its /64) had {@code count} unknown recipients refused within the harvest window, over
     * all its sessions.
     *
     * @param refused whether the listener now refuses the client's recipients ({@code harvest.action} refuse)
     */
    void harvest(String listener, String ip, int count, int windowSeconds, boolean refused) {
        String who = ip(ip);
        report(Kind.HARVEST, who, listener, "SMTP " + listener + ": directory harvesting from " + who,
                "Within " + windowSeconds + " s, " + count + " recipients from " + who
                        + (rateKey(who).equals(who) ? "" : " (counted over its IPv6 network " + rateKey(who) + ")")
                        + " on the " + listener + " were refused as unknown (550 5.1.1), over several sessions"
                        + " (harvest.max.unknown.recipients, harvest.window.seconds). Guessing addresses a few per"
                        + " connection is directory harvesting; a legitimate sender with an old list is the"
                        + " innocent explanation. "
                        + (refused ? "The gateway now answers every recipient of this client with 450 4.7.1 (try"
                                + " later) and closes its session at the next command, until its count within the"
                                + " window falls below the limit (harvest.action refuse)."
                                : "The gateway answered as usual (harvest.action alert, or the client is in"
                                        + " harvest.exempt.networks)."));
    }

    /** A recipient with a relay trick was refused with 550 5.7.1. */
    void relayAttempt(String listener, String ip) {
        String who = ip(ip);
        report(Kind.RELAY_ATTEMPT, who, listener, "SMTP " + listener + ": relay attempt from " + who + " refused",
                "The SMTP session from " + who + " on the " + listener + " gave a recipient written to make the"
                        + " gateway relay it elsewhere (a source route, % or ! routing, a quoted route, an IP"
                        + " literal or a trailing dot). The gateway answered 550 5.7.1 relaying denied; nothing was"
                        + " relayed. Someone may be probing for an open relay.");
    }

    /** A message with a bare CR or LF was refused with 550 5.6.11. */
    void smuggling(String listener, String ip) {
        String who = ip(ip);
        report(Kind.SMUGGLING, who, listener, "SMTP " + listener + ": SMTP smuggling attempt from " + who + " refused",
                "A message from " + who + " on the " + listener + " held a bare CR or LF (such as \\n.\\n, the"
                        + " end-of-data marker of SMTP smuggling, CVE-2023-51764). The gateway read it to the real"
                        + " end of data and refused it with 550 5.6.11; nothing of it was accepted. A badly written"
                        + " sending script can do this too.");
    }

    /** Alerts dropped because the queue to the alert service was full. */
    public long dropped() {
        return dropped.get();
    }

    /** The (kind, IP) pairs remembered for the rate limit right now. */
    public int tracked() {
        synchronized (recent) {
            return recent.size();
        }
    }

    /**
     * Stops taking reports, raises the summaries of events still counted over the global cap, and lets the
     * alerts already queued reach the service for up to {@value #CLOSE_WAIT_SECONDS} s. Idempotent.
     */
    @Override
    public void close() {
        if (this == OFF) {
            return;
        }
        List<AlertRequest> summaries;
        synchronized (recent) {
            if (closed) {
                return;
            }
            closed = true;
            summaries = takeSummaries(clock.getAsLong(), true);
        }
        submitAll(summaries);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn("SMTP intrusion alerts still pending at shutdown were abandoned");
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** Raises the summaries whose interval is over; called by the summary timer, and by tests. */
    void flushDue() {
        List<AlertRequest> summaries;
        synchronized (recent) {
            if (closed) {
                return;
            }
            summaries = takeSummaries(clock.getAsLong(), false);
        }
        submitAll(summaries);
    }

    private void report(Kind kind, String ip, String listener, String title, String detail) {
        if (intervalNanos == 0 || closed) {
            return;
        }
        AlertService service = alerts.get();
        if (service == null) {
            LOG.debug("No AlertService: the {} event about {} raised no alert", kind.kind(), ip);
            return;
        }
        String rateKey = rateKey(ip);
        String key = kind.kind() + ' ' + rateKey;
        List<AlertRequest> summaries;
        AlertRequest request = null;
        synchronized (recent) {
            if (closed) {
                return;
            }
            long now = clock.getAsLong();
            summaries = takeSummaries(now, false);
            Recent last = recent.get(key);
            if (last != null && now - last.at < intervalNanos) {
                last.repeats++;
            } else {
                Window w = windows.computeIfAbsent(kind, k -> new Window(now));
                w.listener = listener;
                if (maxPerInterval > 0 && w.alerts >= maxPerInterval) {
                    // Over the cap for all addresses: counted for the summary. Not put in the table, so this
                    // address is alerted on its own in a later interval if it goes on.
                    w.suppressed++;
                    if (!w.addresses.contains(ip)) {
                        if (w.addresses.size() < MAX_DISTINCT_COUNTED) {
                            w.addresses.add(ip);
                        } else {
                            w.addressesOverflow = true;
                        }
                    }
                    scheduleSummary(w, now);
                } else {
                    w.alerts++;
                    long repeats = last == null ? 0 : last.repeats;
                    // Removed and put again so that the entry moves to the young end of the eviction order.
                    recent.remove(key);
                    recent.put(key, new Recent(now));
                    if (repeats > 0) {
                        detail += " " + repeats + " more such event(s) from this address"
                                + (rateKey.equals(ip) ? "" : " or its IPv6 network " + rateKey)
                                + " since the previous alert were not alerted (" + INTERVAL_PROPERTY + ").";
                    }
                    request = new AlertRequest(kind.kind(), kind.severity(), ip, "", "", title, detail);
                }
            }
        }
        submitAll(summaries);
        if (request != null) {
            submit(service, request);
        }
    }

    /**
     * Ends the windows whose interval is over (or all, at close) and returns one summary for each that
     * suppressed something. Caller holds {@code recent}.
     */
    private List<AlertRequest> takeSummaries(long now, boolean all) {
        List<AlertRequest> out = new ArrayList<>();
        for (Iterator<Map.Entry<Kind, Window>> it = windows.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Kind, Window> e = it.next();
            Kind kind = e.getKey(); // read before remove(): an EnumMap entry is dead after it
            Window w = e.getValue();
            if (!all && now - w.start < intervalNanos) {
                continue;
            }
            it.remove();
            if (w.suppressed > 0) {
                out.add(summary(kind, w));
            }
        }
        return out;
    }

    private AlertRequest summary(Kind kind, Window w) {
        String addresses = (w.addressesOverflow ? "at least " : "") + w.addresses.size();
        String title = "SMTP " + w.listener + ": " + w.suppressed + " more " + kind.kind() + " event(s) from "
                + addresses + " address(es) not alerted one by one";
        String detail = "After " + w.alerts + " alert(s) of kind " + kind.kind() + " within "
                + TimeUnit.NANOSECONDS.toSeconds(intervalNanos) + " s (" + MAX_PER_INTERVAL_PROPERTY + "), "
                + w.suppressed + " further event(s) from " + addresses + " distinct address(es) on the SMTP "
                + w.listener + " were counted instead of alerted. The gateway answered each as usual; the log"
                + " names every address. Many addresses at once suggest a botnet or one IPv6 network.";
        return new AlertRequest(kind.kind(), kind.severity(), MANY_ADDRESSES, "", "", title, detail);
    }

    /** The first suppression of a window sets a timer for its end, so the summary comes even if all goes quiet. */
    private void scheduleSummary(Window w, long now) {
        if (!timers || w.timerSet) {
            return;
        }
        w.timerSet = true;
        long delay = Math.max(0, w.start + intervalNanos - now) + TimeUnit.MILLISECONDS.toNanos(100);
        // Weak: a stopped listener's alarm is not kept alive by a timer that may be an interval away.
        WeakReference<IntrusionAlarm> self = new WeakReference<>(this);
        CompletableFuture.delayedExecutor(delay, TimeUnit.NANOSECONDS).execute(() -> {
            IntrusionAlarm alarm = self.get();
            if (alarm != null) {
                alarm.flushDue();
            }
        });
    }

    private void submitAll(List<AlertRequest> requests) {
        if (requests.isEmpty()) {
            return;
        }
        AlertService service = alerts.get();
        if (service == null) {
            LOG.debug("No AlertService: {} intrusion summary alert(s) not raised", requests.size());
            return;
        }
        for (AlertRequest r : requests) {
            submit(service, r);
        }
    }

    private void submit(AlertService service, AlertRequest request) {
        try {
            executor.execute(() -> raise(service, request));
        } catch (RejectedExecutionException e) {
            long n = dropped.incrementAndGet();
            // Only when the alert service is far behind; logged sparsely so that a flood cannot flood the log.
            if (n == 1 || n % 1000 == 0) {
                LOG.warn("SMTP intrusion alert queue full: {} alert(s) dropped so far (latest {} about {})", n,
                        request.kind(), request.subject());
            }
        }
    }

    /**
     * The rate-limit key of a client address: the address itself, or for IPv6 its /64 network (one host or
     * customer commonly has a whole /64), in canonical text ({@link IpLiteral#canonical}: no DNS, a zone id
     * dropped, {@code ::ffff:a.b.c.d} as the IPv4 client it is). A text that is no IP literal is its own key.
     */
    static String rateKey(String ip) {
        int zone = ip.indexOf('%');
        Optional<InetAddress> parsed = IpLiteral.parse(zone < 0 ? ip : ip.substring(0, zone));
        if (parsed.isEmpty()) {
            return ip;
        }
        InetAddress a = IpLiteral.unmapped(parsed.get());
        if (!(a instanceof Inet6Address)) {
            return IpLiteral.canonical(a);
        }
        byte[] b = a.getAddress();
        Arrays.fill(b, 8, 16, (byte) 0);
        try {
            return IpLiteral.canonical(InetAddress.getByAddress(b)) + "/64";
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 16 bytes always make an address
        }
    }

    private static void raise(AlertService service, AlertRequest request) {
        try {
            service.raise(request);
        } catch (RuntimeException e) {
            LOG.warn("Could not raise the {} alert about {}: {}", request.kind(), request.subject(), e.toString());
        }
    }

    private static String ip(String ip) {
        return ip == null || ip.isEmpty() ? "unknown" : ip;
    }

    /** The last alert of one (kind, IP) and the events suppressed since. Guarded by {@code recent}. */
    private static final class Recent {
        final long at;
        long repeats;

        Recent(long at) {
            this.at = at;
        }
    }
}
