package org.streamail.digest.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.alert.Alert;
import org.streamail.api.alert.AlertRequest;
import org.streamail.api.alert.AlertService;
import org.streamail.api.alert.Severity;
import org.streamail.api.digest.QuarantineDigest;
import org.streamail.api.model.Category;
import org.streamail.api.service.QuarantineService;
import org.streamail.api.spam.ReportKind;
import org.streamail.api.spam.ReportService;
import org.streamail.api.store.QuarantineEntry;
import org.streamail.api.store.QuarantineQuery;

/**
 * What a user may do from their digest page, without HTTP: list what is held for them, and release a message or ask
 * the administrators to. The only input trusted is the recipient of a verified token; what to do with a message is
 * decided here from the entry itself, never from the request (a form could say "release" for a message held as
 * malware). Every way an id can be wrong for this user (unknown, no longer held, held for somebody else) gets the same
 * answer, so the page cannot be used to learn the ids of other users' messages.
 *
 * <p>Services are read at each call (optional dynamic references of the servlet). Stateless apart from them;
 * thread-safe. Logs who did what to which id, never a subject (it is the content of somebody's mail).
 */
final class ReleaseDesk {

    private static final Logger LOG = LoggerFactory.getLogger(ReleaseDesk.class);
    static final String ALERT_KIND = "release-request";
    static final String ACTOR_PREFIX = QuarantineDigest.RELEASE_ACTOR_PREFIX;
    /** Pages of the quarantine read at most to fill one user's list. */
    static final int MAX_PAGES = 10;
    /** Longest quarantine id looked up; a longer one cannot be a gateway id. */
    static final int MAX_ID_CHARS = 200;
    private static final int MAX_TITLE = 200;
    /** The longest message id the alert service stores. */
    private static final int MAX_MESSAGE_ID = 256; // what the alert service accepts

    /** One held message of the list, and whether its recipient may release it alone. */
    record Held(QuarantineEntry entry, boolean selfRelease) {
        Held {
            Objects.requireNonNull(entry, "entry");
        }
    }

    /** What {@link #act} did. */
    enum Outcome { RELEASED, REQUESTED, ALREADY_REQUESTED, GONE, UNAVAILABLE }

    private final Supplier<QuarantineService> quarantine;
    private final Supplier<AlertService> alerts;
    private final Supplier<ReportService> reports;
    private final Set<Category> selfRelease;

    /**
     * @param quarantine  the quarantine, or a supplier of {@code null} while it is absent
     * @param alerts      the alert service, or a supplier of {@code null} while it is absent
     * @param reports     the spam bundle's reports, or a supplier of {@code null} while it is absent
     * @param selfRelease the categories a user may release alone (copied)
     */
    ReleaseDesk(Supplier<QuarantineService> quarantine, Supplier<AlertService> alerts, Supplier<ReportService> reports,
            Set<Category> selfRelease) {
        this.quarantine = Objects.requireNonNull(quarantine, "quarantine");
        this.alerts = Objects.requireNonNull(alerts, "alerts");
        this.reports = Objects.requireNonNull(reports, "reports");
        this.selfRelease = Set.copyOf(selfRelease);
    }

    /**
     * The held messages of {@code recipient}, newest first, at most {@code limit} (1..1000).
     *
     * @throws IllegalStateException when the quarantine service is absent
     */
    List<Held> heldFor(String recipient, int limit) {
        QuarantineService q = quarantine.get();
        if (q == null) {
            throw new IllegalStateException("the quarantine service is not available");
        }
        List<Held> out = new ArrayList<>(Math.min(limit, QuarantineQuery.MAX_LIMIT));
        // Entries whose copy for this user was released already (the others' still held) are skipped, so more pages
        // may be needed to fill the list; bounded.
        QuarantineQuery query = new QuarantineQuery(limit, 0, QuarantineEntry.Status.HELD, null, null, recipient);
        for (int page = 0; page < MAX_PAGES && out.size() < limit; page++) {
            List<QuarantineEntry> found = q.list(query);
            for (QuarantineEntry e : found) {
                // The store filters already; checked again because a match here is what lets the user act on it.
                if (out.size() < limit && e.heldFor(recipient)) {
                    out.add(new Held(e, selfReleasable(e, recipient, selfRelease)));
                }
            }
            if (found.size() < limit) {
                break;
            }
            query = query.after(found.get(found.size() - 1));
        }
        out.sort(Comparator.comparing((Held h) -> h.entry().quarantinedAt()).reversed());
        return List.copyOf(out);
    }

