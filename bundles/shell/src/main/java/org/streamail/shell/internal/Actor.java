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
     * The session's user: Karaf puts the login name in the {@code USER} session variable; failing that the
     * JAAS subject's user principal (matched by class name, to avoid a Karaf JAAS dependency); else
     * {@value #FALLBACK}.
     */
    @SuppressWarnings("removal") // Subject.getSubject is how Karaf 4.4 carries the shell user on Java 17
    static String of(Session session) {
        Object user = session == null ? null : session.get("USER");
        if (user instanceof String s && !s.isBlank()) {
            return s;
        }
        try {
            Subject subject = Subject.getSubject(AccessController.getContext());
            if (subject != null) {
                for (Principal p : subject.getPrincipals()) {
                    if (p.getClass().getSimpleName().equals("UserPrincipal") && p.getName() != null) {
                        return p.getName();
                    }
                }
            }
        } catch (UnsupportedOperationException | SecurityException e) {
            // newer JVMs may refuse the legacy lookup: fall through to the fallback name
        }
        return FALLBACK;
    }
}
