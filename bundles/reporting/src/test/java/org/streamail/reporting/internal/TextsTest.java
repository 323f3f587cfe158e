package org.streamail.reporting.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Defanging what notifications quote: links and host names dead, addresses intact. */
class TextsTest {

    @Test
    void aSchemeAfterACombiningMarkIsDefangedAndALongRunOfMarksIsNoProblem() {
        assertThat(Texts.defang("cafe\u0301http://bad.example/x")).isEqualTo("cafe\u0301hxxp://bad[.]example/x");
        assertThat(Texts.defang("xhttp://bad.example")).as("inside a word: not a scheme, the host still defanged")
                .isEqualTo("xhttp://bad[.]example");
        String marks = "a" + "\u0301".repeat(20_000) + " https://bad.example";
        assertThat(Texts.defang(marks)).endsWith(" hxxps://bad[.]example");
    }

    @Test
    void linksAndHostNamesAreDefangedSoNoClientMakesThemLive() {
        assertThat(Texts.defang("opened http://slides.evil.example/deck?u=bob from 10.0.0.7"))
                .isEqualTo("opened hxxp://slides[.]evil[.]example/deck?u=bob from 10.0.0.7");
        assertThat(Texts.defang("HTTPS://Login.Evil.Example/x and ftp://files.evil.example"))
                .isEqualTo("HxxPS://Login[.]Evil[.]Example/x and fxp://files[.]evil[.]example");
        assertThat(Texts.defang("Blocked click on a link to slides.evil.example."))
                .isEqualTo("Blocked click on a link to slides[.]evil[.]example.");
    }

    @Test
    void addressesIdsAndPlainWordsAreLeftAlone() {
        String text = "Sent to bob@example.org, message m-42.1 (ref 3f2a), version 1.2, score 8.0";
        assertThat(Texts.defang(text)).isEqualTo(text);
        assertThat(Texts.defang("")).isEmpty();
        assertThat(Texts.defang(null)).isNull();
    }

    @Test
    void internationalAndPunycodeHostNamesAreDefangedToo() {
        assertThat(Texts.defang("see www.пример.рф/login")).isEqualTo("see www[.]пример[.]рф/login");
        assertThat(Texts.defang("http://login.evil.xn--p1ai/x and www.evil.xn--p1ai"))
                .isEqualTo("hxxp://login[.]evil[.]xn--p1ai/x and www[.]evil[.]xn--p1ai");
        assertThat(Texts.defang("Grüße an bücher.example")).isEqualTo("Grüße an bücher[.]example");
    }

    /**
     * DNS names may hold underscores (browsers resolve {@code login_secure.evil.example}), and a client links
     * {@code www.login_secure.evil.example}: one underscore kept the whole host live in the warning.
     */
    @Test
    void hostNamesWithUnderscoresAreDefangedToo() {
        assertThat(Texts.defang("see www.login_secure.evil.example/x"))
                .isEqualTo("see www[.]login_secure[.]evil[.]example/x");
        assertThat(Texts.defang("https://_x.evil.example/ and a_b.evil.example"))
                .isEqualTo("hxxps://_x[.]evil[.]example/ and a_b[.]evil[.]example");
    }

    /**
     * A "host" of thousands of labels (a hostile URL quoted in an alert's detail) overflowed the stack of the
     * notification thread in the regex engine: the mail was lost, and any other job of that alert with it.
     */
    @Test
    void aHostileHostOfThousandsOfLabelsDoesNotOverflowTheStack() throws Exception {
        String hostile = "http://" + "a.".repeat(3000) + "example/x and www.evil.example";
        java.util.concurrent.atomic.AtomicReference<Object> result = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                result.set(Texts.defang(hostile));
            } catch (Throwable e) {
                result.set(e);
            }
        }, "defang", 512 * 1024);
        t.start();
        t.join();
        assertThat(result.get()).isInstanceOf(String.class);
        assertThat((String) result.get()).startsWith("hxxp://").endsWith("and www[.]evil[.]example");
        // a real long host name (127 labels at most) is still defanged
        assertThat(Texts.defang("www." + "a.".repeat(100) + "example")).isEqualTo("www[.]" + "a[.]".repeat(100)
                + "example");
    }
}
