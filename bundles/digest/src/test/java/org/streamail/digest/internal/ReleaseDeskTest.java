package org.streamail.digest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.streamail.digest.internal.DigestFakes.entry;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.streamail.api.alert.AlertRequest;
import org.streamail.api.alert.Severity;
import org.streamail.api.model.Category;
import org.streamail.api.store.QuarantineEntry;
import org.streamail.api.store.QuarantineQuery;
import org.streamail.digest.internal.DigestFakes.FakeAlerts;
import org.streamail.digest.internal.DigestFakes.FakeQuarantine;
import org.streamail.digest.internal.DigestFakes.FakeReports;
import org.streamail.digest.internal.ReleaseDesk.Outcome;

class ReleaseDeskTest {

    private static final String ALICE = "alice@corp.example";
    private static final String BOB = "bob@corp.example";
    private static final Set<Category> SPAM_ONLY = Set.of(Category.SPAM);

    private final FakeQuarantine quarantine = new FakeQuarantine();
    private final FakeAlerts alerts = new FakeAlerts();
    private final FakeReports reports = new FakeReports();
    private final ReleaseDesk desk = new ReleaseDesk(() -> quarantine, () -> alerts, () -> reports, SPAM_ONLY);

    @Test
    void aUserReleasesTheirOwnCopyOnlyForAllowedCategories() {
        List<Category> spam = List.of(Category.SPAM);
        assertThat(ReleaseDesk.selfReleasable(entry("q1", "s", 0, spam, ALICE), ALICE, SPAM_ONLY)).isTrue();
        assertThat(ReleaseDesk.selfReleasable(entry("q1", "s", 0, spam, ALICE), "ALICE@Corp.Example", SPAM_ONLY))
                .as("addresses compare without case").isTrue();
        assertThat(ReleaseDesk.selfReleasable(entry("q2", "s", 0, spam, ALICE, BOB), ALICE, SPAM_ONLY))
                .as("held for two: each releases their own copy").isTrue();
        QuarantineEntry alicesDone = quarantine.add(entry("q2", "s", 0, spam, ALICE, BOB)).releaseTo("q2", ALICE,
                "digest:" + ALICE);
        assertThat(ReleaseDesk.selfReleasable(alicesDone, ALICE, SPAM_ONLY)).as("her copy is out").isFalse();
        assertThat(ReleaseDesk.selfReleasable(alicesDone, BOB, SPAM_ONLY)).as("his is still held").isTrue();
        assertThat(ReleaseDesk.selfReleasable(entry("q3", "s", 0, spam, BOB), ALICE, SPAM_ONLY))
                .as("somebody else's").isFalse();
        assertThat(ReleaseDesk.selfReleasable(entry("q4", "s", 0, List.of(Category.PHISHING), ALICE), ALICE,
                SPAM_ONLY)).as("category not allowed").isFalse();
        assertThat(ReleaseDesk.selfReleasable(entry("q5", "s", 0, List.of(Category.PHISHING, Category.SPAM), ALICE),
                ALICE, SPAM_ONLY)).as("one category of two not allowed").isFalse();
        assertThat(ReleaseDesk.selfReleasable(entry("q5", "s", 0, List.of(Category.PHISHING, Category.SPAM), ALICE),
                ALICE, Set.of(Category.SPAM, Category.PHISHING))).as("both allowed").isTrue();
        assertThat(ReleaseDesk.selfReleasable(entry("q6", "s", 0, List.of(), ALICE), ALICE, Set.of(Category.values())))
                .as("no category says nothing is harmless").isFalse();
        assertThat(ReleaseDesk.selfReleasable(entry("q8", "s", 0, List.of(Category.SPAM, Category.INFO), ALICE), ALICE,
                SPAM_ONLY)).as("INFO (the auth results every message has) is no reason to hold").isTrue();
        assertThat(ReleaseDesk.selfReleasable(entry("q8", "s", 0, List.of(Category.INFO), ALICE), ALICE,
                Set.of(Category.values()))).as("INFO alone says nothing is harmless either").isFalse();
        assertThat(ReleaseDesk.selfReleasable(entry("q1", "s", 0, spam, ALICE), ALICE, Set.of()))
                .as("empty configuration: users only ask").isFalse();
        QuarantineEntry released = quarantine.add(entry("q7", "s", 0, spam, ALICE)).release("q7", "admin");
        assertThat(ReleaseDesk.selfReleasable(released, ALICE, SPAM_ONLY)).as("no longer held").isFalse();
    }

