package org.streamail.spam.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class TokenizerTest {

    private static MimeText.Extracted parsed(String message) {
        return MimeText.read(message.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void featuresAreNamedForTheAdministratorInWords() {
        MimeText.Extracted m = parsed("""
                From: "Deals Team" <offers@cheap-meds.example>
                Subject: Cheap pills
                Content-Type: text/plain

                Order now at http://shop.cheap-meds.example/buy and save.
                """);
        Set<Long> wanted = Set.of(Tokenizer.hash("w:order"), Tokenizer.hash("s:pills"),
                Tokenizer.hash("u:shop.cheap-meds.example"), Tokenizer.hash("fd:cheap-meds.example"),
                Tokenizer.hash("w:absent-from-this-message"));
        Map<Long, String> labels = Tokenizer.labels(m, Tokenizer.DEFAULT, wanted);

        assertThat(labels.values()).containsExactlyInAnyOrder("word \"order\"", "subject word \"pills\"",
                "link host \"shop.cheap-meds.example\"", "sender domain \"cheap-meds.example\"");
        // every label names a feature the message really has
        Set<Long> features = Arrays.stream(Tokenizer.features(m, Tokenizer.DEFAULT)).boxed().collect(Collectors.toSet());
        assertThat(features).containsAll(labels.keySet());
    }

    @Test
    void labelsCarryNoControlOrBidiCharactersAndAreCut() {
        assertThat(Tokenizer.describe("w:pay\u202epal\u0007")).isEqualTo("word \"paypal\"");
        assertThat(Tokenizer.describe("s:say \"hi\"")).isEqualTo("subject word \"say 'hi'\"");
        assertThat(Tokenizer.describe("w:" + "x".repeat(100)))
                .isEqualTo("word \"" + "x".repeat(Tokenizer.LABEL_VALUE_CHARS) + "…\"");
        assertThat(Tokenizer.describe("mp#3")).isEqualTo("part count \"3\"");
        assertThat(Tokenizer.describe("zz:odd")).isEqualTo("\"zz:odd\"");
    }

    @Test
    void theDefaultFeaturesAreTheSameWhetherAMessageIsSentAsPlainTextOrAsHtml() {
        String head = """
                From: "News Desk" <news@paper.example>
                Subject: Weekly digest
                Message-ID: <1@paper.example>
                MIME-Version: 1.0
                """;
        MimeText.Extracted plain = parsed(head + """
                Content-Type: text/plain; charset=iso-8859-1

                The council met on Tuesday.

                Read more at http://paper.example/council
                """);
        MimeText.Extracted html = parsed(head + """
                Content-Type: multipart/alternative; boundary="b1"

                --b1
                Content-Type: text/plain; charset=iso-8859-1

                The council met on Tuesday.
                --b1
                Content-Type: text/html; charset=iso-8859-1

                <html><body><table><tr><td><font face="Arial"><p>The council met on Tuesday.</p>
                <p>Read more at <a href="http://paper.example/council">http://paper.example/council</a></p>
                </font></td></tr></table></body></html>
                --b1--
                """);
        Set<Long> p = set(Tokenizer.features(plain, Tokenizer.DEFAULT));
        Set<Long> h = set(Tokenizer.features(html, Tokenizer.DEFAULT));
        // the words, sender, relays and links decide; how the message is encoded does not
        assertThat(h).isEqualTo(p);
        assertThat(p).doesNotContain(Tokenizer.hash("ct:text/plain"), Tokenizer.hash("h:content-type"),
                Tokenizer.hash("h:mime-version"));

        // with the FORMAT and HTML families (not the default) the two differ by exactly those features
        Set<Tokenizer.Family> all = java.util.EnumSet.copyOf(Tokenizer.DEFAULT);
        all.add(Tokenizer.Family.FORMAT);
        all.add(Tokenizer.Family.HTML);
        Set<Long> pf = set(Tokenizer.features(plain, all));
        Set<Long> hf = set(Tokenizer.features(html, all));
        assertThat(pf).contains(Tokenizer.hash("ct:text/plain"), Tokenizer.hash("h:content-type"));
        assertThat(hf).contains(Tokenizer.hash("ct:multipart/alternative"), Tokenizer.hash("t:font"),
                Tokenizer.hash("t:table"));
        assertThat(hf).doesNotContain(Tokenizer.hash("ct:text/plain"));
        // the charset stays (HEADERS): a Korean or Chinese charset is evidence about the sender, not the format
        assertThat(p).contains(Tokenizer.hash("cs:iso-8859-1"));
    }

    private static Set<Long> set(long[] features) {
        return Arrays.stream(features).boxed().collect(Collectors.toSet());
    }

    /** Found by SpamFuzzTest: the address pattern backtracked quadratically over a long From field without "@". */
    @Test
    @org.junit.jupiter.api.Timeout(20)
    void aHugeFromFieldWithoutAnAddressIsReadInLinearTime() {
        String from = "a".repeat(2_000_000);
        MimeText.Extracted m = MimeText.read(("From: " + from + "\r\nSubject: x\r\n\r\nbody\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        assertThat(Tokenizer.features(m)).contains(Tokenizer.hash("f:none"));
        assertThat(Tokenizer.address(from + "@")).isNull();
        assertThat(Tokenizer.address(from.substring(0, 100) + "@b c@d")).containsExactly(0, 102);
    }

    /** The linear address scan finds what the pattern it replaced found. */
    @Test
    void theAddressScanAgreesWithThePatternItReplaced() {
        java.util.regex.Pattern old = java.util.regex.Pattern.compile("[^\\s<>\"(),;:]+@[^\\s<>\"(),;:]+");
        java.util.Random random = new java.util.Random(42);
        String alphabet = "ab@@ \t\n\u000B\f\r<>\"(),;:.\u00e9\u2028";
        for (int round = 0; round < 100_000; round++) {
            StringBuilder b = new StringBuilder();
            for (int i = random.nextInt(12); i > 0; i--) {
                b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String s = b.toString();
            java.util.regex.Matcher m = old.matcher(s);
            int[] found = Tokenizer.address(s);
            if (m.find()) {
                assertThat(found).as("in %s", s).containsExactly(m.start(), m.end());
            } else {
                assertThat(found).as("in %s", s).isNull();
            }
        }
    }

    /** SCRIPTS: the writing systems of the Subject and text, off by default. */
    @Test
    void scriptsNameTheWritingSystemsOfSubjectAndText() {
        assertThat(scripts("=?iso-2022-jp?B?GyRCJDckOCRfJEgbKEI=?=", "Hello there, plain words in ASCII."))
                .as("a Japanese Subject in an ASCII body: kana, a tenth of the letters").contains("sc:kana");
        assertThat(scripts("Offer", "\u5927\u5b89\u552e \ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8 \uc785\ub2c8\ub2e4 plain"))
                .containsExactlyInAnyOrder("sc:han", "sc:hangul");
        assertThat(scripts("Çeviri yazılımları", "Türkçe çeviri yazılımlarımız şimdi indirimde, kaçırmayın"))
                .containsExactly("sc:latin-accented");
        assertThat(scripts("Meeting", "The build on the list works again; thanks for the patch, café aside."))
                .as("one accented letter among many ASCII ones").isEmpty();
        assertThat(scripts("", "123 456 !!")).as("fewer than 10 letters").isEmpty();
        assertThat(Tokenizer.describe("sc:hangul")).isEqualTo("script \"hangul\"");
        // off by default
        MimeText.Extracted m = parsed("From: a@b.example\nSubject: \u5927\u5b89\u552e\u5927\u5b89\u552e\u5927\u5b89\u552e\u5927\n\n\u5927\u5b89\u552e\n");
        assertThat(Arrays.stream(Tokenizer.features(m, Tokenizer.DEFAULT)).boxed().toList())
                .doesNotContain(Tokenizer.hash("sc:han"));
    }

    private static java.util.List<String> scripts(String subject, String text) {
        String[] all = {"sc:han", "sc:hangul", "sc:kana", "sc:cyrillic", "sc:greek", "sc:arabic", "sc:latin-accented"};
        Set<Long> out = new java.util.HashSet<>();
        Tokenizer.scripts(org.streamail.api.mime.EncodedWords.decode(subject) + "\n" + text, out);
        return Arrays.stream(all).filter(f -> out.contains(Tokenizer.hash(f))).toList();
    }

    @Test
    void chineseAndJapaneseAreReadAsPairsOfLetters() {
        assertThat(Tokenizer.bodyWords("出会いの広場 vip-mailで登録！今すぐgo"))
                .containsExactly("出会", "会い", "いの", "の広", "広場", "vip-mail", "で登", "登録", "今す", "すぐ", "go");
        assertThat(Tokenizer.bodyWords("免費無限次任打中港長途電話。你準備好了嗎?"))
                .startsWith("免費", "費無", "無限").contains("電話", "你準", "了嗎").doesNotContain("電話。你準備好了嗎?");
        // Korean is written with spaces: its words stay words; Latin text is unchanged
        assertThat(Tokenizer.bodyWords("요즘 뜨는 직종 Best offer, free!")).containsExactly("요즘", "뜨는", "직종", "best", "offer", "free!");
        // a long run is bounded like any text: at most 20,000 words
        assertThat(Tokenizer.bodyWords("中".repeat(100_000))).hasSize(20_000);
    }

    @Test
    void listChannelDropsTheRelaysOfMailThroughAListOnly() {
        String relayed = """
                Received: from lists.example.net (lists.example.net [192.0.2.10])
                	by mx.example.org with ESMTP id 1
                Received: from sender.example (sender.example [198.51.100.7])
                	by lists.example.net with SMTP id 2
                %sFrom: a@sender.example
                Subject: hello

                body text
                """;
        Set<Long> relays = Set.of(Tokenizer.hash("rd:lists.example.net"), Tokenizer.hash("ri:192.0"),
                Tokenizer.hash("rd:sender.example"), Tokenizer.hash("ri:198.51"));
        Set<Tokenizer.Family> channel = Tokenizer.DEFAULT; // on by default since 2026-12-07
        assertThat(channel).contains(Tokenizer.Family.LISTCHANNEL);
        Set<Tokenizer.Family> without = java.util.EnumSet.copyOf(Tokenizer.DEFAULT);
        without.remove(Tokenizer.Family.LISTCHANNEL);
        for (String list : new String[] {"List-Id: <talk.lists.example.net>\n", "List-Post: <mailto:talk@lists.example.net>\n",
            "Mailing-List: contact talk-help@lists.example.net\n", "X-Mailing-List: talk@lists.example.net\n"}) {
            MimeText.Extracted m = parsed(relayed.formatted(list));
            assertThat(features(m, without)).as(list).containsAll(relays);
            assertThat(features(m, channel)).as(list).doesNotContainAnyElementsOf(relays)
                    .contains(Tokenizer.hash("w:body"), Tokenizer.hash("h:received"));
        }
        MimeText.Extracted direct = parsed(relayed.formatted(""));
        assertThat(features(direct, channel)).containsAll(relays);
    }

    @Test
    void listTagsLeaveOutWhatTheListAddsToEverything() {
        String message = """
                %sFrom: Someone <someone@sender.example>
                Subject: Re: [talk] cheap offer
                Content-Type: text/plain

                Buy now at http://shop.sender.example/x (archived at http://archive.lists.example.net/talk)
                -- 
                Someone
                -------------------------------------------------------
                This list is sponsored by: http://ads.lists.example.net/sf
                _______________________________________________
                Talk mailing list
                talk@lists.example.net
                https://lists.example.net/listinfo/talk
                """;
        String list = "List-Id: Talk about things <talk.lists.example.net>\nList-Unsubscribe: <https://lists.example.net/listinfo/talk>\n";
        Set<Tokenizer.Family> tags = Tokenizer.DEFAULT; // on by default since 2026-12-07, night
        assertThat(tags).contains(Tokenizer.Family.LISTTAGS);
        Set<Tokenizer.Family> without = java.util.EnumSet.copyOf(Tokenizer.DEFAULT);
        without.remove(Tokenizer.Family.LISTTAGS);
        MimeText.Extracted viaList = parsed(message.formatted(list));
        assertThat(Tokenizer.listDomains(viaList)).containsExactly("example.net");
        // (the footer's link host is not among them: the sponsor's and the archive's links above the footer give
        // u:lists.example.net as their parent domain; footerLinks is checked below)
        Set<Long> channelWords = Set.of(Tokenizer.hash("s:[talk]"), Tokenizer.hash("w:mailing"), Tokenizer.hash("w:listinfo"));
        Set<Long> all = features(viaList, without);
        assertThat(all).containsAnyElementsOf(channelWords).contains(Tokenizer.hash("w:mailing"));
        Set<Long> withTags = features(viaList, tags);
        assertThat(withTags).doesNotContainAnyElementsOf(channelWords)
                // the sender's own words, link and signature stay, and so does the Subject's "Re:"; what lies above the
                // footer's separator (here a sponsor's line) is not cut, nor are links above it, even to the list's domain
                .contains(Tokenizer.hash("s:cheap"), Tokenizer.hash("s:re"), Tokenizer.hash("w:sponsored"), Tokenizer.hash("w:buy"),
                        Tokenizer.hash("u:shop.sender.example"), Tokenizer.hash("w:someone"),
                        Tokenizer.hash("u:ads.lists.example.net"), Tokenizer.hash("u:archive.lists.example.net"));
        // a footer link the text above links to as well stays: a bulk sender naming its own domain in List-* fields
        assertThat(Tokenizer.footerLinks("see https://lists.example.net/a\n-- \nhttps://lists.example.net/b\n",
                "see https://lists.example.net/a\n", Set.of("example.net"))).isEmpty();
        assertThat(Tokenizer.footerLinks("see it\n-- \nhttps://lists.example.net/b http://other.example/\n",
                "see it\n", Set.of("example.net"))).containsExactly("lists.example.net");
        // mail that did not come through a list is read as before
        MimeText.Extracted direct = parsed(message.formatted(""));
        assertThat(features(direct, tags)).isEqualTo(features(direct, without));
        // a footer is only cut when it names the list's domain, and only near the end
        assertThat(Tokenizer.withoutListFooter("text\n-- \nme, at home\n", Set.of("example.net")))
                .isEqualTo("text\n-- \nme, at home\n");
        // a domain named only above the separator does not make a footer, whatever the letters before it (the
        // dotted capital I is two characters in lower case: the positions are taken from the text itself)
        String dotted = "\u0130".repeat(16) + " see lists.example.net\n-- \nme\n";
        assertThat(Tokenizer.withoutListFooter(dotted, Set.of("example.net"))).isEqualTo(dotted);
        assertThat(Tokenizer.withoutListFooter("hi\n__________\nLISTS.Example.NET\n", Set.of("example.net")))
                .isEqualTo("hi\n");
        String longText = "-- \nlists.example.net\n" + "word ".repeat(300);
        assertThat(Tokenizer.withoutListFooter(longText, Set.of("example.net"))).isEqualTo(longText);
        assertThat(Tokenizer.withoutListTag("[talk] hi")).isEqualTo(" hi");
        assertThat(Tokenizer.withoutListTag("Fwd: Re: [x] hi")).isEqualTo("Fwd: Re: hi");
        assertThat(Tokenizer.withoutListTag("hi [x]")).isEqualTo("hi [x]");
    }

    private static Set<Long> features(MimeText.Extracted m, Set<Tokenizer.Family> families) {
        return Arrays.stream(Tokenizer.features(m, families)).boxed().collect(Collectors.toSet());
    }
}
