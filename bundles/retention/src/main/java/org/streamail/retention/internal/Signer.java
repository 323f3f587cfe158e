package org.streamail.retention.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The gateway's signature over a retention claim, carried in
 * {@code X-Streamail-Retention-Sig: v=1; t=<period or instant>; m=<yes|no>; mid=<Message-ID>; s=<mac>}.
 *
 * <p>The MAC is HMAC-SHA256 with the gateway key over {@code v=1;t=<t>;m=<m>;mid=<mid>} and is written in
 * base64url without padding. Binding the Message-ID means a signature cannot be moved to another message,
 * and binding {@code m} means a recipient cannot grant themselves the right to change the expiry.
 * Verification compares in constant time. {@code t} is restricted to ISO-8601 characters and {@code mid}
 * to printable ASCII without {@code ;} so the header can be parsed without ambiguity.
 *
 * <p>Immutable and thread-safe (a {@link Mac} is made per call). The key is never logged or exposed.
 */
final class Signer {

    /** What a valid signature says: {@code term} is an ISO-8601 period or an ISO instant. */
    record SignedClaim(String term, boolean modifiable, String messageId) {
    }

    static final int MIN_KEY_BYTES = 32;
    static final int MAX_HEADER_LENGTH = 1200;
    private static final Pattern TERM = Pattern.compile("[A-Za-z0-9:.+-]{1,64}");
    private static final Pattern MID = Pattern.compile("[\\x21-\\x3a\\x3c-\\x7e]{1,995}");

    private final SecretKeySpec key;

    Signer(byte[] key) {
        if (key == null || key.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("the retention signing key must have at least " + MIN_KEY_BYTES
                    + " bytes");
        }
        this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
    }

    /** Whether a Message-ID can be bound in a signature. */
    static boolean signableMessageId(String messageId) {
        return messageId != null && MID.matcher(messageId).matches();
    }

    static boolean validTerm(String term) {
        return term != null && TERM.matcher(term).matches();
    }

    /**
     * The header value for a claim.
     *
     * @throws IllegalArgumentException when the term or the Message-ID cannot be signed unambiguously
     */
    String sign(String term, boolean modifiable, String messageId) {
        if (!validTerm(term)) {
            throw new IllegalArgumentException("retention term is not an ISO-8601 period or instant: " + term);
        }
        if (!signableMessageId(messageId)) {
            throw new IllegalArgumentException("Message-ID cannot be signed (missing, too long or odd characters)");
        }
        String m = modifiable ? "yes" : "no";
        return "v=1; t=" + term + "; m=" + m + "; mid=" + messageId + "; s=" + mac(term, m, messageId);
    }

    /**
     * The claim of a header value if its MAC is valid and it is bound to {@code actualMessageId}; empty for a
     * missing, malformed, forged or transplanted signature.
     */
    Optional<SignedClaim> verify(String headerValue, String actualMessageId) {
        if (headerValue == null || headerValue.length() > MAX_HEADER_LENGTH || actualMessageId == null) {
            return Optional.empty();
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String part : headerValue.replaceAll("\\s+", "").split(";", 8)) {
            int eq = part.indexOf('=');
            if (eq <= 0 || fields.put(part.substring(0, eq).toLowerCase(Locale.ROOT), part.substring(eq + 1)) != null) {
                return Optional.empty(); // malformed or a repeated field: refuse rather than pick one
            }
        }
        String term = fields.get("t");
        String m = fields.get("m");
        String mid = fields.get("mid");
        String s = fields.get("s");
        if (!"1".equals(fields.get("v")) || fields.size() != 5 || !validTerm(term) || mid == null || s == null
                || !("yes".equals(m) || "no".equals(m)) || !mid.equals(actualMessageId.strip())) {
            return Optional.empty();
        }
        byte[] given;
        try {
            given = Base64.getUrlDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        byte[] expected = Base64.getUrlDecoder().decode(mac(term, m, mid));
        if (!MessageDigest.isEqual(given, expected)) {
            return Optional.empty();
        }
        return Optional.of(new SignedClaim(term, "yes".equals(m), mid));
    }

    private String mac(String term, String m, String mid) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            byte[] out = mac.doFinal(("v=1;t=" + term + ";m=" + m + ";mid=" + mid).getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every JVM", e);
        }
    }

    @Override
    public String toString() {
        return "Signer[key hidden]";
    }
}