    @Test
    void theListHoldsOnlyThisUsersHeldMessagesNewestFirst() {
        quarantine.add(entry("old", "old", 1, List.of(Category.SPAM), ALICE))
                .add(entry("new", "new", 5, List.of(Category.SPAM), "Alice@Corp.Example"))
                .add(entry("shared", "shared", 3, List.of(Category.SPAM), ALICE, BOB))
                .add(entry("phish", "phish", 2, List.of(Category.PHISHING), ALICE))
                .add(entry("bobs", "bobs", 4, List.of(Category.SPAM), BOB))
                .add(entry("gone", "gone", 6, List.of(Category.SPAM), ALICE))
                .add(entry("hers", "hers", 7, List.of(Category.SPAM), ALICE, BOB));
        quarantine.release("gone", "admin");
        quarantine.releaseTo("hers", ALICE, "admin"); // her copy released, bob's still held
        quarantine.ignoreRecipientFilter = true; // the desk checks again: a sloppy store leaks nothing

        List<ReleaseDesk.Held> held = desk.heldFor(ALICE, 50);

        assertThat(held).extracting(h -> h.entry().id()).containsExactly("new", "shared", "phish", "old");
        assertThat(held).extracting(ReleaseDesk.Held::selfRelease).containsExactly(true, true, false, true);
        assertThat(quarantine.queries).singleElement().satisfies(q -> assertThat(q)
                .isEqualTo(new QuarantineQuery(50, 0, QuarantineEntry.Status.HELD, null, null, ALICE)));
        assertThat(quarantine.releases).containsExactly("gone by admin", "hers to " + ALICE + " by admin");
        assertThat(desk.heldFor(BOB, 50)).extracting(h -> h.entry().id()).as("bob's copy still listed for him")
                .contains("hers");
        quarantine.ignoreRecipientFilter = false;
        assertThat(desk.heldFor(ALICE, 2)).extracting(h -> h.entry().id()).containsExactly("new", "shared");
    }

    @Test
    void aSelfReleasableMessageIsReleasedToTheUserInTheirNameAndLearnedAsTheirHam() {
        quarantine.add(entry("q1", "Weekly offer", 0, List.of(Category.SPAM), ALICE));
        assertThat(desk.act(ALICE, "q1")).isEqualTo(Outcome.RELEASED);
        assertThat(quarantine.status("q1")).isEqualTo(QuarantineEntry.Status.RELEASED);
        assertThat(quarantine.entries.get("q1").actedBy()).isEqualTo("digest:" + ALICE);
        assertThat(alerts.raised).isEmpty();
        assertThat(desk.act(ALICE, "q1")).as("a second click").isEqualTo(Outcome.GONE);
        assertThat(reports.reports).containsExactly("HAM q1 by " + ALICE);
    }

    @Test
    void aMessageHeldForSeveralIsReleasedToTheAskingUserOnlyAndStaysHeldForTheOthers() {
        quarantine.add(entry("q8", "Newsletter", 0, List.of(Category.SPAM), ALICE, BOB));
        assertThat(desk.act(ALICE, "q8")).isEqualTo(Outcome.RELEASED);
        assertThat(quarantine.releases).containsExactly("q8 to " + ALICE + " by digest:" + ALICE);
        QuarantineEntry e = quarantine.entries.get("q8");
        assertThat(e.status()).isEqualTo(QuarantineEntry.Status.HELD);
        assertThat(e.releasedTo()).containsExactly(ALICE);
        assertThat(desk.act(ALICE, "q8")).as("her copy is out: nothing more to do").isEqualTo(Outcome.GONE);
        assertThat(desk.heldFor(ALICE, 50)).isEmpty();
        assertThat(desk.act(BOB, "q8")).isEqualTo(Outcome.RELEASED);
        assertThat(quarantine.status("q8")).isEqualTo(QuarantineEntry.Status.RELEASED);
        assertThat(reports.reports).containsExactly("HAM q8 by " + ALICE, "HAM q8 by " + BOB);
        assertThat(alerts.raised).isEmpty();
    }

    @Test
    void aReportThatFailsLeavesTheReleaseStanding() {
        quarantine.add(entry("q1", "s", 0, List.of(Category.SPAM), ALICE));
        reports.failure = new IllegalStateException("database down");
        assertThat(desk.act(ALICE, "q1")).isEqualTo(Outcome.RELEASED);
        assertThat(quarantine.status("q1")).isEqualTo(QuarantineEntry.Status.RELEASED);
    }

