package org.streamail.smtp.internal.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.model.Direction;
import org.streamail.api.service.MessageIntake;
import org.streamail.api.smtp.EnvelopeGuard;
import org.streamail.api.smtp.SmtpReply;
import org.streamail.api.store.Directory;
import org.streamail.api.store.SharedState;
import org.subethamail.smtp.server.SMTPServer;
import org.subethamail.smtp.server.Session;
import org.subethamail.smtp.server.SessionHandler;

/**
 * One SMTP listener, inbound or outbound ({@link ListenerSettings#direction()}): subethasmtp's accept loop,
 * session threads, connection limit and command-line reader, with every SMTP command replaced by Streamail's
 * own ({@link SmtpCommands}) so that the envelope rules, the DATA reader and the replies are ours. An
 * outbound listener greets only clients inside {@link ListenerSettings#internalNetworks()}.
 *
 * <p>Lifecycle: {@link #start()} once, {@link #stop()} once; a stopped engine is not restarted (build a new
 * one). {@code start} and {@code stop} are meant for one managing thread; sessions run on the engine's own
 * daemon threads.
 */
public final class SmtpEngine {

    private static final Logger LOG = LoggerFactory.getLogger(SmtpEngine.class);

    /**
     * Sessions subethasmtp admits beyond {@code max.connections}: the engine refuses them itself (421 4.3.2, a
     * WARN, an alert), which it can only do for sessions the library hands it. Past this headroom the library
     * answers {@code 421 Too many connections} on its own, and 10 more wait in its accept loop.
     */
    static final int FULL_HEADROOM = 20;

    /** At most one "listener full" WARN per this many seconds, with the count of refusals in between. */
    static final long FULL_WARN_INTERVAL_SECONDS = 60;

    /**
     * Unknown recipients of a client (within the harvest window) answered without delay: a legitimate server
     * with a few stale addresses is never slowed down. From the next one on, the tarpit grows to
     * {@code harvest.delay.max.ms} at the harvest limit.
     */
    static final int TARPIT_FREE = 3;

    private final ListenerSettings settings;
    private final MessageIntake intake;
    private final Directory directory;
    private final Supplier<List<EnvelopeGuard>> guards;
    private final IntrusionAlarm alarm;
    private final Map<Session, SessionState> sessions = new ConcurrentHashMap<>();
    private final HarvestTracker harvest;
    /**
     * The harvest blocks shared with the other nodes (and with this node after a restart), or {@code null} when this
     * listener refuses no harvester (outbound, {@code harvest.action} alert, counting off) or was given no store.
     */
    private final SharedHarvestBlocks sharedBlocks;
    /** Released by {@link #stop()}: ends every tarpit delay at once (subethasmtp waits for the session threads). */
    private final CountDownLatch stopping = new CountDownLatch(1);
    /** Nanoseconds, for the "listener full" WARN interval and the harvest window; {@link System#nanoTime()}. */
    private final LongSupplier clock;
    /** Connections refused because the listener was full, since the last WARN. Guarded by {@code fullLock}. */
    private long refusedWhileFull;
    /** {@link System#nanoTime()} of the last "listener full" WARN. Guarded by {@code fullLock}. */
    private long lastFullWarnNanos;
    private boolean fullWarned;
    private final Object fullLock = new Object();
    private final SMTPServer server;
    /** Ends sessions past {@code max.session.seconds}; {@code null} when there is no limit or before start. */
    private ScheduledExecutorService reaper;

    /**
     * @param settings  the listener settings
     * @param intake    where messages go at the end of DATA
     * @param directory judges recipients (inbound) and which domains are the organisation's (both)
     * @param guards    the envelope guards bound right now; asked at each stage, never {@code null}
     */
    public SmtpEngine(ListenerSettings settings, MessageIntake intake, Directory directory,
            Supplier<List<EnvelopeGuard>> guards) {
        this(settings, intake, directory, guards, IntrusionAlarm.off());
    }

