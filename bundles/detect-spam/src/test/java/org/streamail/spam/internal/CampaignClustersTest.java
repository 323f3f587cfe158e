package org.streamail.spam.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The spam campaigns of the {@code campaigns} development protocol ({@link DiscriminativeExperiment.Campaigns}):
 * which messages one campaign holds decides what is held out together, so a campaign split over two folds would be
 * trained on while it is measured. Messages go through the engine's real parser, fingerprints and Public Suffix
 * List.
 */
class CampaignClustersTest {

    private static final double SHARE = 0.2;

    private final SpamEngine engine = DiscriminativeExperiment.engine(Tokenizer.DEFAULT);
    private final List<DiscriminativeExperiment.Campaigns.Keys> spam = new ArrayList<>();
    private final Random random = new Random(7);

    /** Adds a message and answers its position. */
    private int add(String from, String body) {
        byte[] raw = Mail.text(from, "offer " + spam.size(), body);
        spam.add(DiscriminativeExperiment.Campaigns.keys(String.format("%05d.txt", spam.size()), engine.features(raw)));
        return spam.size() - 1;
    }

    /** Forty letter-only words of a text shared with no other message (no digits: the fingerprint drops those). */
    private String unrelatedText() {
        StringBuilder sb = new StringBuilder();
        for (int w = 0; w < 40; w++) {
            for (int c = 5 + random.nextInt(4); c > 0; c--) {
                sb.append((char) ('a' + random.nextInt(26)));
            }
            sb.append(' ');
        }
        return sb.toString();
    }

    /**
     * Twenty messages (a domain named by more than four is common at a share of 0.2): two near copies from two
     * free-mail senders, two texts linking to one small shop under two host names, five of one mailer whose From
     * local parts vary and whose link domain is common, six unrelated ones from one free-mail domain, five
     * singletons.
     */
    private int[][] corpus() {
        String copy = Mail.campaign("Alice", "a81f3c9d2b7e4410", 48213);
        int[] nearCopies = {add("jo@bigfreemail.com", copy),
            add("max@otherfree.net", Mail.campaign("Bartholomew", "ffe01b2c33d94a77", 99120))};
        int[] shop = {add("a@one-sender.biz", unrelatedText() + " http://shop.cheap-pills.co.uk/buy"),
            add("b@two-sender.info", unrelatedText() + " see www.cheap-pills.co.uk now")};
        int[] mailer = new int[5];
        for (int i = 0; i < mailer.length; i++) {
            String local = "agent" + (char) ('a' + i);
            mailer[i] = add(local + "@insure-mailer.com", unrelatedText() + " http://www.insure-quotes.com/q");
        }
        int[] freeMail = new int[6];
        for (int i = 0; i < freeMail.length; i++) {
            freeMail[i] = add("user" + (char) ('a' + i) + "@bigfreemail.com", unrelatedText());
        }
        for (int i = 0; i < 5; i++) {
            add("solo" + (char) ('a' + i) + "@solo" + (char) ('a' + i) + ".org", unrelatedText());
        }
        return new int[][] {nearCopies, shop, mailer, freeMail};
    }

    @Test
    void nearCopiesSharedRegistrableDomainsAndOneSendersRunAreOneCampaignEach() {
        int[][] c = corpus();
        DiscriminativeExperiment.Campaigns.Clustering k = DiscriminativeExperiment.Campaigns.cluster(spam, SHARE, 0.5);
        int[] root = k.root();
        for (int[] group : new int[][] {c[0], c[1], c[2]}) {
            for (int m : group) {
                assertThat(root[m]).isEqualTo(root[group[0]]);
            }
        }
        assertThat(root[c[0][0]]).isNotEqualTo(root[c[1][0]]).isNotEqualTo(root[c[2][0]]);
        // the mailer's link domain is named by five messages (common) but all come from one other From domain
        assertThat(k.oneSender()).containsKey("insure-quotes.com");
        assertThat(k.dropped()).containsKeys("bigfreemail.com", "insure-mailer.com").doesNotContainKey("insure-quotes.com");
        assertThat(k.sizes()).startsWith(5, 2, 2).hasSize(3 + 6 + 5);
    }

    @Test
    void aFreeMailDomainDoesNotJoinItsUnrelatedSendersButWouldAsAKey() {
        int[][] c = corpus();
        int[] root = DiscriminativeExperiment.Campaigns.cluster(spam, SHARE, 0.5).root();
        Set<Integer> roots = new HashSet<>();
        for (int m : c[3]) {
            roots.add(root[m]);
        }
        assertThat(roots).hasSize(c[3].length);
        // every domain a key: the free-mail domain joins its six senders and the near copy sent from it
        int[] all = DiscriminativeExperiment.Campaigns.cluster(spam, 1, 0.5).root();
        for (int m : c[3]) {
            assertThat(all[m]).isEqualTo(all[c[0][0]]);
        }
    }

    @Test
    void aCampaignIsHeldOutInOneFoldAndTheFoldsAreStable() {
        int[][] c = corpus();
        DiscriminativeExperiment.Campaigns.Clustering k = DiscriminativeExperiment.Campaigns.cluster(spam, SHARE, 0.5);
        int[] fold = DiscriminativeExperiment.Campaigns.folds(spam, k);
        for (int[] group : new int[][] {c[0], c[1], c[2]}) {
            for (int m : group) {
                assertThat(fold[m]).isEqualTo(fold[group[0]]);
            }
        }
        assertThat(java.util.Arrays.stream(fold)).allMatch(f -> f >= 0 && f < 5);
        assertThat(DiscriminativeExperiment.Campaigns.folds(spam, DiscriminativeExperiment.Campaigns.cluster(spam, SHARE, 0.5)))
                .containsExactly(fold);
        Set<Integer> used = new HashSet<>();
        for (int f : fold) {
            used.add(f);
        }
        assertThat(used).as("16 campaigns over 5 folds").hasSizeGreaterThan(1);
    }
}
