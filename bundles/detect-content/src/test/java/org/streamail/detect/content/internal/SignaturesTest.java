package org.streamail.detect.content.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

/**
 * {@link Signatures} finds what {@link Matcher#find} finds, in the same order, for the four signature patterns of
 * {@link TextInspector}: on texts made of pieces of the signatures, their case changed, spaces and tabs between byte
 * pairs, other hex and base64 characters and non-ASCII letters that case folding could confuse.
 */
class SignaturesTest {

    private static final List<Signatures> ALL = List.of(TextInspector.BASE64_PE, TextInspector.HEX_EXECUTABLE,
            TextInspector.BASE64_ARCHIVE, TextInspector.HEX_ARCHIVE);

    private static final String[] PIECES = {"TVq", "TVo", "TVr", "TV", "f0VMRg", "f0VMRl", "f0VMR", "UEsDB", "UEs",
        "H4sI", "QlpoO", "QlpoM", "/Td6WFo", "TVNDRg", "0M8R4KGx", "N3q8ryc", "UmFyIRo", "4d5a", "4D5A", "7f454c46",
        "FEEDFACE", "feedfacf", "cefaedfe", "CFFAEDFE", "cafeBABE", "50 4b 03 04", "50\t4B0304", "504b0708", "1f8b08",
        "1F 8B 08", "425a6839", "42 5a 68 31", "425a6830", "d0cf11e0a1b11ae1", "D0 CF 11 E0 A1 B1 1A E1",
        "377abcaf271c", "526172211a07", "fd377a585a00", "4d534346", "50", "4b", " ", "\t", "  ", "\n",
        "AAAAAAAAAAAAAAAAAAAAAAAA", "abcdef0123456789", "+/", "\u212A", "\u0130", "\u017F", "é", "x"};

    @Test
    void findsWhatMatcherFindFindsInTheSameOrder() {
        Random random = new Random(20261207);
        int matches = 0;
        for (int t = 0; t < 3000; t++) {
            StringBuilder b = new StringBuilder();
            int pieces = 1 + random.nextInt(40);
            for (int i = 0; i < pieces; i++) {
                b.append(PIECES[random.nextInt(PIECES.length)]);
            }
            String text = b.toString();
            String folded = Signatures.foldAscii(text);
            for (Signatures sig : ALL) {
                List<String> expected = new ArrayList<>();
                Matcher plain = sig.pattern().matcher(text);
                while (plain.find()) {
                    expected.add(plain.start() + "-" + plain.end());
                }
                List<String> actual = new ArrayList<>();
                Signatures.Search search = sig.in(text, folded);
                Matcher m;
                int from = 0;
                while ((m = search.find(from)) != null) {
                    actual.add(m.start() + "-" + m.end());
                    from = m.end();
                }
                assertThat(actual).as("%s in %s", sig.pattern(), text).isEqualTo(expected);
                matches += expected.size();
            }
        }
        assertThat(matches).as("the texts hold signatures to find").isGreaterThan(3000);
    }

    @Test
    void aSearchFromALaterPositionSkipsEarlierMatchesAndSearchesMayGoBack() {
        String text = "x 4d5a y 4D5A z 7f454c46";
        Signatures.Search s = TextInspector.HEX_EXECUTABLE.in(text, Signatures.foldAscii(text));
        assertThat(s.find(0).start()).isEqualTo(2);
        assertThat(s.find(3).start()).isEqualTo(9);
        assertThat(s.find(10).group()).isEqualTo("7f454c46");
        assertThat(s.find(text.length())).isNull();
        assertThat(s.find(1).start()).as("a new search from an earlier position").isEqualTo(2);
    }

    @Test
    void foldingChangesAsciiLettersOnlyAndKeepsTheLength() {
        String s = "AbZ\u212A\u0130\u017F\u00C9-09";
        String f = Signatures.foldAscii(s);
        assertThat(f).isEqualTo("abz\u212A\u0130\u017F\u00C9-09").hasSameSizeAs(s);
        String lower = "already lower";
        assertThat(Signatures.foldAscii(lower)).isSameAs(lower);
    }

    @Test
    void literalsAreRequired() {
        assertThatThrownBy(() -> new Signatures(java.util.regex.Pattern.compile("a"), false, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Signatures(java.util.regex.Pattern.compile("a"), false, List.of("")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
