package org.streamail.shell.internal;

import java.security.AccessController;
import java.security.Principal;
import javax.security.auth.Subject;
import org.apache.karaf.shell.api.console.Session;

/** Who is running a command, for the audit trail of quarantine actions. */
final class Actor {

    /** Used when the session has no authenticated user (e.g. a local console without login). */
    static final String FALLBACK = "shell";

    private Actor() {
    }

    /**
     * The session's user: the JAAS subject's user principal (matched by class name, to avoid a Karaf JAAS
     * dependency), which is who logged in; only without a subject (a local console without login) Karaf's
     * {@code USER} session variable; else {@value #FALLBACK}. {@code USER} never wins over the subject: it is
     * an ordinary Gogo variable that {@code USER = alice} at the prompt overwrites, and as the reporter or
     * the audited actor it let one viewer act under any name (count as many spam reporters, say).
     */
    @SuppressWarnings("removal") // Subject.getSubject is how Karaf 4.4 carries the shell user on Java 17
    static String of(Session session) {
        try {
            Subject subject = Subject.getSubject(AccessController.getContext());
            if (subject != null) {
                for (Principal p : subject.getPrincipals()) {
                    if (p.getClass().getSimpleName().equals("UserPrincipal") && p.getName() != null
                            && !p.getName().isBlank()) {
                        return p.getName();
                    }
                }
                return FALLBACK;
            }
        } catch (UnsupportedOperationException | SecurityException e) {
            // newer JVMs may refuse the legacy lookup: fall through to the session variable
        }
        Object user = session == null ? null : session.get("USER");
        if (user instanceof String s && !s.isBlank()) {
            return s;
        }
        return FALLBACK;
    }
}
