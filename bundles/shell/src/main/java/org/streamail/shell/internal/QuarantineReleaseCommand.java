package org.streamail.shell.internal;

import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;
import org.streamail.api.service.QuarantineService;
import org.streamail.api.store.QuarantineEntry;

/**
 * {@code streamail:quarantine-release <id> [--recipient <address>]}: delivers a held message to its original
 * recipients (those not released to one by one before), or with {@code --recipient} a copy to that recipient only.
 */
@Command(scope = "streamail", name = "quarantine-release", description = "Releases a held message: it is delivered to its original recipients, or with --recipient to that one recipient only (it stays held for the others)")
@Service
public class QuarantineReleaseCommand implements Action {

    @Argument(index = 0, name = "id", description = "The quarantine id", required = true)
    @Completion(QuarantineIdCompleter.class)
    String id;

    @Option(name = "-r", aliases = "--recipient", description = "Release a copy to this envelope recipient only; the"
            + " message stays held for the others until each of them is released")
    String recipient;

    @Reference(optional = true)
    QuarantineService quarantine;

    @Reference(optional = true)
    Session session;

    @Override
    public Object execute() {
        QuarantineService service = Services.require(quarantine, "quarantine service (gateway core)");
        if (recipient != null) {
            return releaseTo(service, recipient.strip());
        }
        QuarantineEntry e = act(service, id, "release", () -> service.release(id, Actor.of(session)));
        // a release to everyone goes to the recipients not released to one by one before
        List<String> to = e.envelope().recipients().stream()
                .filter(r -> !e.releasedTo().contains(r.toLowerCase(Locale.ROOT))).toList();
        System.out.println("Released " + e.id() + " to " + Format.visible(String.join(", ", to))
                + " (by " + Format.visible(e.actedBy()) + ")");
        return null;
    }

    private Object releaseTo(QuarantineService service, String r) {
        if (r.isEmpty() || r.chars().anyMatch(c -> Character.isISOControl(c) || Character.isWhitespace(c))) {
            throw new CommandFailure("--recipient must be an address, got '" + Format.visible(recipient) + "'");
        }
        String actor = Actor.of(session);
        QuarantineEntry e;
        try {
            e = service.releaseTo(id, r, actor);
        } catch (NoSuchElementException ex) {
            throw new CommandFailure("No quarantined message with id " + Format.visible(id));
        } catch (IllegalArgumentException ex) {
            throw new CommandFailure(Format.visible(r) + " is not a recipient of " + Format.visible(id));
        } catch (IllegalStateException ex) {
            QuarantineEntry now = service.get(id).orElse(null);
            if (now != null && now.releasedTo().contains(r.toLowerCase(Locale.ROOT))) {
                throw new CommandFailure("Cannot release " + Format.visible(id) + " to " + Format.visible(r)
                        + ": it was released to them already");
            }
            if (now != null && now.heldFor(r)) {
                throw new CommandFailure("Cannot release " + Format.visible(id) + " to " + Format.visible(r)
                        + " now: " + Format.visible(ex.getMessage()));
            }
            throw new CommandFailure("Cannot release " + Format.visible(id) + " to " + Format.visible(r)
                    + ": it is not held (status " + (now == null ? "unknown" : now.status().name()) + ")");
        }
        List<String> still = e.envelope().recipients().stream().filter(e::heldFor).toList();
        System.out.println("Released " + e.id() + " to " + Format.visible(r) + " (by " + Format.visible(actor) + "); "
                + (still.isEmpty() ? "now released to every recipient"
                        : "still held for " + Format.visible(String.join(", ", still))));
        return null;
    }

    /** Runs a quarantine action, turning the service's exceptions into clear error lines. */
    static QuarantineEntry act(QuarantineService service, String id, String verb,
            java.util.function.Supplier<QuarantineEntry> action) {
        try {
            return action.get();
        } catch (NoSuchElementException e) {
            throw new CommandFailure("No quarantined message with id " + Format.visible(id));
        } catch (IllegalStateException e) {
            String status = service.get(id).map(q -> q.status().name()).orElse("unknown");
            throw new CommandFailure("Cannot " + verb + " " + Format.visible(id) + ": it is not held (status "
                    + status + ")");
        }
    }
}
