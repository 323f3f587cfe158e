package org.streamail.spam.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.streamail.api.spam.ReportKind;

class LogisticModelTest {

    private static final int VOCABULARY = ClassifierTest.VOCABULARY;

    private static long[] toy(Random r, ReportKind kind) {
        return ClassifierTest.toy(r, kind); // 20 tokens of the class's own vocabulary, 10 shared
    }

    /** Trains {@code spam} spam and {@code ham} ham toy messages into the store, keys in training order. */
    private static List<String> train(InMemorySpamStore store, Random r, int spam, int ham, String prefix) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < Math.max(spam, ham); i++) {
            if (i < spam) {
                String k = String.format("%s%04xa", prefix, i);
                store.train(k, ReportKind.SPAM, toy(r, ReportKind.SPAM));
                keys.add(k);
            }
            if (i < ham) {
                String k = String.format("%s%04xb", prefix, i);
                store.train(k, ReportKind.HAM, toy(r, ReportKind.HAM));
                keys.add(k);
            }
        }
        return keys;
    }

    /** What the engine's refresh does: the store's total (as the count model reads it), then the feed. */
    private static int sync(LogisticModel m, InMemorySpamStore store) {
        return m.sync(store, store.corpus().spamMessages() + store.corpus().hamMessages());
    }

    /** Reads the store and learns, as the engine's refresh and learner threads do. */
    private static void catchUp(LogisticModel m, InMemorySpamStore store) {
        sync(m, store);
        m.learn();
    }

    private static LogisticModel model(int maxMessages) {
        return new LogisticModel(LogisticModel.Tuning.defaults(), maxMessages);
    }

    @Test
    void itLearnsASeparableToySetFromTheStoreEvenWithFiveTimesMoreHam() {
        InMemorySpamStore store = new InMemorySpamStore();
        Random r = new Random(3);
        train(store, r, 40, 200, "a");
        LogisticModel m = model(1000);
        assertThat(m.score(toy(r, ReportKind.SPAM), 0).probability()).as("before learning").isNaN();
        assertThat(sync(m, store)).isEqualTo(240);
        assertThat(m.learn()).isTrue();
        assertThat(m.ready()).isTrue();
        for (int i = 0; i < 50; i++) {
            assertThat(m.score(toy(r, ReportKind.SPAM), 0).probability()).isGreaterThan(0.9);
            assertThat(m.score(toy(r, ReportKind.HAM), 0).probability()).isLessThan(0.1);
        }
        assertThat(m.learn()).as("nothing changed: no new learning").isFalse();
    }

    @Test
    void cluesAreTheHeaviestWeightsOnEachSideAndUnseenFeaturesWeighNothing() {
        InMemorySpamStore store = new InMemorySpamStore();
        Random r = new Random(4);
        train(store, r, 40, 40, "b");
        LogisticModel m = model(1000);
        catchUp(m, store);
        long spammy = Tokenizer.hash("toy:" + 5);
        long hammy = Tokenizer.hash("toy:" + (VOCABULARY + 5));
        long unseen = Tokenizer.hash("never trained");
        assertThat(m.weightOf(spammy)).isPositive();
        assertThat(m.weightOf(hammy)).isNegative();
        assertThat(m.weightOf(unseen)).isNaN();
        Classifier.Score mixed = m.score(new long[] {spammy, hammy, unseen}, 4);
        assertThat(mixed.spamClues()).extracting(Classifier.Clue::feature).containsExactly(spammy);
        assertThat(mixed.hamClues()).extracting(Classifier.Clue::feature).containsExactly(hammy);
        assertThat(mixed.spamClues().get(0).estimate()).isGreaterThan(0.5);
        assertThat(mixed.hamClues().get(0).estimate()).isLessThan(0.5);
        Classifier.Score alone = m.score(new long[] {unseen}, 4);
        assertThat(alone.spamClues()).isEmpty();
        assertThat(alone.hamClues()).isEmpty();
    }

    @Test
    void noProbabilityWhileEitherClassHasFewerThanTenMessages() {
        InMemorySpamStore store = new InMemorySpamStore();
        Random r = new Random(5);
        train(store, r, 9, 50, "c");
        LogisticModel m = model(1000);
        catchUp(m, store);
        assertThat(m.score(toy(r, ReportKind.SPAM), 0).probability()).isNaN();
        train(store, r, 1, 0, "d");
        catchUp(m, store);
        assertThat(m.score(toy(r, ReportKind.SPAM), 0).probability()).isGreaterThan(0.5);
    }

    @Test
    void twoNodesReadingTheSameStoreAtDifferentTimesLearnBitIdenticalWeights() {
        InMemorySpamStore store = new InMemorySpamStore();
        Random r = new Random(6);
        LogisticModel early = model(1000);
        train(store, r, 15, 30, "e");
        catchUp(early, store); // node A reads half, learns, then the rest
        List<String> later = train(store, r, 15, 30, "f");
        store.train(later.get(0), ReportKind.HAM, toy(r, ReportKind.HAM)); // an administrator re-trains one
        catchUp(early, store);
        LogisticModel fresh = model(1000); // node B starts now and reads everything at once
        catchUp(fresh, store);
        assertThat(fresh.heldKeys()).containsExactlyInAnyOrderElementsOf(early.heldKeys());
        Random probe = new Random(7);
        for (int i = 0; i < 20; i++) {
            long[] msg = toy(probe, i % 2 == 0 ? ReportKind.SPAM : ReportKind.HAM);
            assertThat(Double.doubleToRawLongBits(fresh.score(msg, 0).probability()))
                    .isEqualTo(Double.doubleToRawLongBits(early.score(msg, 0).probability()));
        }
    }

    @Test
    void atMostMaxMessagesAreHeldTheNewestTrainingsAndAReTrainingCountsAsNew() {
        InMemorySpamStore store = new InMemorySpamStore();
        Random r = new Random(8);
        List<String> keys = train(store, r, 5, 5, "9");
        store.train(keys.get(0), ReportKind.HAM, toy(r, ReportKind.HAM)); // the oldest is re-trained: now newest
        LogisticModel m = model(4);
        sync(m, store);
        assertThat(m.messages()).isEqualTo(4);
        assertThat(m.heldKeys()).containsExactly(keys.get(7), keys.get(8), keys.get(9), keys.get(0));
    }

    @Test
    void trainingRecordsDeletedByHousekeepingAreDroppedByAFullReread() {
        InMemorySpamStore store = new InMemorySpamStore();
        Random r = new Random(9);
        List<String> keys = train(store, r, 12, 12, "8");
        LogisticModel m = model(1000);
        catchUp(m, store);
        store.forgetTraining(keys.get(0));
        store.forgetTraining(keys.get(1));
        sync(m, store);
        assertThat(m.messages()).isEqualTo(22);
        assertThat(m.heldKeys()).doesNotContain(keys.get(0), keys.get(1));
        assertThat(m.dirty()).isTrue();
    }

    @Test
    void aModelMustHoldAtLeastTwoMessages() {
        assertThatThrownBy(() -> model(1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxMessages");
    }

    @Test
    void theFeatureIndexFindsEveryKeyItWasGivenAcrossGrowth() {
        LogisticModel.LongIntMap map = new LogisticModel.LongIntMap(2);
        Random r = new Random(10);
        long[] keys = new long[5000];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = i == 0 ? 0 : i == 1 ? Long.MIN_VALUE : r.nextLong();
            assertThat(map.indexOf(keys[i])).isEqualTo(i);
        }
        for (int i = 0; i < keys.length; i++) {
            assertThat(map.get(keys[i])).isEqualTo(i);
            assertThat(map.indexOf(keys[i])).isEqualTo(i);
        }
        assertThat(map.size()).isEqualTo(keys.length);
        assertThat(map.get(42L)).isEqualTo(-1); // not among the keys drawn from Random(10)
    }
}
