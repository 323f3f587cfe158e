package org.streamail.reporting.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Defanging what notifications quote: links and host names dead, addresses intact. */
class TextsTest {

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
}
