package org.streamail.digest.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and verifies the personal link of a digest: whoever holds the token may see and act on the messages held for
 * its recipient until it expires, so the token is the only authority the digest page has.
 *
 * <p>Format: {@code "v1." base64url(payload) "." base64url(HMAC-SHA256(key, LABEL || payload))}, without padding.
 * The payload is the expiry in epoch seconds (8 bytes, big-endian) followed by the lower-cased recipient in UTF-8.
 * The label ({@value #LABEL}) keeps a MAC of this class from ever being valid for another use of the same key (and the
 * other way round), and names the version, so a {@code v2} can never be read as a {@code v1}. Only the canonical
 * encoding of a payload is accepted (every other spelling of the same bytes is refused), the MAC is compared in
 * constant time before any field is read, and anything malformed, forged, expired or longer than
 * {@value #MAX_TOKEN_CHARS} characters is refused without saying why and without an exception.
 *
 * <p>Immutable and thread-safe (a {@link Mac} per call). The key is copied and never shown by {@link #toString()}.
 */
final class DigestTokens {

    static final int MIN_KEY_BYTES = 32;
    /** Longest token accepted; a token issued for a recipient of at most {@value #MAX_RECIPIENT_BYTES} bytes fits. */
    static final int MAX_TOKEN_CHARS = 1024;
    /** Longest recipient, in UTF-8 bytes (a mail address has at most 254 characters). */
    static final int MAX_RECIPIENT_BYTES = 320;
    private static final String PREFIX = "v1.";
    private static final String LABEL = "streamail-digest-link-v1";
    private static final String ALGORITHM = "HmacSHA256";
    private static final int MAC_BYTES = 32;
    private static final int EXPIRY_BYTES = Long.BYTES;

    /** What a genuine, unexpired token says: whose messages, and until when (seconds precision). */
    record Claim(String recipient, Instant expires) {
        Claim {
            Objects.requireNonNull(recipient, "recipient");
            Objects.requireNonNull(expires, "expires");
        }
    }

    private final SecretKeySpec key;

    /**
     * @param key at least {@value #MIN_KEY_BYTES} bytes; copied
     * @throws IllegalArgumentException if the key is missing or too short
     */
    DigestTokens(byte[] key) {
        if (key == null || key.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("the digest link key must have at least " + MIN_KEY_BYTES + " bytes");
        }
        this.key = new SecretKeySpec(key.clone(), ALGORITHM);
    }

    /**
     * The token of one recipient's digest link.
     *
     * @param recipient the envelope recipient; lower-cased here, so a token names one mailbox however it was spelled
     * @param expires   when the link stops working; cut to whole seconds
     * @throws IllegalArgumentException for a blank recipient, one with control characters or longer than
     *                                  {@value #MAX_RECIPIENT_BYTES} bytes, or an expiry before 1970
     */
    String issue(String recipient, Instant expires) {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(expires, "expires");
        String r = recipient.toLowerCase(Locale.ROOT);
        byte[] rb = r.getBytes(StandardCharsets.UTF_8);
        if (r.isBlank() || rb.length > MAX_RECIPIENT_BYTES || r.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("a digest link needs a recipient of 1.." + MAX_RECIPIENT_BYTES
                    + " bytes without control characters");
        }
        if (expires.getEpochSecond() < 0) {
            throw new IllegalArgumentException("a digest link cannot expire before 1970");
        }
        byte[] payload = ByteBuffer.allocate(EXPIRY_BYTES + rb.length).putLong(expires.getEpochSecond()).put(rb)
                .array();
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return PREFIX + b64.encodeToString(payload) + "." + b64.encodeToString(mac(payload));
    }

    /**
     * The claim of a genuine token that has not expired.
     *
     * @return empty for {@code null}, anything longer than {@value #MAX_TOKEN_CHARS} characters, malformed, of another
     *         version, forged, or expired ({@code now} at or after the expiry)
     */
    Optional<Claim> verify(String token, Instant now) {
        if (token == null || now == null || token.length() > MAX_TOKEN_CHARS || !token.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String rest = token.substring(PREFIX.length());
        int dot = rest.indexOf('.');
        if (dot <= 0 || dot != rest.lastIndexOf('.') || dot == rest.length() - 1) {
            return Optional.empty();
        }
        String p64 = rest.substring(0, dot);
        String m64 = rest.substring(dot + 1);
        byte[] payload;
        byte[] signature;
        try {
            Base64.Decoder d = Base64.getUrlDecoder();
            payload = d.decode(p64);
            signature = d.decode(m64);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        // The decoder accepts padding and ignores the unused low bits of the last character: re-encode, so that one
        // payload has exactly one token and no character of a token can change without the token failing.
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        if (!b64.encodeToString(payload).equals(p64) || !b64.encodeToString(signature).equals(m64)) {
            return Optional.empty();
        }
        if (signature.length != MAC_BYTES || !MessageDigest.isEqual(mac(payload), signature)) {
            return Optional.empty();
        }
        if (payload.length <= EXPIRY_BYTES || payload.length > EXPIRY_BYTES + MAX_RECIPIENT_BYTES) {
            return Optional.empty();
        }
        ByteBuffer in = ByteBuffer.wrap(payload);
        long seconds = in.getLong();
        String recipient;
        try {
            recipient = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(in).toString();
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
        if (seconds < 0 || seconds > Instant.MAX.getEpochSecond() || recipient.isBlank()) {
            return Optional.empty();
        }
        Instant expires = Instant.ofEpochSecond(seconds);
        if (!now.isBefore(expires)) {
            return Optional.empty();
        }
        return Optional.of(new Claim(recipient, expires));
    }

    private byte[] mac(byte[] payload) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            mac.update(LABEL.getBytes(StandardCharsets.US_ASCII));
            mac.update((byte) 0);
            return mac.doFinal(payload);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from the JRE", e);
        }
    }

    @Override
    public String toString() {
        return "DigestTokens[HmacSHA256, key hidden]";
    }
}
