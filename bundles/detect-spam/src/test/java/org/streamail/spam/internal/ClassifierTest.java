package org.streamail.spam.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.streamail.api.spam.ReportKind;

class ClassifierTest {

    static final int VOCABULARY = 200;

    /**
     * A message of the toy set: 20 tokens drawn from its class's own vocabulary plus 10 from a shared one
     * (tokens 0..199 spam, 200..399 ham, 400..599 shared), so the two classes are linearly separable.
     */
    static long[] toy(Random r, ReportKind kind) {
        long[] out = new long[30];
        long base = kind == ReportKind.SPAM ? 0 : VOCABULARY;
        for (int i = 0; i < 20; i++) {
            out[i] = Tokenizer.hash("toy:" + (base + r.nextInt(VOCABULARY)));
        }
        for (int i = 20; i < 30; i++) {
            out[i] = Tokenizer.hash("toy:" + (2 * VOCABULARY + r.nextInt(VOCABULARY)));
        }
        return java.util.Arrays.stream(out).distinct().toArray();
    }

    private static Classifier trained(Classifier.Tuning tuning, Random r, int perClass) {
        Classifier c = new Classifier(100_000, tuning);
        for (int i = 0; i < perClass; i++) {
            c.applyLocally(toy(r, ReportKind.SPAM), ReportKind.SPAM, null);
            c.applyLocally(toy(r, ReportKind.HAM), ReportKind.HAM, null);
        }
        return c;
    }

    @Test
    void theCappedLogLikelihoodModelSeparatesASeparableToySet() {
        Random r = new Random(1);
        Classifier c = trained(Classifier.Tuning.llr(), r, 40);
        for (int i = 0; i < 50; i++) {
            assertThat(c.probability(toy(r, ReportKind.SPAM))).isGreaterThan(0.99);
            assertThat(c.probability(toy(r, ReportKind.HAM))).isLessThan(0.01);
        }
    }

    @Test
    void theChiSquareModelStillSeparatesIt() {
        Random r = new Random(2);
        Classifier c = trained(Classifier.Tuning.chiSquare(), r, 40);
        assertThat(c.probability(toy(r, ReportKind.SPAM))).isGreaterThan(0.9);
        assertThat(c.probability(toy(r, ReportKind.HAM))).isLessThan(0.1);
    }

    @Test
    void aFullTokenTableCountsTheTokensItCannotHoldAndKeepsTheOnesItHas() {
        Classifier c = new Classifier(3, Classifier.Tuning.chiSquare());
        long[] first = {Tokenizer.hash("a"), Tokenizer.hash("b"), Tokenizer.hash("c")};
        c.applyLocally(first, ReportKind.SPAM, null);
        assertThat(c.droppedTokens()).isZero();
        c.applyLocally(new long[] {Tokenizer.hash("a"), Tokenizer.hash("d"), Tokenizer.hash("e")}, ReportKind.HAM,
                null);
        assertThat(c.tokens()).isEqualTo(3);
        assertThat(c.droppedTokens()).isEqualTo(2); // d and e; a known token is still counted
    }

    @Test
    void aMessageOfUnknownTokensIsUnsureAndAnUntrainedModelAbstains() {
        Classifier c = new Classifier(1000, Classifier.Tuning.llr());
        long[] unknown = {Tokenizer.hash("never-seen-1"), Tokenizer.hash("never-seen-2")};
        assertThat(c.probability(unknown)).isNaN();
        Classifier t = trained(Classifier.Tuning.llr(), new Random(3), 20);
        assertThat(t.probability(unknown)).isEqualTo(0.5);
    }

