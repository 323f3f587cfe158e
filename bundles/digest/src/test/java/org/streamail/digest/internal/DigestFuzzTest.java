package org.streamail.digest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.streamail.api.model.Category;

/**
 * Fuzzes what reaches the digest from outside: the token of a link (anyone can type a URL), the form body of a POST,
 * the sender's text the mail and the page show (envelope senders, subjects), and the shared record of where the digest
 * stands (whatever another node or version wrote). In {@code mvn test} the seeds under
 * {@code src/test/resources/.../DigestFuzzTestInputs/<method>/} run as regression tests;
 * {@code JAZZER_FUZZ=1 mvn test -Dtest=DigestFuzzTest#<method>} fuzzes. Each target checks a contract, not only that
 * nothing escapes.
 */
class DigestFuzzTest {

    private static final DigestTokens TOKENS = new DigestTokens(DigestTokensTest.KEY);
    private static final Instant NOW = Instant.parse("2026-12-07T08:00:00Z");

    /** A token verifies only in the one spelling {@link DigestTokens#issue} gives its claim, and only before expiry. */
    @FuzzTest(maxDuration = "")
    void tokens(FuzzedDataProvider data) {
        long seconds = data.consumeLong(-100_000, 100_000);
        String token = data.consumeRemainingAsString();
        Optional<DigestTokens.Claim> claim = TOKENS.verify(token, NOW.plusSeconds(seconds));
        if (claim.isPresent()) {
            assertThat(NOW.plusSeconds(seconds)).isBefore(claim.get().expires());
            assertThat(TOKENS.issue(claim.get().recipient(), claim.get().expires())).isEqualTo(token);
            assertThat(token.length()).isLessThanOrEqualTo(DigestTokens.MAX_TOKEN_CHARS);
        }
    }

    /**
     * Whatever the store's record holds (written by another version, damaged), reading it never throws, and what it
     * reads is written back to a value that reads the same: a damaged record never stops the digest.
     */
    @FuzzTest(maxDuration = "")
    void ledger(FuzzedDataProvider data) {
        long version = data.consumeLong(1, Long.MAX_VALUE);
        String value = data.consumeRemainingAsString();
        DigestLedger.State read = DigestLedger.parse(value, version);
        assertThat(read.version()).isEqualTo(version);
        if (read.run() != null) {
            assertThat(DigestLedger.parse(DigestLedger.format(read.lastEnd(), read.run()), version)).isEqualTo(read);
        }
    }

    /** A form body gives one id or nothing; an id is never empty, overlong or holding control characters. */
    @FuzzTest(maxDuration = "")
    void form(FuzzedDataProvider data) {
        String body = data.consumeRemainingAsString();
        Optional<String> id = DigestServlet.formId(body);
        if (id.isPresent()) {
            assertThat(body).startsWith("id=").doesNotContain("&");
            assertThat(id.get()).isNotEmpty().hasSizeLessThanOrEqualTo(ReleaseDesk.MAX_ID_CHARS);
            assertThat(id.get().chars().noneMatch(Character::isISOControl)).isTrue();
        }
        DigestServlet.done(body); // any query string: an outcome or null, never an exception
    }

    /**
     * A sender's text shown on the page is one line with nothing HTML reads as markup, and in the digest mail it
     * stays inside its own line: the mail keeps its header, its line count and CRLF line ends.
     */
    @FuzzTest(maxDuration = "")
    void texts(FuzzedDataProvider data) {
        String subject = data.consumeString(2000);
        String sender = data.consumeRemainingAsString();
        String shown = Texts.html(Texts.oneLine(subject, DigestPages.MAX_SUBJECT));
        assertThat(shown).doesNotContain("<", ">", "\"", "'", "\r", "\n");
        assertThat(shown.codePoints().noneMatch(c -> Character.getType(c) == Character.FORMAT)).isTrue();

        String body = DigestMail.body("bob@corp.example", NOW, ZoneOffset.UTC, NOW.minusSeconds(86_400),
                List.of(new DigestMail.Item("q-1", NOW, sender, List.of(Category.SPAM)),
                        new DigestMail.Item(subject.isEmpty() ? "q-2" : subject, NOW, subject, List.of())), 0, "",
                NOW, DigestMail.Outgoing.NONE);
        String clean = DigestMail.body("bob@corp.example", NOW, ZoneOffset.UTC, NOW.minusSeconds(86_400),
                List.of(new DigestMail.Item("q-1", NOW, "a@b.example", List.of(Category.SPAM)),
                        new DigestMail.Item("q-2", NOW, "c@d.example", List.of())), 0, "", NOW, DigestMail.Outgoing.NONE);
        assertThat(body.split("\r\n", -1)).hasSameSizeAs(clean.split("\r\n", -1));
        assertThat(body.replace("\r\n", "")).doesNotContain("\r").doesNotContain("\n");
        String hostile = header(DigestMail.build("quarantine@corp.example", "bob@corp.example", NOW, ZoneOffset.UTC,
                NOW.minusSeconds(60), List.of(new DigestMail.Item("q-1", NOW, sender, List.of())), 0, "", NOW, DigestMail.Outgoing.NONE, "t"));
        String plain = header(DigestMail.build("quarantine@corp.example", "bob@corp.example", NOW, ZoneOffset.UTC,
                NOW.minusSeconds(60), List.of(new DigestMail.Item("q-1", NOW, "a@b.example", List.of())), 0, "", NOW,
                DigestMail.Outgoing.NONE, "t"));
        // the sender's text cannot add or change a header field (only the transfer encoding may differ)
        assertThat(hostile.replace("base64", "7bit")).isEqualTo(plain);
    }

    private static String header(byte[] raw) {
        String text = new String(raw, java.nio.charset.StandardCharsets.ISO_8859_1);
        return text.substring(0, text.indexOf("\r\n\r\n"));
    }
}
