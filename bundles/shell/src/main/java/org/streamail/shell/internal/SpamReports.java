package org.streamail.shell.internal;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.AccessController;
import java.security.Principal;
import java.util.NoSuchElementException;
import javax.security.auth.Subject;
import org.apache.karaf.shell.api.console.Session;
import org.streamail.api.spam.ReportKind;
import org.streamail.api.spam.ReportResult;
import org.streamail.api.spam.ReportService;

/** What {@code report-spam} and {@code report-ham} share: file-or-id resolution, the admin flag, output. */
final class SpamReports {

    private SpamReports() {
    }

    /**
     * Reports {@code target}: for an administrator, a message file if one exists at that path (relative to
     * the shell's current directory), else a quarantine or message id. Other users report by id only: the
     * gateway reads files as its own user, so a viewer naming {@code etc/users.properties} must neither get
     * it read nor learn whether it exists (the error is the same either way).
     */
    static void report(ReportService service, ReportKind kind, String target, Session session) {
        ReportService s = Services.require(service, "report service (detect-spam)");
        String reporter = Actor.of(session);
        boolean admin = isAdmin();
        Path file = admin ? file(target, session) : null;
        ReportResult r;
        try {
            if (file != null) {
                r = s.report(kind, ScanCommand.read(file), reporter, admin);
            } else {
                r = s.reportById(kind, target.strip(), reporter, admin);
            }
        } catch (NoSuchElementException e) {
            if (admin && notAFile(target, session)) {
                throw new CommandFailure(Format.visible(target) + " is a directory or a special file, not a message"
                        + " file; name a .eml file, a quarantine id or a recently seen message id");
            }
            throw new CommandFailure(admin
                    ? "No file and no stored message named " + Format.visible(target)
                            + " (quarantine ids and recently seen message ids can be reported)"
                    : "No stored message named " + Format.visible(target) + " (quarantine ids and recently seen"
                            + " message ids can be reported; reporting a file on the gateway's disk is for"
                            + " administrators)");
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("Cannot report " + Format.visible(target) + ": " + Format.visible(e.getMessage()));
        }
        System.out.println("Reported " + kind + " as " + Format.visible(reporter) + (admin ? " (admin)" : "")
                + (r.counted() ? "" : " - already reported by you, counted once"));
        System.out.println("Reference:  " + r.reference());
        System.out.println("Reporters:  " + r.spamReporters() + " spam, " + r.hamReporters() + " ham");
        System.out.println("Blocking:   " + (r.blocking() ? "yes - matching mail is refused on every node" : "no"));
    }

    /** Whether something other than a regular file (a directory, a device, a pipe) exists at that path. */
    private static boolean notAFile(String target, Session session) {
        Path p = path(target, session);
        return p != null && Files.exists(p) && !Files.isRegularFile(p);
    }

    /** The path a target names, relative to the shell's current directory; {@code null} when it is no valid path. */
    private static Path path(String target, Session session) {
        try {
            Path p = Path.of(target);
            if (!p.isAbsolute() && session != null && session.currentDir() != null) {
                p = session.currentDir().resolve(p);
            }
            return p;
        } catch (InvalidPathException e) {
            return null;
        }
    }

    private static Path file(String target, Session session) {
        Path p = path(target, session);
        return p != null && Files.isRegularFile(p) ? p : null;
    }

    /**
     * Whether the shell user holds the admin role: a JAAS RolePrincipal named {@code admin} (matched by class
     * name, as {@link Actor} does). A session without a subject is the local console, run by the operator
     * who started Karaf, so it counts as an administrator.
     */
    @SuppressWarnings("removal") // Subject.getSubject is how Karaf 4.4 carries the shell user on Java 17
    static boolean isAdmin() {
        try {
            Subject subject = Subject.getSubject(AccessController.getContext());
            if (subject == null) {
                return true;
            }
            for (Principal p : subject.getPrincipals()) {
                if (p.getClass().getSimpleName().equals("RolePrincipal") && "admin".equals(p.getName())) {
                    return true;
                }
            }
            return false;
        } catch (UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }
}
