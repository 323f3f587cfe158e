package org.streamail.spam.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FuzzyTest {

    private static double similarity(String a, String b) {
        return Fuzzy.similarity(Fuzzy.signature(Fuzzy.words(a)), Fuzzy.signature(Fuzzy.words(b)));
    }

    /**
     * Signatures are stored (every node compares new mail with the fingerprints in the database), so the
     * hash scheme must never drift: this pins the signature of one text, computed before the MinHash loop
     * was rewritten for speed (the rewrite gave identical signatures on 1,232 corpus messages).
     */
    @Test
    void theSignatureOfAKnownTextNeverChanges() {
        int[] sig = Fuzzy.signature(Fuzzy.words("Dear customer, your parcel is waiting at the depot. Pay the small "
                + "customs fee within two days or it returns to the sender. Regards, the delivery team"));
        assertThat(sig).hasSize(Fuzzy.HASHES);
        assertThat(java.util.Arrays.hashCode(sig)).isEqualTo(-43995622);
        assertThat(Fuzzy.signature(Fuzzy.words("too short to sign"))).isEmpty();
    }

    @Test
    void aCopyWithAnotherNameTrackingIdAndOrderNumberStillMatches() {
        double sim = similarity(Mail.campaign("Alice", "a81f3c9d2b7e4410", 48213),
                Mail.campaign("Bartholomew", "ffe01b2c33d94a77", 99120));
        assertThat(sim).isGreaterThan(0.8);
    }

    @Test
    void reorderedParagraphsStillMatch() {
        String original = Mail.campaign("Alice", "x1", 1);
        String[] paragraphs = original.split("\n\n");
        StringBuilder reordered = new StringBuilder();
        for (int i = paragraphs.length - 1; i >= 0; i--) {
            reordered.append(paragraphs[i]).append("\n\n");
        }
        assertThat(similarity(original, reordered.toString())).isGreaterThan(0.7);
    }

    @Test
    void fullWidthAndCaseTricksFoldToTheSameWords() {
        assertThat(Fuzzy.words("ＦＲＥＥ Money NOW")).containsExactly("free", "money", "now");
    }

    @Test
    void numbersTrackingIdsAndUrlQueriesAreRemoved() {
        assertThat(Fuzzy.words("order 12345 code ab12cd deadbeefcafe0 see https://x.example.com/p?id=99&u=abc now"))
                .containsExactly("order", "code", "see", "x_example_com", "now");
    }

    @Test
    void unrelatedMailDoesNotMatch() {
        String meeting = "Hi team, the quarterly planning meeting moves to Thursday at ten in the large room. "
                + "Please bring the draft budget and the list of open hiring requests so we can agree on "
                + "priorities before the board review next month. Thanks, Carol";
        assertThat(similarity(Mail.campaign("Alice", "x", 1), meeting)).isLessThan(0.1);
    }

    @Test
    void aTextTooShortHasNoSignatureAndMatchesNothing() {
        assertThat(Fuzzy.signature(Fuzzy.words("hi there"))).isEmpty();
        assertThat(similarity("hi there", "hi there")).isZero();
    }

    @Test
    void theReferenceIdIgnoresWhatTheSenderVariesPerRecipient() {
        String a = Fuzzy.referenceId(Fuzzy.words(Mail.campaign("Alice", "t1", 1)), java.util.List.of());
        String b = Fuzzy.referenceId(Fuzzy.words(Mail.campaign("Alice", "t2", 2)), java.util.List.of());
        String c = Fuzzy.referenceId(Fuzzy.words(Mail.campaign("Bob", "t2", 2)), java.util.List.of());
        assertThat(a).isEqualTo(b).hasSize(16).isNotEqualTo(c);
    }

    @Test
    void chineseAndJapaneseNearCopiesMatchAndOtherTextDoesNot() {
        String offer = "尊敬的王先生：您好！第十一届中国国际电子设备及元器件表面贴装展览会将于明年四月在深圳会展中心隆重举行，"
                + "届时将有三百多家厂商参展，欢迎各界人士前来参观洽谈。详情请回复本邮件索取资料。";
        String copy = offer.replace("王先生", "李小姐");
        String other = "各位同事：下周三上午十点在三楼会议室召开季度计划会议，请准备好预算草案和招聘需求清单，以便我们在董事会之前确定优先事项。";
        assertThat(Fuzzy.words("出会いの広場")).containsExactly("出", "会", "い", "の", "広", "場");
        assertThat(similarity(offer, copy)).isGreaterThan(0.8);
        assertThat(similarity(offer, other)).isLessThan(0.1);
        // read by spaces, the whole text was a handful of over-long "words", dropped, and had no signature at all
        assertThat(Fuzzy.signature(Fuzzy.words(offer))).hasSize(Fuzzy.HASHES);
    }
}
