package org.streamail.digest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DigestTokensTest {

    static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final Instant NOW = Instant.parse("2026-03-01T09:00:00Z");
    private static final Instant EXPIRES = NOW.plusSeconds(14 * 86_400);
    private static final String ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ %\u00e9";

    private final DigestTokens tokens = new DigestTokens(KEY);

    @Test
    void aTokenNamesItsRecipientAndExpiryToTheSecondAndIsUrlSafe() {
        String t = tokens.issue("alice@corp.example", EXPIRES.plusMillis(999));
        assertThat(t).startsWith("v1.").matches("[A-Za-z0-9_.-]+").hasSizeLessThan(DigestTokens.MAX_TOKEN_CHARS);
        assertThat(tokens.verify(t, NOW)).contains(new DigestTokens.Claim("alice@corp.example", EXPIRES));
        assertThat(tokens.toString()).doesNotContain("0123456789abcdef");
    }

    @Test
    void theRecipientIsLowerCasedSoOneMailboxHasOneKindOfToken() {
        String upper = tokens.issue("Alice@CORP.Example", EXPIRES);
        assertThat(upper).isEqualTo(tokens.issue("alice@corp.example", EXPIRES));
        assertThat(tokens.verify(upper, NOW)).map(DigestTokens.Claim::recipient).contains("alice@corp.example");
    }

    @Test
    void aTokenIsValidUpToTheSecondBeforeItsExpiry() {
        String t = tokens.issue("alice@corp.example", EXPIRES);
        assertThat(tokens.verify(t, EXPIRES.minusNanos(1))).isPresent();
        assertThat(tokens.verify(t, EXPIRES)).isEmpty();
        assertThat(tokens.verify(t, EXPIRES.plusSeconds(1))).isEmpty();
    }

    @Test
    void everySingleCharacterChangeOfATokenIsRefused() {
        String t = tokens.issue("alice@corp.example", EXPIRES);
        int tried = 0;
        for (int i = 0; i < t.length(); i++) {
            for (char c : ALPHABET.toCharArray()) {
                if (c == t.charAt(i)) {
                    continue;
                }
                String changed = t.substring(0, i) + c + t.substring(i + 1);
                assertThat(tokens.verify(changed, NOW)).as("token changed at %d to '%s'", i, c).isEmpty();
                tried++;
            }
            // and with that character removed, or doubled
            assertThat(tokens.verify(t.substring(0, i) + t.substring(i + 1), NOW)).as("removed at %d", i).isEmpty();
            assertThat(tokens.verify(t.substring(0, i + 1) + t.substring(i), NOW)).as("doubled at %d", i).isEmpty();
        }
        assertThat(tried).isGreaterThan(t.length() * 60);
        assertThat(tokens.verify(t + "=", NOW)).isEmpty();
        assertThat(tokens.verify(t, NOW)).as("the original still verifies").isPresent();
    }

    @Test
    void anotherRecipientsPayloadUnderThisSignatureIsRefused() {
        String alice = tokens.issue("alice@corp.example", EXPIRES);
        String bob = tokens.issue("bob@corp.example", EXPIRES);
        String[] a = alice.split("\\.");
        String[] b = bob.split("\\.");
        assertThat(tokens.verify(a[0] + "." + b[1] + "." + a[2], NOW)).isEmpty();
    }

    @Test
    void aTokenOfAnotherKeyIsRefused() {
        byte[] other = KEY.clone();
        other[0] ^= 1;
        String t = new DigestTokens(other).issue("alice@corp.example", EXPIRES);
        assertThat(tokens.verify(t, NOW)).isEmpty();
        assertThat(new DigestTokens(other).verify(t, NOW)).isPresent();
    }

    @Test
    void aShortKeyIsRefused() {
        assertThatThrownBy(() -> new DigestTokens(new byte[DigestTokens.MIN_KEY_BYTES - 1]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DigestTokens(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theKeyIsCopied() {
        byte[] k = KEY.clone();
        DigestTokens t = new DigestTokens(k);
        String token = t.issue("alice@corp.example", EXPIRES);
        Arrays.fill(k, (byte) 0);
        assertThat(t.verify(token, NOW)).isPresent();
    }

    @Test
    void unusableRecipientsAreRefusedAtIssue() {
        assertThatThrownBy(() -> tokens.issue(" ", EXPIRES)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tokens.issue("a\r\nb@corp.example", EXPIRES))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tokens.issue("a".repeat(400) + "@corp.example", EXPIRES))
                .isInstanceOf(IllegalArgumentException.class);
        // the longest accepted still makes a token verify accepts
        String longest = "a".repeat(DigestTokens.MAX_RECIPIENT_BYTES - 13) + "@corp.example";
        assertThat(tokens.verify(tokens.issue(longest, EXPIRES), NOW)).isPresent();
    }

    @Test
    void garbageHugeAndUnicodeInputIsRefusedWithoutAnException() {
        String good = tokens.issue("alice@corp.example", EXPIRES);
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        List<String> hostile = new ArrayList<>(List.of("", ".", "..", "v1.", "v1..", "v1.a.", "v1..b", "v1.a.b.c",
                "v2" + good.substring(2), "V1" + good.substring(2), good.replace('.', '\u3002'),
                "v1.\u00e9\u00e9\u00e9.\u00e9\u00e9", "v1.\ud83d\ude00.\ud83d\ude00", "v1.%00.%00", "v1.\0.\0",
                "v1." + "A".repeat(5000) + "." + "B".repeat(43), "x".repeat(1_000_000),
                good.substring(0, good.length() - 1) + "\u0000", "v1.AAAA.AAAA", "v1.====.====",
                // a genuine MAC over a payload too short to hold an expiry is still refused
                "v1." + b64.encodeToString(new byte[3]) + "." + good.split("\\.")[2]));
        Random random = new Random(42);
        for (int i = 0; i < 2000; i++) {
            char[] c = new char[random.nextInt(120)];
            for (int j = 0; j < c.length; j++) {
                c[j] = random.nextBoolean() ? ALPHABET.charAt(random.nextInt(ALPHABET.length()))
                        : (char) random.nextInt(0x10000);
            }
            hostile.add((random.nextBoolean() ? "v1." : "") + new String(c));
        }
        for (String h : hostile) {
            assertThat(tokens.verify(h, NOW)).as("%.80s", h).isEmpty();
        }
        assertThat(tokens.verify(null, NOW)).isEmpty();
        assertThat(tokens.verify(good, null)).isEqualTo(Optional.empty());
    }
}
