package org.streamail.smtp.internal.server;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import org.streamail.api.smtp.SmtpSession;

/**
 * What the listener knows of one connection. Touched only by that connection's session thread (commands
 * run one after another), so it needs no locking; the exceptions are {@link #startedNanos} (final) and
 * {@link #busy}, {@link #waitingOnClient}, {@link #waitingSinceNanos} and {@link #reaped} (volatile), which the
 * engine's session reaper uses.
 */
final class SessionState {

    final String id;
    final String clientIp;
    String helo;
    boolean tls;
    /** The reverse-path of the transaction in progress, or {@code null} when there is none. */
    String sender;
    final Set<String> recipients = new LinkedHashSet<>();
    int errors;
    /**
     * A recipient of this session was refused with 450 4.7.1 because its client is over the harvest limit: the
     * next command other than QUIT ends the session with 421 4.7.0.
     */
    boolean harvestRefused;
    /** The client is in {@code harvest.exempt.networks}: counted, never delayed nor refused for harvesting. */
    boolean harvestExempt;
    /** {@link System#nanoTime()} when the session was accepted. */
    final long startedNanos = System.nanoTime();
    /** One of Streamail's commands is running (DATA included, up to its reply): the reaper leaves it alone. */
    volatile boolean busy;
    /**
     * A reply of ours is being written, or a STARTTLS handshake is running ({@link #waitingSinceNanos} says since
     * when): no read timeout bounds a write to a client that reads nothing, nor a handshake the client sends a
     * byte at a time, so the reaper ends such a session even while {@link #busy}.
     */
    volatile boolean waitingOnClient;
    /** {@link System#nanoTime()} when the current (or last) wait began; set before {@link #waitingOnClient}. */
    volatile long waitingSinceNanos;
    /** The reaper closed the socket (set once, by the reaper). */
    volatile boolean reaped;

    /**
     * The client as counted against {@code max.connections.per.ip}: its address, or for IPv6 its /64 network
     * ({@link IntrusionAlarm#rateKey}), since one host commonly holds a whole /64 and could otherwise open
     * {@code max.connections.per.ip} sessions from each of its addresses; {@code null} when the address is unknown.
     */
    final String clientKey;

    SessionState(String id, String clientIp, boolean tls) {
        this.id = id;
        this.clientIp = clientIp;
        this.clientKey = clientIp == null ? null : IntrusionAlarm.rateKey(clientIp);
        this.tls = tls;
    }

    /** Whether the session has lasted longer than {@code limitSeconds} (0 = no limit). */
    boolean overTime(int limitSeconds, long nowNanos) {
        return limitSeconds > 0 && nowNanos - startedNanos > limitSeconds * 1_000_000_000L;
    }

    /** Whether a reply or a handshake ({@link #waitingOnClient}) has lasted longer than {@code graceNanos}. */
    boolean stuckOnClient(long graceNanos, long nowNanos) {
        return waitingOnClient && nowNanos - waitingSinceNanos > graceNanos;
    }

    boolean inTransaction() {
        return sender != null;
    }

    void resetTransaction() {
        sender = null;
        recipients.clear();
    }

    SmtpSession snapshot() {
        return new SmtpSession(id, clientIp, helo, tls, null, sender, new ArrayList<>(recipients));
    }
}