    /**
     * @param settings  the listener settings
     * @param intake    where messages go at the end of DATA
     * @param directory judges recipients (inbound) and which domains are the organisation's (both)
     * @param guards    the envelope guards bound right now; asked at each stage, never {@code null}
     * @param alarm     told of intrusion attempts (refused non-internal clients, sessions reaching
     *                  {@code max.errors}, clients over {@code max.connections.per.ip}); owned by the engine
     *                  from now on and closed by {@link #stop()}
     */
    public SmtpEngine(ListenerSettings settings, MessageIntake intake, Directory directory,
            Supplier<List<EnvelopeGuard>> guards, IntrusionAlarm alarm) {
        this(settings, intake, directory, guards, alarm, System::nanoTime, null);
    }

    /**
     * As above, sharing harvest blocks with the other nodes through the store.
     *
     * @param shared the store's shared records right now ({@code null} from the supplier while there is no store);
     *               used only by an inbound listener with {@code harvest.action} refuse, see
     *               {@link SharedHarvestBlocks}
     */
    public SmtpEngine(ListenerSettings settings, MessageIntake intake, Directory directory,
            Supplier<List<EnvelopeGuard>> guards, IntrusionAlarm alarm, Supplier<SharedState> shared) {
        this(settings, intake, directory, guards, alarm, System::nanoTime,
                sharesHarvestBlocks(settings) ? new SharedHarvestBlocks(shared) : null);
    }

    /** As above, with the clock (nanoseconds) of the "listener full" WARN interval and the harvest window. */
    SmtpEngine(ListenerSettings settings, MessageIntake intake, Directory directory,
            Supplier<List<EnvelopeGuard>> guards, IntrusionAlarm alarm, LongSupplier clock) {
        this(settings, intake, directory, guards, alarm, clock, null);
    }

    /**
     * As above, with the shared harvest blocks ({@code null}: none); they are owned by the engine from now on, started
     * by {@link #start()} and closed by {@link #stop()}, and ignored unless the listener refuses harvesters.
     */
    SmtpEngine(ListenerSettings settings, MessageIntake intake, Directory directory,
            Supplier<List<EnvelopeGuard>> guards, IntrusionAlarm alarm, LongSupplier clock,
            SharedHarvestBlocks sharedBlocks) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.alarm = Objects.requireNonNull(alarm, "alarm");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.intake = Objects.requireNonNull(intake, "intake");
        this.directory = Objects.requireNonNull(directory, "directory");
        this.guards = Objects.requireNonNull(guards, "guards");
        this.harvest = new HarvestTracker(settings.harvestMaxUnknownRecipients(), settings.harvestWindowSeconds(),
                HarvestTracker.MAX_CLIENTS, clock);
        this.sharedBlocks = sharedBlocks != null && sharesHarvestBlocks(settings) ? sharedBlocks : null;

