package org.streamail.smtp.internal.server;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import org.streamail.api.smtp.SmtpSession;

/**
 * What the listener knows of one connection. Touched only by that connection's session thread (commands
 * run one after another), so it needs no locking.
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

    SessionState(String id, String clientIp, boolean tls) {
        this.id = id;
        this.clientIp = clientIp;
        this.tls = tls;
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
