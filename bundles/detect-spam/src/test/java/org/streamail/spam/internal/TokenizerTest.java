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
}
