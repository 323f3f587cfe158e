package org.streamail.spam.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.streamail.api.detect.Inspection;
import org.streamail.api.model.Content;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.ParsedMessage;
import org.streamail.api.spam.ReportKind;

/** The component's own state across its life cycle (configuration changes build a new instance). */
class SpamComponentTest {

    /**
     * A configuration change deactivates the component and activates a new one: the messages the node inspected
     * before must still be reportable by their id (they were lost with the old instance: a user's report of mail
     * delivered before the change got "not found").
     */
    @Test
    void aMessageInspectedBeforeAConfigurationChangeCanStillBeReportedByItsId() {
        InMemorySpamStore store = new InMemorySpamStore();
        byte[] raw = Mail.text("x@other.example", "Hello friend", "We offer cheap loans with no questions asked "
                + "to every customer who answers this letter within three days of receiving it.");
        SpamComponent before = new SpamComponent(store, StrictConfigTest.config(Map.of()), Map.of());
        try {
            before.inspect(new Inspection("spool-7", Envelope.inbound("x@other.example", List.of("a@example.org"),
                    "192.0.2.1", "mx.other.example"), new ParsedMessage(null, null, null, null, null, null, null,
                            null, null, null, null, raw.length, false, null), Content.of(raw),
                    Instant.now().plusSeconds(30)));
        } finally {
            before.deactivate();
        }
        SpamComponent after = new SpamComponent(store, StrictConfigTest.config(Map.of("reporters_to_block", 2,
                "recent_bytes", 1024L * 1024)), Map.of());
        try {
            assertThat(after.reportById(ReportKind.SPAM, "spool-7", "root", true).blocking()).isTrue();
        } finally {
            after.deactivate();
        }
    }

    /**
     * The learner reschedules itself after each learning (paced by its duration, {@link SpamComponent#nextLearningDelayMillis}): the
     * reports of a second batch, long after the first learning, are learned too.
     */
    @Test
    void theLearnerKeepsLearningAsReportsArrive() throws Exception {
        InMemorySpamStore store = new InMemorySpamStore();
        SpamComponent component = new SpamComponent(store, StrictConfigTest.config(Map.of("refresh_seconds", 1)), Map.of());
        try {
            // every message its own words (a report's reference id ignores digits: copies train once)
            String[] topics = {"budget", "hiring", "release", "security", "printer", "parking", "holiday", "backup",
                "network", "laptop", "training", "catering", "travel", "badges"};
            for (int i = 0; i < 12; i++) {
                component.report(ReportKind.HAM, Mail.text("colleague@example.org", "Minutes on " + topics[i],
                        "The meeting notes on the " + topics[i] + " question are attached, with the review of the "
                                + topics[i] + " plan and who follows up on " + topics[i] + " next week."), "alice", true);
                component.report(ReportKind.SPAM, Mail.text("deals@offers.example", "Cheap " + topics[i] + " pills",
                        "Buy cheap " + topics[i] + " pills now, huge discount on " + topics[i] + ", limited offer, "
                                + "click here to order " + topics[i] + " today and save money."), "alice", true);
            }
            LogisticModel lr = component.engine.logistic();
            waitFor(() -> lr.learnedFrom() > 0 && lr.learnedFrom() == lr.messages());
            int first = lr.learnedFrom();
            assertThat(first).isEqualTo(24);
            for (int i = 12; i < 14; i++) {
                component.report(ReportKind.SPAM, Mail.text("deals@offers.example", "Cheap " + topics[i] + " pills",
                        "Cheap " + topics[i] + " pills again, order your " + topics[i] + " now and save big."), "alice", true);
            }
            waitFor(() -> lr.learnedFrom() == first + 2);
        } finally {
            component.deactivate();
        }
    }

    @Test
    void theLearnerWaitsThreeTimesItsLastLearningAndAtLeastTheRefreshInterval() {
        assertThat(SpamComponent.nextLearningDelayMillis(2_000, 50)).isEqualTo(2_000);
        assertThat(SpamComponent.nextLearningDelayMillis(2_000, 7_000)).isEqualTo(21_000);
        assertThat(SpamComponent.nextLearningDelayMillis(2_000, -5)).as("a clock step backwards").isEqualTo(2_000);
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 20 s").isLessThan(end);
            Thread.sleep(50);
        }
    }
}