    @Test
    void anotherUsersIdAnUnknownIdAndAReleasedEntryAllLookTheSameAndChangeNothing() {
        quarantine.add(entry("bobs", "s", 0, List.of(Category.SPAM), BOB))
                .add(entry("done", "s", 0, List.of(Category.SPAM), ALICE))
                .add(entry("bobsphish", "s", 0, List.of(Category.PHISHING), BOB));
        quarantine.release("done", "admin");
        quarantine.releases.clear();

        assertThat(desk.act(ALICE, "bobs")).isEqualTo(Outcome.GONE);
        assertThat(desk.act(ALICE, "bobsphish")).isEqualTo(Outcome.GONE);
        assertThat(desk.act(ALICE, "no-such-id")).isEqualTo(Outcome.GONE);
        assertThat(desk.act(ALICE, "done")).isEqualTo(Outcome.GONE);
        assertThat(desk.act(ALICE, "")).isEqualTo(Outcome.GONE);
        assertThat(desk.act(ALICE, "x".repeat(5000))).isEqualTo(Outcome.GONE);

        assertThat(quarantine.releases).isEmpty();
        assertThat(quarantine.status("bobs")).isEqualTo(QuarantineEntry.Status.HELD);
        assertThat(alerts.raised).isEmpty();
    }

    @Test
    void aReleaseThatLosesARaceIsGone() {
        quarantine.add(entry("q1", "s", 0, List.of(Category.SPAM), ALICE));
        quarantine.raceOnRelease = true;
        assertThat(desk.act(ALICE, "q1")).isEqualTo(Outcome.GONE);
    }

    @Test
    void otherwiseTheAdministratorsAreAskedOnceInOneHarmlessLine() {
        String hostile = "Invoice\r\nBcc: x@evil.example \u202Egpj.exe <b>";
        quarantine.add(entry("q9", hostile, 0, List.of(Category.PHISHING, Category.SPAM), ALICE))
                .add(entry("q8", "shared", 0, List.of(Category.MALWARE), ALICE, BOB));

        assertThat(desk.act(ALICE, "q9")).isEqualTo(Outcome.REQUESTED);
        assertThat(desk.act(ALICE, "q9")).isEqualTo(Outcome.ALREADY_REQUESTED);
        assertThat(desk.act(ALICE, "q8")).as("malware, shared with bob").isEqualTo(Outcome.REQUESTED);

        assertThat(quarantine.releases).isEmpty();
        assertThat(quarantine.status("q9")).isEqualTo(QuarantineEntry.Status.HELD);
        assertThat(alerts.keys).containsExactly("release-request:q9:" + ALICE, "release-request:q9:" + ALICE,
                "release-request:q8:" + ALICE);
        assertThat(alerts.raised).hasSize(2);
        AlertRequest a = alerts.raised.get(0);
        assertThat(a.kind()).isEqualTo("release-request");
        assertThat(a.severity()).isEqualTo(Severity.MEDIUM);
        assertThat(a.subject()).isEqualTo("q9");
        assertThat(a.messageId()).as("the gateway id").isEqualTo("q9");
        assertThat(a.recipient()).as("to the admins, not back to the user").isEmpty();
        assertThat(a.title()).isEqualTo(ALICE + " asks for the release of a message held as PHISHING, SPAM")
                .hasSizeLessThanOrEqualTo(200);
        assertThat(a.detail()).contains("sender@bad.example").contains("q9")
                .contains("Subject: Invoice Bcc: x@evil.example gpj.exe <b>\n")
                .contains("score 9.0 >= quarantine.score 8.0").doesNotContain("\u202E").doesNotContain("\r");
    }

    @Test
    void withoutItsServicesTheDeskSaysUnavailableAndDoesNothing() {
        quarantine.add(entry("q1", "s", 0, List.of(Category.SPAM), ALICE))
                .add(entry("q2", "s", 0, List.of(Category.PHISHING), ALICE));
        assertThat(new ReleaseDesk(() -> null, () -> alerts, () -> reports, SPAM_ONLY).act(ALICE, "q1"))
                .isEqualTo(Outcome.UNAVAILABLE);
        ReleaseDesk noAlerts = new ReleaseDesk(() -> quarantine, () -> null, () -> null, SPAM_ONLY);
        assertThat(noAlerts.act(ALICE, "q2")).isEqualTo(Outcome.UNAVAILABLE);
        assertThat(noAlerts.act(ALICE, "q1")).as("a self-release needs no alert service").isEqualTo(Outcome.RELEASED);
        assertThat(quarantine.releases).containsExactly("q1 to " + ALICE + " by digest:" + ALICE);
        assertThat(alerts.raised).isEmpty();
    }
}
