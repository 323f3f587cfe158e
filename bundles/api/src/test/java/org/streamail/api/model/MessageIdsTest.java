package org.streamail.api.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MessageIdsTest {

    @Test
    void theBracketsAndWhiteSpaceOfTheFieldAreRemovedOnce() {
        assertThat(MessageIds.bare(" <a1@example.org> ")).isEqualTo("a1@example.org");
        assertThat(MessageIds.bare("< a1@example.org >")).isEqualTo("a1@example.org");
        assertThat(MessageIds.bare("a1@example.org")).isEqualTo("a1@example.org");
        assertThat(MessageIds.bare("<<a1@example.org>>")).isEqualTo("<a1@example.org>");
        assertThat(MessageIds.bare("<")).isEqualTo("<");
        assertThat(MessageIds.bare("<>")).isEmpty();
        assertThat(MessageIds.bare(null)).isEmpty();
    }
}
