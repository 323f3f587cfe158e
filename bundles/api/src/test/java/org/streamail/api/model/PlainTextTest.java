package org.streamail.api.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PlainTextTest {

    @Test
    void hostileTextBecomesOneHarmlessLine() {
        assertThat(PlainText.oneLine("Invoice\r\nBcc: all@corp.example\u2028next\u0085end", 200))
                .isEqualTo("Invoice Bcc: all@corp.example next end");
        assertThat(PlainText.oneLine("  invoice\u202Efdp.exe\u200B  ", 200)).isEqualTo("invoicefdp.exe");
        assertThat(PlainText.oneLine("a \t\u00A0 b", 200)).isEqualTo("a b");
        assertThat(PlainText.oneLine("abcdef", 4)).isEqualTo("abcd");
        assertThat(PlainText.oneLine("ab\uD83D\uDE00", 3)).as("a character is never split").isEqualTo("ab");
        assertThat(PlainText.oneLine(null, 10)).isEmpty();
    }

    @Test
    void onlyPlainAddressesAreAddresses() {
        assertThat(PlainText.isAddress("bob@corp.example")).isTrue();
        assertThat(PlainText.isAddress("o'brien+tag@sub.corp-example.org")).isTrue();
        assertThat(PlainText.isAddress("Bob <bob@corp.example>")).isFalse();
        assertThat(PlainText.isAddress("bob@corp.example\r\nBcc: x@y.example")).isFalse();
        assertThat(PlainText.isAddress("bob@-corp.example")).isFalse();
        assertThat(PlainText.isAddress("a".repeat(65) + "@corp.example")).isFalse();
        assertThat(PlainText.isAddress(null)).isFalse();
    }
}
