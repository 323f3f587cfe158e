package org.streamail.api.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EncodedWordsTest {

    @Test
    void base64AndQuotedWordsDecodeAndTheSpaceBetweenTwoWordsIsDropped() {
        assertThat(EncodedWords.decode("=?UTF-8?B?SW52b2ljZQ==?= =?utf-8?q?_n=C2=B0_42?=")).isEqualTo("Invoice n° 42");
        assertThat(EncodedWords.decode("Re: =?iso-8859-1?Q?caf=E9?= and more")).isEqualTo("Re: café and more");
        // text between words is kept, only white space alone between two decoded words is dropped
        assertThat(EncodedWords.decode("=?utf-8?q?a?= - =?utf-8?q?b?=")).isEqualTo("a - b");
        assertThat(EncodedWords.decode("=?utf-8?q?a?=\r\n\t=?utf-8?q?b?=")).isEqualTo("ab");
    }

    @Test
    void aDisguisedFileNameReadsAsTheRecipientSeesIt() {
        // the right-to-left override hides the real extension; the decoded name keeps it for the judges to see
        assertThat(EncodedWords.decode("=?utf-8?B?" + java.util.Base64.getEncoder().encodeToString(
                "invoice\u202Efdp.exe".getBytes(StandardCharsets.UTF_8)) + "?=")).isEqualTo("invoice\u202Efdp.exe");
        assertThat(EncodedWords.decode("=?utf-8*en?Q?report.html?=")).isEqualTo("report.html");
    }

    @Test
    void unknownIllegalAndAsciiCharsetsReadAsLatin1() {
        assertThat(EncodedWords.decode("=?x-no-such-charset?Q?invoice.html?=")).isEqualTo("invoice.html");
        assertThat(EncodedWords.decode("=?ill\"egal?Q?a=E9?=")).isEqualTo("a\u00e9");
        assertThat(EncodedWords.decode("=?us-ascii?Q?a=E9?=")).isEqualTo("a\u00e9");
        assertThat(EncodedWords.charset("UTF-8*de")).isEqualTo(StandardCharsets.UTF_8);
    }

    @Test
    void whatDoesNotDecodeStaysAsWritten() {
        assertThat(EncodedWords.decode(null)).isNull();
        assertThat(EncodedWords.decode("plain = text ?= no words")).isEqualTo("plain = text ?= no words");
        // broken base64 padding: kept, and the space before the next word stays
        assertThat(EncodedWords.decode("=?utf-8?B?QQ=A?= =?utf-8?Q?x?=")).isEqualTo("=?utf-8?B?QQ=A?= x");
        // a stray '=' in Q text is kept; an unknown encoding letter is no word
        assertThat(EncodedWords.decode("=?utf-8?Q?50=_off=4?=")).isEqualTo("50= off=4");
        assertThat(EncodedWords.decode("=?utf-8?X?abc?=")).isEqualTo("=?utf-8?X?abc?=");
        // base64 with characters outside its alphabet, as lenient clients read it
        assertThat(EncodedWords.decode("=?utf-8?B?SW52b2l*jZQ==?=")).isEqualTo("Invoice");
    }

    @Test
    void aLongWordStillDecodesSoANameCannotHideItsExtension() {
        String name = "x".repeat(3000) + ".html";
        String word = "=?utf-8?B?" + java.util.Base64.getEncoder().encodeToString(name.getBytes(StandardCharsets.UTF_8))
                + "?=";
        assertThat(EncodedWords.decode(word)).isEqualTo(name);
        // a word that never ends, longer than the bound: kept as written
        String open = "=?utf-8?Q?" + "a".repeat(200_000) + "?x";
        assertThat(EncodedWords.decode(open)).isEqualTo(open);
    }

    @Test
    void boundedInWordLengthAndWordCount() {
        String longWord = "=?utf-8?Q?" + "a".repeat(EncodedWords.MAX_WORD + 1) + "?=";
        assertThat(EncodedWords.decode(longWord)).isEqualTo(longWord);
        String many = "=?utf-8?Q?a?= ".repeat(EncodedWords.MAX_WORDS + 5);
        String out = EncodedWords.decode(many);
        assertThat(out).startsWith("a".repeat(EncodedWords.MAX_WORDS)).contains("=?utf-8?Q?a?=");
        assertThat(out.chars().filter(c -> c == '=').count()).isEqualTo(5 * 2L); // "=?" and "?=" of each word past the bound
    }
}
