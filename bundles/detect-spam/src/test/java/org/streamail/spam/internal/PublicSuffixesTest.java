package org.streamail.spam.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PublicSuffixesTest {

    @Test
    void countryAndGenericSuffixesAreTooBroad() {
        assertThat(PublicSuffixes.tooBroad("co.uk")).hasValueSatisfying(m -> assertThat(m)
                .isEqualTo("'co.uk' is a public suffix (anyone can register a name under it): too broad; "
                        + "block the registered domain instead, e.g. example.co.uk"));
        assertThat(PublicSuffixes.tooBroad("gouv.fr")).isPresent();
        assertThat(PublicSuffixes.tooBroad("com")).isPresent();
    }

    @Test
    void sharedHostingSuffixesAreTooBroadToo() {
        assertThat(PublicSuffixes.tooBroad("github.io")).hasValueSatisfying(m -> assertThat(m)
                .startsWith("'github.io' is a shared hosting suffix"));
        assertThat(PublicSuffixes.tooBroad("blogspot.com")).isPresent();
    }

    @Test
    void registeredDomainsAndTheirSubdomainsMayBeBlocked() {
        assertThat(PublicSuffixes.tooBroad("example.co.uk")).isEmpty();
        assertThat(PublicSuffixes.tooBroad("mail.spammer.example.com")).isEmpty();
        assertThat(PublicSuffixes.tooBroad("someone.github.io")).isEmpty();
        assertThat(PublicSuffixes.tooBroad("bad-shop.com")).isEmpty();
    }

    @Test
    void namesGuavaCannotJudgeAreLeftToTheCaller() {
        assertThat(PublicSuffixes.tooBroad("under_score.example")).isEmpty();
        assertThat(PublicSuffixes.tooBroad("")).isEmpty();
    }
}