    /**
     * Releases the message when {@code recipient} may release it alone, else asks the administrators once.
     *
     * @param recipient    from a verified token
     * @param quarantineId from the form: only looked up, never trusted
     */
    Outcome act(String recipient, String quarantineId) {
        QuarantineService q = quarantine.get();
        if (q == null) {
            return Outcome.UNAVAILABLE;
        }
        if (recipient == null || quarantineId == null || quarantineId.isEmpty()
                || quarantineId.length() > MAX_ID_CHARS) {
            return Outcome.GONE;
        }
        String shownId = Texts.oneLine(quarantineId, MAX_ID_CHARS);
        Optional<QuarantineEntry> found = q.get(quarantineId);
        if (found.isEmpty() || !found.get().heldFor(recipient)) {
            LOG.info("Digest: {} acted on quarantine entry {}, which is not held for them: nothing done", recipient,
                    shownId);
            return Outcome.GONE;
        }
        QuarantineEntry e = found.get();
        if (selfReleasable(e, recipient, selfRelease)) {
            try {
                q.releaseTo(e.id(), recipient, ACTOR_PREFIX + recipient);
            } catch (IllegalStateException | IllegalArgumentException | NoSuchElementException race) {
                LOG.info("Digest: {} released quarantine entry {}, which was released or deleted meanwhile", recipient,
                        shownId);
                return Outcome.GONE;
            }
            LOG.info("Digest: {} released their copy of quarantine entry {} (held as {})", recipient, shownId,
                    categories(e));
            learn(e, recipient, shownId);
            return Outcome.RELEASED;
        }
        AlertService a = alerts.get();
        if (a == null) {
            LOG.warn("Digest: {} asked for the release of quarantine entry {}, but the alert service is not available",
                    recipient, shownId);
            return Outcome.UNAVAILABLE;
        }
        Optional<Alert> raised = a.raiseOnce(request(e, recipient),
                ALERT_KIND + ":" + e.id() + ":" + recipient);
        if (raised.isEmpty()) {
            LOG.info("Digest: {} asked again for the release of quarantine entry {}", recipient, shownId);
            return Outcome.ALREADY_REQUESTED;
        }
        LOG.info("Digest: {} asked the administrators to release quarantine entry {} (held as {})", recipient, shownId,
                categories(e));
        return Outcome.REQUESTED;
    }

    /**
     * Whether {@code recipient} may release their own copy of {@code e} ({@link QuarantineService#releaseTo}: the
     * other recipients' copies stay held): it is still held for them, and every category it was held for is allowed.
     * {@link Category#INFO} is no reason to hold (a signal that alone says nothing bad, such as the sender
     * authentication results every inbound message has) and is not counted. A message held without another category
     * is not releasable: nothing says it is harmless.
     */
    static boolean selfReleasable(QuarantineEntry e, String recipient, Set<Category> allowed) {
        if (e == null || recipient == null || allowed == null || !e.heldFor(recipient)) {
            return false;
        }
        List<Category> held = e.verdict().categories().stream().filter(c -> c != Category.INFO).toList();
        return !held.isEmpty() && allowed.containsAll(held);
    }

    /**
     * The user's release is their ham report (as the spam bundle learns a whole release by a digest user): the
     * copies still held for others stay held, and the report weighs as one user's, never an administrator's. Reports
     * are idempotent per message and reporter, so the spam bundle's own learning of a release that ends the hold
     * counts once with this. A report that fails is logged; the release stands.
     */
    private void learn(QuarantineEntry e, String recipient, String shownId) {
        ReportService r = reports.get();
        if (r == null) {
            return;
        }
        try {
            r.reportById(ReportKind.HAM, e.id(), recipient, false);
        } catch (RuntimeException x) {
            LOG.warn("Digest: the release of {} by {} was not learned as their ham report: {}", shownId, recipient,
                    Texts.oneLine(String.valueOf(x.getMessage()), 200));
        }
    }

    /** The alert to the administrators (recipient "": it is not mailed back to the user who asked). */
    private static AlertRequest request(QuarantineEntry e, String recipient) {
        String who = Texts.oneLine(recipient, 100);
        String title = Texts.oneLine(who + " asks for the release of a message held as " + categories(e), MAX_TITLE);
        String detail = who + " asked, from their quarantine digest, for the release of a message the policy does not"
                + " let them release themselves (held as " + categories(e) + ").\n"
                + "Quarantine id: " + Texts.oneLine(e.id(), MAX_ID_CHARS) + "\n"
                + "Sender: " + (e.envelope().sender().isEmpty() ? "<>" : Texts.oneLine(e.envelope().sender(), 254))
                + "\n"
                + "Recipients: " + Texts.oneLine(String.join(", ", e.envelope().recipients()), 500) + "\n"
                + "Subject: " + Texts.oneLine(e.subject(), 200) + "\n"
                + "Reason: " + Texts.oneLine(e.verdict().reason(), 300) + "\n"
                + "Release it to them if it is safe (streamail:quarantine-release --recipient " + who + " "
                + Texts.oneLine(e.id(), MAX_ID_CHARS) + "); the user is not told either way.";
        // the gateway id, as AlertRequest asks (the quarantine id is the gateway id), so GET /messages/{id} finds it
        return new AlertRequest(ALERT_KIND, Severity.MEDIUM, e.id(), Texts.oneLine(e.id(), MAX_MESSAGE_ID), "",
                title, detail);
    }

    private static String categories(QuarantineEntry e) {
        List<Category> c = e.verdict().categories();
        return c.isEmpty() ? "no category" : c.stream().map(Category::name).collect(Collectors.joining(", "));
    }
}
