package org.streamail.store.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.Action;
import org.streamail.api.model.Category;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Finding;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.StoreException;

/** The JSON kept in the verdict and envelope columns. */
class JsonCodecTest {

    private final JsonCodec codec = new JsonCodec();

    @Test
    void aVerdictShouldBeStoredInTheShapeTheRestApiShows() {
        Verdict v = new Verdict(Action.QUARANTINE, 7.5, List.of(Category.PHISHING),
                List.of(new Finding("phishing", "link-text-mismatch", 4.0, Category.PHISHING, "shows a, goes to b")),
                "score 7.5 >= 5.0");

        assertThat(codec.verdict(v)).isEqualTo("{\"action\":\"QUARANTINE\",\"score\":7.5,\"categories\":[\"PHISHING\"],"
                + "\"findings\":[{\"detector\":\"phishing\",\"rule\":\"link-text-mismatch\",\"score\":4.0,"
                + "\"category\":\"PHISHING\",\"detail\":\"shows a, goes to b\",\"part\":\"\"}],"
                + "\"reason\":\"score 7.5 >= 5.0\"}");
        assertThat(codec.readVerdict(codec.verdict(v), "t")).isEqualTo(v);
    }

    @Test
    void anEnvelopeShouldRoundTripWithNanosecondsAndNullsAndNoDerivedFields() {
        Envelope e = new Envelope("", List.of("a@example.org"), null, null, false,
                Instant.parse("2026-03-01T08:59:59.987654321Z"), Direction.OUTBOUND, "alice");

        String json = codec.envelope(e);
        assertThat(json).contains("\"receivedAt\":\"2026-03-01T08:59:59.987654321Z\"").doesNotContain("senderDomain");
        assertThat(codec.readEnvelope(json, "t")).isEqualTo(e);
        // Rows written by a newer node with more fields still read.
        assertThat(codec.readEnvelope(json.replace("{", "{\"future\":[1,{\"x\":2}],"), "t")).isEqualTo(e);
    }

    @Test
    void unreadableJsonShouldBeAStoreExceptionNamingTheRow() {
        assertThatThrownBy(() -> codec.readVerdict("{\"score\":1}", "quarantine row q9"))
                .isInstanceOf(StoreException.class).hasMessageContaining("quarantine row q9");
        assertThatThrownBy(() -> codec.readEnvelope("{\"receivedAt\":\"yesterday\"}", "row r"))
                .isInstanceOf(StoreException.class).hasMessageContaining("row r");
        assertThatThrownBy(() -> codec.readStrings("[" .repeat(5000), "row s"))
                .isInstanceOf(StoreException.class).hasMessageContaining("row s");
        assertThat(codec.readVerdict(null, "undecided")).isNull();
    }
}
