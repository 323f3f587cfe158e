package org.streamail.api.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.Action;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Verdict;

class QuarantineEntryTest {

    static final Instant T = Instant.parse("2026-12-07T08:00:00Z");

    static QuarantineEntry held(String... to) {
        return new QuarantineEntry("q1", "<m@x>", "s", new Envelope("a@x.example", List.of(to), "192.0.2.1", "h",
                false, T, Direction.INBOUND, null), new Verdict(Action.QUARANTINE, 9, List.of(), List.of(), "held"),
                10, T, QuarantineEntry.Status.HELD, "", null);
    }

    @Test
    void eachRecipientIsReleasedOnceAndTheLastEndsTheHold() {
        QuarantineEntry e = held("Bob@corp.example", "carol@corp.example");
        assertThat(e.heldFor("BOB@corp.example")).isTrue();
        assertThat(e.heldFor("mallory@corp.example")).isFalse();
        assertThat(e.heldFor(null)).isFalse();

        QuarantineEntry bob = e.withReleaseTo("bob@CORP.example", "digest:bob@corp.example", T.plusSeconds(1));
        assertThat(bob.status()).isEqualTo(QuarantineEntry.Status.HELD);
        assertThat(bob.releasedTo()).containsExactly("bob@corp.example");
        assertThat(bob.actedBy()).isEmpty();
        assertThat(bob.actedAt()).isNull();
        assertThat(bob.heldFor("bob@corp.example")).isFalse();
        assertThat(bob.heldFor("carol@corp.example")).isTrue();
        assertThatThrownBy(() -> bob.withReleaseTo("Bob@corp.example", "admin", T))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not held for");
        assertThatThrownBy(() -> bob.withReleaseTo("mallory@corp.example", "admin", T))
                .isInstanceOf(IllegalStateException.class);

        QuarantineEntry all = bob.withReleaseTo("carol@corp.example", "admin", T.plusSeconds(2));
        assertThat(all.status()).isEqualTo(QuarantineEntry.Status.RELEASED);
        assertThat(all.actedBy()).isEqualTo("admin");
        assertThat(all.actedAt()).isEqualTo(T.plusSeconds(2));
        assertThat(all.releasedTo()).containsExactlyInAnyOrder("bob@corp.example", "carol@corp.example");
        assertThat(all.heldFor("carol@corp.example")).isFalse();
    }
}
