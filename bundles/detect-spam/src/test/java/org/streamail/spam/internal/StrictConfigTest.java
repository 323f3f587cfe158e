package org.streamail.spam.internal;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The raw properties are checked before DS converts them: a config of {@code null} is never reached. */
class StrictConfigTest {

    @Test
    void aBooleanWrittenAsYesFailsActivationNamingTheProperty() {
        assertThatThrownBy(() -> new SpamComponent(null, null, Map.of("block.allow.loopback", "yes")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.spam: block.allow.loopback must be true or false, got 'yes'");
    }

    @Test
    void aNumberWrittenAs30DaysFailsActivationNamingTheProperty() {
        assertThatThrownBy(() -> new SpamComponent(null, null, Map.of("release.learning.seconds", "30days")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.spam: release.learning.seconds must be a whole number, got '30days'");
        assertThatThrownBy(() -> new SpamComponent(null, null, Map.of("similarity.threshold", "half")))
                .hasMessage("org.streamail.spam: similarity.threshold must be a number such as 5 or 1.5, got 'half'");
    }

    /** The annotation's defaults, with some methods answering otherwise. */
    static SpamConfig config(Map<String, Object> overrides) {
        return (SpamConfig) java.lang.reflect.Proxy.newProxyInstance(SpamConfig.class.getClassLoader(),
                new Class<?>[] {SpamConfig.class}, (proxy, m, args) -> overrides.getOrDefault(m.getName(),
                        m.getDefaultValue()));
    }

    @Test
    void theNumberOfTrainingMessagesHeldMustBeFromOneHundredToAMillion() {
        assertThatThrownBy(() -> SpamComponent.settings(config(Map.of("classifier_max_training_messages", 99))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("classifier.max.training.messages must be in 100..1000000, got 99");
        org.assertj.core.api.Assertions.assertThat(SpamComponent.settings(config(Map.of())).maxTrainingMessages())
                .isEqualTo(20_000);
    }

    @Test
    void theProbabilityWithoutRedFlagsIsOffOrFromTheSpamProbabilityToOneAndNeedsTheTraitsFamily() {
        org.assertj.core.api.Assertions.assertThat(SpamComponent.settings(config(Map.of())).bayesUnflaggedProbability())
                .isZero();
        org.assertj.core.api.Assertions.assertThat(SpamComponent.settings(config(Map.of(
                "bayes_unflagged_probability", 0.95))).bayesUnflaggedProbability()).isEqualTo(0.95);
        for (double bad : new double[] {0.5, 0.8, 1.01, -1}) {
            assertThatThrownBy(() -> SpamComponent.settings(config(Map.of("bayes_unflagged_probability", bad))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("org.streamail.spam: bayes.unflagged.probability must be 0 (off) or in "
                            + "[bayes.spam.probability, 1] = [0.83, 1], got " + bad);
        }
        assertThatThrownBy(() -> SpamComponent.settings(config(Map.of("bayes_unflagged_probability", 0.95,
                "classifier_features", "WORDS,HEADERS,URLS"))))
                .hasMessageContaining("bayes.unflagged.probability needs the TRAITS family");
    }

    private static boolean learnerRunning() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("streamail-spam-learner") && t.isAlive());
    }

    @Test
    void withLrTheComponentRunsALearnerThreadAndStopsItWithTheCountModelsItRunsNone() throws Exception {
        SpamComponent lr = new SpamComponent(new InMemorySpamStore(), config(Map.of("classifier_model", "LR")), Map.of());
        try {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!learnerRunning() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            org.assertj.core.api.Assertions.assertThat(learnerRunning()).isTrue();
        } finally {
            lr.deactivate();
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (learnerRunning() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        org.assertj.core.api.Assertions.assertThat(learnerRunning()).isFalse();
        SpamComponent chi2 = new SpamComponent(new InMemorySpamStore(), config(Map.of("classifier_model", "CHI2")), Map.of());
        try {
            Thread.sleep(100);
            org.assertj.core.api.Assertions.assertThat(learnerRunning()).isFalse();
        } finally {
            chi2.deactivate();
        }
    }

    @Test
    void recentSharedHoursMustBeFromZeroToThirtyDays() {
        for (int bad : new int[] {-1, 721}) {
            assertThatThrownBy(() -> SpamComponent.settings(config(Map.of("recent_shared_hours", bad))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("org.streamail.spam: recent.shared.hours must be in 0..720 (0 turns the shared "
                            + "summaries off), got " + bad);
        }
        assertThatThrownBy(() -> new SpamComponent(null, null, Map.of("recent.shared.hours", "48h")))
                .hasMessage("org.streamail.spam: recent.shared.hours must be a whole number, got '48h'");
        org.assertj.core.api.Assertions.assertThat(SpamComponent.settings(config(Map.of())).recentShared())
                .isEqualTo(java.time.Duration.ofHours(48));
        org.assertj.core.api.Assertions.assertThat(SpamComponent.settings(config(Map.of("recent_shared_hours", 0)))
                .recentShared()).isZero();
    }

    private static boolean writerRunning() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals(SeenWriter.THREAD) && t.isAlive());
    }

    @Test
    void theComponentRunsTheSummaryWriterUnlessRecentSharedHoursIsZeroAndStopsIt() throws Exception {
        SpamComponent on = new SpamComponent(new InMemorySpamStore(), config(Map.of("classifier_model", "CHI2")), Map.of());
        try {
            org.assertj.core.api.Assertions.assertThat(writerRunning()).isTrue();
        } finally {
            on.deactivate();
        }
        org.assertj.core.api.Assertions.assertThat(writerRunning()).as("joined by deactivate").isFalse();
        SpamComponent off = new SpamComponent(new InMemorySpamStore(), config(Map.of("classifier_model", "CHI2",
                "recent_shared_hours", 0)), Map.of());
        try {
            org.assertj.core.api.Assertions.assertThat(writerRunning()).isFalse();
        } finally {
            off.deactivate();
        }
    }
}