        AtomicInteger threads = new AtomicInteger();
        String name = "streamail-smtp-" + settings.port() + "-";
        ExecutorService executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, name + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        SMTPServer.Builder builder = SMTPServer.port(settings.port())
                .bindAddress(settings.bindAddress())
                .hostName(settings.hostname())
                .softwareName("Streamail")
                .maxConnections(settings.maxConnections() + FULL_HEADROOM)
                .connectionTimeoutMs(settings.connectionTimeoutMs())
                .maxRecipients(settings.maxRecipients())
                .executorService(executor)
                .serverThreadName("streamail-smtp-accept-" + settings.port())
                .serverSocketFactory(NoDelayServerSocket::new)
                .sessionHandler(new Sessions());
        if (settings.tls() != null) {
            builder.enableTLS(true).startTlsSocketFactory(this::startTls);
        }
        this.server = builder.build();
        SmtpCommands.install(server.getCommandHandler(), this);
    }

    /**
     * Opens the port and starts accepting.
     *
     * @throws IOException if the port cannot be bound (in use, bad address)
     */
    public void start() throws IOException {
        if (sharedBlocks != null) {
            // Before the first greeting: a client blocked by another node (or before a restart) is refused at once.
            sharedBlocks.start("streamail-smtp-harvest-" + settings.port());
        }
        try {
            server.start();
        } catch (RuntimeException e) {
            if (sharedBlocks != null) {
                sharedBlocks.close();
            }
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IOException("cannot listen on " + settings.bindAddress().getHostAddress() + ":"
                    + settings.port() + ": " + cause.getMessage(), cause);
        }
        int limit = settings.maxSessionSeconds();
        if (limit > 0) {
            long period = Math.max(250, Math.min(30_000, limit * 1000L / 4));
            reaper = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "streamail-smtp-reaper-" + port());
                t.setDaemon(true);
                return t;
            });
            // A session's own commands end it with 421 once over the limit; the reaper, one period later,
            // closes those that send none of ours (unknown verbs, silence just inside the read timeout).
            reaper.scheduleWithFixedDelay(org.streamail.api.service.Periodic.guarded(() -> reap(limit, TimeUnit.MILLISECONDS.toNanos(period)),
                    e -> LOG.error("SMTP: reaping idle sessions failed; the next run is as scheduled", e)), period, period,
                    TimeUnit.MILLISECONDS);
        }
        LOG.info("SMTP {} listener on {}:{} ({})", settings.direction().name().toLowerCase(java.util.Locale.ROOT),
                settings.bindAddress().getHostAddress(), port(),
                settings.tls() == null ? "STARTTLS off" : "STARTTLS on");
    }

    /** The bound port (the chosen one when configured as 0). */
    public int port() {
        return server.getPortAllocated();
    }

    /**
     * Closes the port and every open session, waits for the session threads to end, then closes the alarm
     * (its queued alerts are still raised, for a short while).
     */
    public void stop() {
        stopping.countDown();
        if (reaper != null) {
            reaper.shutdownNow();
        }
        server.stop();
        sessions.clear();
        alarm.close();
        if (sharedBlocks != null) {
            sharedBlocks.close();
        }
    }

    /**
     * Closes every session that has lasted longer than {@code limitSeconds} plus {@code graceNanos} and is not
     * running one of Streamail's commands (a DATA in progress finishes, bounded by {@code data.timeout.seconds},
     * and is closed at a later pass), or whose command has been waiting on the client for longer than
     * {@code graceNanos}: writing a reply the client does not read, or in a STARTTLS handshake (see
     * {@link SessionState#waitingOnClient}). The client sees the connection end.
     */
    void reap(int limitSeconds, long graceNanos) {
        long now = System.nanoTime() - graceNanos;
        try {
            for (Map.Entry<Session, SessionState> e : sessions.entrySet()) {
                SessionState st = e.getValue();
                boolean stuck = st.stuckOnClient(graceNanos, System.nanoTime());
                if ((!st.busy || stuck) && !st.reaped && st.overTime(limitSeconds, now)) {
                    st.reaped = true; // the session thread removes it from the map when it ends
                    LOG.warn("SMTP {} from {}: open for more than {} s without ending{} (max.session.seconds);"
                            + " closing the connection", st.id, st.clientIp, limitSeconds,
                            stuck ? ", stuck writing a reply or in a TLS handshake" : "");
                    try {
                        e.getKey().closeSocket();
                    } catch (IOException | RuntimeException ex) {
                        LOG.debug("SMTP {}: closing the socket failed: {}", st.id, ex.toString());
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("SMTP session reaper failed; retrying at the next pass", e); // a throw would cancel the task
        }
    }

    /** Sessions open right now. */
    int activeSessions() {
        return sessions.size();
    }

    ListenerSettings settings() {
        return settings;
    }

    IntrusionAlarm alarm() {
        return alarm;
    }

    /** The listener as named in alerts, such as {@code "outbound listener (port 2587)"}. */
    String listenerName() {
        return settings.direction().name().toLowerCase(java.util.Locale.ROOT) + " listener (port " + port() + ")";
    }

    /**
     * Counts a refused unknown recipient of the client; at the harvest limit, tells the alarm.
     *
     * @return how long to wait before the refusal, in milliseconds (the tarpit; 0 unless {@code harvest.action}
     *         is refuse and the client is not in {@code harvest.exempt.networks})
     */
    long unknownRecipient(SessionState st) {
        String ip = st.clientIp;
        int count = harvest.unknownRecipient(ip);
        boolean refuse = refusesHarvesters(st);
        if (count > 0 && count >= harvest.max()) {
            LOG.info("SMTP {} from {}: {} unknown recipients within {} s over its sessions; possible directory"
                    + " harvesting{}", listenerName(), ip, count, settings.harvestWindowSeconds(),
                    refuse ? "; its recipients are refused with 450 4.7.1 while it stays over the limit" : "");
            alarm.harvest(listenerName(), ip, count, settings.harvestWindowSeconds(), refuse);
            if (refuse && sharedBlocks != null) {
                // Once per newly blocked client: a listed client is not counted again (its recipients get 450).
                sharedBlocks.publish(ip, java.time.Duration.ofNanos(harvest.listedForNanos(ip)));
            }
        }
        return refuse ? tarpitMillis(count, harvest.max(), settings.harvestDelayMaxMs()) : 0;
    }

    /**
     * The tarpit delay before the refusal of a client's {@code count}-th unknown recipient within the window:
     * none for the first {@value #TARPIT_FREE}, then growing in equal steps to {@code delayMaxMs} at
     * {@code max} (the harvest limit), never more.
     */
    static long tarpitMillis(int count, int max, int delayMaxMs) {
        if (delayMaxMs <= 0 || max <= 0 || count <= TARPIT_FREE) {
            return 0;
        }
        long steps = Math.max(1, max - TARPIT_FREE);
        return Math.min(delayMaxMs, (long) delayMaxMs * (count - TARPIT_FREE) / steps);
    }

    /**
     * Whether the session's client is over the harvest limit within the window and {@code harvest.action} is refuse
     * (and the client is not in {@code harvest.exempt.networks}): its recipients, known or not, are refused with
     * 450 4.7.1 (not counted as unknown recipients). Also when another node blocked the client (or this one before a
     * restart), as this node last read the shared blocks: the same refusals, and no alert here (that node raised it).
     */
    boolean harvestRefused(SessionState st) {
        return refusesHarvesters(st) && (harvest.listed(st.clientIp)
                || (sharedBlocks != null && sharedBlocks.blocked(st.clientIp)));
    }

    /**
     * Whether this listener shares harvest blocks: only an inbound one that counts unknown recipients and refuses
     * harvesters ({@code harvest.action} alert refuses nothing, so it has nothing to share nor to refuse by).
     */
    static boolean sharesHarvestBlocks(ListenerSettings settings) {
        return settings.direction() == Direction.INBOUND
                && settings.harvestAction() == ListenerSettings.HarvestAction.REFUSE
                && settings.harvestMaxUnknownRecipients() > 0 && settings.harvestWindowSeconds() > 0;
    }

    /** The shared harvest blocks, or {@code null}; for tests. */
    SharedHarvestBlocks sharedBlocks() {
        return sharedBlocks;
    }

    /** {@code harvest.action} refuse applies to this session's client: the tarpit and the 450 refusals. */
    private boolean refusesHarvesters(SessionState st) {
        return settings.harvestAction() == ListenerSettings.HarvestAction.REFUSE && !st.harvestExempt;
    }

    /**
     * Waits {@code millis} on the session's thread before a reply (one thread per session: no other session
     * waits). Bounded by the time the session has left under {@code max.session.seconds}, and ended at once by
     * {@link #stop()} (subethasmtp's own stop waits for every session thread and interrupts none).
     */
    void tarpit(SessionState st, long millis) {
        long wait = millis;
        int limit = settings.maxSessionSeconds();
        if (limit > 0) {
            long leftNanos = st.startedNanos + TimeUnit.SECONDS.toNanos(limit) - System.nanoTime();
            wait = Math.min(wait, TimeUnit.NANOSECONDS.toMillis(leftNanos));
        }
        if (wait <= 0) {
            return;
        }
        try {
            stopping.await(wait, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the reply still goes out; the session ends as the library decides
        }
    }

    MessageIntake intake() {
        return intake;
    }

    Directory directory() {
        return directory;
    }

    SessionState state(Session session) {
        SessionState s = sessions.get(session);
        if (s == null) {
            // Cannot happen: accept() registers every session before its first command.
            throw new IllegalStateException("unknown SMTP session " + session.getSessionId());
        }
        return s;
    }

    /**
     * Asks every bound guard; the first refusal (4xx or 5xx) wins. A guard that throws is logged and counts
     * as "no opinion", so a broken guard cannot stop mail.
     */
    Optional<SmtpReply> consultGuards(Function<EnvelopeGuard, Optional<SmtpReply>> question) {
        List<EnvelopeGuard> current = guards.get();
        for (EnvelopeGuard guard : current) {
            try {
                Optional<SmtpReply> answer = question.apply(guard);
                if (answer != null && answer.isPresent() && answer.get().code() >= 400) {
                    return answer;
                }
            } catch (RuntimeException e) {
                LOG.warn("envelope guard {} failed; ignored", guard.getClass().getName(), e);
            }
        }
        return Optional.empty();
    }

    private SSLSocket startTls(Socket plain) throws IOException {
        InetSocketAddress remote = (InetSocketAddress) plain.getRemoteSocketAddress();
        SSLSocket s = (SSLSocket) settings.tls().getSocketFactory()
                .createSocket(plain, remote.getHostString(), plain.getPort(), true);
        s.setUseClientMode(false);
        // TLS 1.2 and 1.3 only, with the suites of tls.cipher.suites (by default forward-secret AEAD only, see
        // TlsCiphers), in the server's order of preference.
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(java.util.Arrays.stream(s.getSupportedProtocols())
                .filter(x -> x.equals("TLSv1.3") || x.equals("TLSv1.2")).toArray(String[]::new));
        p.setCipherSuites(settings.tlsCipherSuites().toArray(String[]::new));
        p.setUseCipherSuitesOrder(true);
        s.setSSLParameters(p);
        return s;
    }

    /**
     * The open sessions of one client as {@code max.connections.per.ip} counts them: same {@link
     * SessionState#clientKey} (an IPv4 address, or an IPv6 /64). A client of unknown address counts none.
     */
    static long sessionsFrom(Collection<SessionState> open, String clientKey) {
        return clientKey == null ? 0 : open.stream().filter(s -> clientKey.equals(s.clientKey)).count();
    }

    /** Registers each session before its greeting and asks the guards whether to greet at all. */
    private final class Sessions implements SessionHandler {
        /** Held while a new session is counted against its address's limit and registered. */
        private final Object admission = new Object();

        @Override
        public SessionAcceptance accept(Session session) {
            InetSocketAddress remote = session.getRemoteAddress();
            String ip = remote == null || remote.getAddress() == null ? null : remote.getAddress().getHostAddress();
            SessionState state = new SessionState(session.getSessionId(), ip, session.isTLSStarted());
            state.harvestExempt = remote != null && remote.getAddress() != null && settings.harvestExempt() != null
                    && settings.harvestExempt().contains(remote.getAddress());
            if (settings.direction() == Direction.OUTBOUND
                    && (remote == null || !settings.internalNetworks().contains(remote.getAddress()))) {
                // The submission port of the gateway relays to the Internet: anyone else knocking on it is
                // probing for an open relay.
                LOG.warn("SMTP {} from {} refused: not an internal host ({}); possible intrusion attempt",
                        state.id, ip, settings.internalNetworks());
                alarm.notInternal(listenerName(), ip, String.join(", ", settings.internalNetworks().entries()));
                return SessionAcceptance.failure(554, "5.7.1 <" + (ip == null ? "unknown" : ip)
                        + "> is not an internal host");
            }
            long fromIp;
            boolean full;
            synchronized (admission) {
                // counting and registering in one step: two session threads of one client cannot both see room
                full = sessions.size() >= settings.maxConnections();
                fromIp = full ? 0 : sessionsFrom(sessions.values(), state.clientKey);
                if (!full && fromIp < settings.maxConnectionsPerIp()) {
                    sessions.put(session, state);
                }
            }
            if (full) {
                listenerFull();
                // RFC 5321 4.3.2 / RFC 3463: a full system is temporary; the sender retries
                return SessionAcceptance.failure(421, "4.3.2 " + settings.hostname()
                        + " too many connections, try again later");
            }
            if (fromIp >= settings.maxConnectionsPerIp()) {
                LOG.warn("SMTP {} from {} refused: already {} sessions from {} (max.connections.per.ip)",
                        state.id, ip, fromIp, state.clientKey.equals(ip) ? "that address"
                                : "its IPv6 network " + state.clientKey);
                alarm.connectionFlood(listenerName(), ip, fromIp);
                return SessionAcceptance.failure(421, "4.7.0 too many connections from your address, try later");
            }
            Optional<SmtpReply> refusal = consultGuards(g -> g.onConnect(state.snapshot()));
            if (refusal.isPresent()) {
                SmtpReply r = refusal.get();
                LOG.info("SMTP {} from {} refused at connect: {}", state.id, ip, r.line());
                // subethasmtp calls onSessionEnd only for accepted sessions
                sessions.remove(session);
                // RFC 5321 4.3.2: the greeting is 220, 554 or 421 only; a guard's 550 (its reply for any stage)
                // becomes 554 there, a temporary refusal 421, with the guard's text
                int code = r.code() >= 500 ? 554 : 421;
                return SessionAcceptance.failure(code, r.line().substring(4));
            }
            return SessionAcceptance.success();
        }

        @Override
        public void onSessionEnd(Session session) {
            sessions.remove(session);
        }
    }

    /**
     * A connection was refused because {@code max.connections} sessions are open: one WARN per
     * {@value #FULL_WARN_INTERVAL_SECONDS} s at most, naming the refusals since the previous one, and the same
     * count to the alarm (rate-limited there per listener).
     */
    private void listenerFull() {
        long refused;
        synchronized (fullLock) {
            refusedWhileFull++;
            long now = clock.getAsLong();
            if (fullWarned && now - lastFullWarnNanos < TimeUnit.SECONDS.toNanos(FULL_WARN_INTERVAL_SECONDS)) {
                return;
            }
            fullWarned = true;
            lastFullWarnNanos = now;
            refused = refusedWhileFull;
            refusedWhileFull = 0;
        }
        LOG.warn("SMTP {} full: {} sessions open (max.connections); {} connection(s) refused with 421 4.3.2 since"
                + " the last such warning", listenerName(), settings.maxConnections(), refused);
        alarm.listenerFull(listenerName(), settings.maxConnections(), refused);
    }

    /** Turns Nagle off for every session: pipelined replies must not wait for the client's delayed ACK. */
    private static final class NoDelayServerSocket extends ServerSocket {
        NoDelayServerSocket() throws IOException {
            super();
        }

        @Override
        public Socket accept() throws IOException {
            Socket s = super.accept();
            try {
                s.setTcpNoDelay(true);
            } catch (IOException e) {
                s.close();
                throw e;
            }
            return s;
        }
    }
}