    @Test
    void eachTokensEvidenceIsCappedSoOneFamilyCannotDecideAlone() {
        Random r = new Random(4);
        Classifier c = trained(Classifier.Tuning.llr(), r, 40);
        // one token seen in every spam and no ham: its log-odds are capped at 3, giving sigmoid(3 / 2)
        long always = Tokenizer.hash("always-spam");
        for (int i = 0; i < 40; i++) {
            c.applyLocally(new long[] {always}, ReportKind.SPAM, null);
        }
        double p = c.probability(new long[] {always});
        assertThat(p).isCloseTo(1 / (1 + Math.exp(-1.5)), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(p).isLessThan(0.9); // alone it never reaches the maximum score
    }

    @Test
    void anIncrementalReportMovesTheScoreOfSimilarMail() {
        Random r = new Random(5);
        Classifier c = trained(Classifier.Tuning.llr(), r, 30);
        long[] campaign = new long[40];
        for (int i = 0; i < campaign.length; i++) {
            campaign[i] = Tokenizer.hash("campaign:" + i);
        }
        double before = c.probability(campaign);
        assertThat(before).isEqualTo(0.5); // never seen
        c.applyLocally(campaign, ReportKind.SPAM, null);
        double after = c.probability(campaign);
        assertThat(after).isGreaterThan(0.9);
        // an administrator re-trains it as ham: the spam counts are taken back and it leans the other way
        c.applyLocally(campaign, ReportKind.HAM, ReportKind.SPAM);
        assertThat(c.probability(campaign)).isLessThan(0.1);
        assertThat(c.spamMessages()).isEqualTo(30);
        assertThat(c.hamMessages()).isEqualTo(31);
    }

    @Test
    void theModelIsAFunctionOfTheSharedCountsSoAnotherNodeRebuildsItFromTheStore() {
        InMemorySpamStore store = new InMemorySpamStore();
        Random r = new Random(6);
        Classifier nodeA = new Classifier(100_000, Classifier.Tuning.llr());
        for (int i = 0; i < 30; i++) {
            for (ReportKind kind : ReportKind.values()) {
                long[] tokens = toy(r, kind);
                assertThat(store.train(kind + "-" + i, kind, tokens)).isTrue();
                nodeA.applyLocally(tokens, kind, null);
            }
        }
        Classifier nodeB = new Classifier(100_000, Classifier.Tuning.llr());
        assertThat(nodeB.sync(store)).isEqualTo(nodeA.tokens());
        assertThat(nodeB.spamMessages()).isEqualTo(30);
        for (int i = 0; i < 20; i++) {
            long[] probe = toy(r, i % 2 == 0 ? ReportKind.SPAM : ReportKind.HAM);
            assertThat(nodeB.probability(probe)).isEqualTo(nodeA.probability(probe));
        }
        // an incremental change reaches B with its next sync
        long[] campaign = {Tokenizer.hash("c1"), Tokenizer.hash("c2"), Tokenizer.hash("c3"), Tokenizer.hash("c4")};
        store.train("campaign", ReportKind.SPAM, campaign);
        assertThat(nodeB.probability(campaign)).isEqualTo(0.5);
        nodeB.sync(store);
        assertThat(nodeB.probability(campaign)).isGreaterThan(0.9);
    }

    @Test
    void theCluesAreTheStrongestFeaturesOfEachSideAndLeaveTheProbabilityAsItWas() {
        for (Classifier.Tuning tuning : new Classifier.Tuning[] {Classifier.Tuning.chiSquare(), Classifier.Tuning.llr()}) {
            Random r = new Random(5);
            Classifier c = trained(tuning, r, 40);
            long pills = Tokenizer.hash("pills");
            long agenda = Tokenizer.hash("agenda");
            for (int i = 0; i < 40; i++) {
                c.applyLocally(new long[] {pills}, ReportKind.SPAM, null);
                c.applyLocally(new long[] {agenda}, ReportKind.HAM, null);
            }
            long[] mixed = java.util.stream.LongStream.concat(java.util.Arrays.stream(toy(r, ReportKind.SPAM)),
                    java.util.stream.LongStream.of(pills, agenda)).toArray();

            Classifier.Score score = c.score(mixed, 3);
            assertThat(score.probability()).isEqualTo(c.probability(mixed));
            assertThat(score.spamClues()).hasSize(3).allSatisfy(clue -> assertThat(clue.estimate()).isGreaterThan(0.5));
            assertThat(score.spamClues()).extracting(Classifier.Clue::feature).contains(pills);
            assertThat(score.hamClues()).isNotEmpty().allSatisfy(clue -> assertThat(clue.estimate()).isLessThan(0.5));
            assertThat(score.hamClues().get(0).feature()).isEqualTo(agenda);
            assertThat(score.hamClues().get(0).estimate()).isLessThan(0.05);
            // strongest first
            assertThat(score.spamClues().get(0).estimate()).isGreaterThanOrEqualTo(score.spamClues().get(2).estimate());
            assertThat(c.score(mixed, 0).spamClues()).isEmpty();
        }
        assertThat(new Classifier(10, Classifier.Tuning.chiSquare()).score(new long[] {1}, 3).spamClues()).isEmpty();
    }

    @Test
    void theModelIsConfigurableAndABadNameIsRefused() {
        assertThat(SpamComponent.tuning("llr").model()).isEqualTo(Classifier.Model.LLR);
        assertThat(SpamComponent.tuning(" CHI2 ").model()).isEqualTo(Classifier.Model.CHI2);
        assertThat(SpamComponent.tuning("LR").model()).isEqualTo(Classifier.Model.LR);
        assertThat(Classifier.Tuning.defaults().model()).isEqualTo(Classifier.Model.LR);
        assertThatThrownBy(() -> SpamComponent.tuning("svm")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("classifier.model");
    }
}
