package org.streamail.linkguard.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and verifies click tokens.
 *
 * <p>Format: {@code base64url(payload) "." base64url(HMAC-SHA256(key, payload))}, both without padding.
 * The payload is a version byte followed by three length-prefixed UTF-8 fields: the gateway message id, the
 * recipient ({@code ""} when the message had several) and the original URL. Each length is an unsigned 16-bit
 * big-endian count of bytes. Version {@value #VERSION} is a link (every token before forms were guarded, and every
 * link token still); version {@value #KIND_VERSION} has a kind byte ({@link Kind#code}) between the version and the
 * fields, and is what a form target ({@code <form action>}, {@code formaction}) is signed as. A token longer than {@value #MAX_TOKEN_CHARS}
 * characters, with any other version, trailing bytes, bad UTF-8 or a wrong signature is rejected without
 * saying why (callers answer 400). The signature is compared in constant time; no field is parsed before it
 * is verified.
 *
 * <p>Immutable and thread-safe (a {@link Mac} is created per call). The key is never exposed by
 * {@link #toString()}.
 */
final class LinkTokens {

    /** Payload format version of a link token (no kind byte). */
    static final byte VERSION = 1;
    /** Payload format version with a kind byte after it; a token of any other version is refused. */
    static final byte KIND_VERSION = 2;
    /** Longest token accepted or produced, in characters. */
    static final int MAX_TOKEN_CHARS = 8192;
    static final int MIN_KEY_BYTES = 32;
    private static final String ALGORITHM = "HmacSHA256";
    private static final int MAC_BYTES = 32;
    private static final int MAX_FIELD_BYTES = 0xFFFF;

    /** What a signed target is: a link (followed with GET) or where a form sends what was typed into it. */
    enum Kind {
        LINK(0), FORM(1);

        final int code;

        Kind(int code) {
            this.code = code;
        }
    }

    /** What a valid token says. */
    record Payload(String messageId, String recipient, String url, Kind kind) {
        Payload {
            Objects.requireNonNull(messageId, "messageId");
            Objects.requireNonNull(recipient, "recipient");
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(kind, "kind");
        }

        Payload(String messageId, String recipient, String url) {
            this(messageId, recipient, url, Kind.LINK);
        }
    }

    private final SecretKeySpec key;

    /**
     * @param key at least {@value #MIN_KEY_BYTES} bytes; copied
     * @throws IllegalArgumentException if the key is too short
     */
    LinkTokens(byte[] key) {
        if (key == null || key.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("the link-guard key must have at least " + MIN_KEY_BYTES + " bytes");
        }
        this.key = new SecretKeySpec(key.clone(), ALGORITHM);
    }

    /**
     * The token for one link.
     *
     * @return the token, or empty when it would be longer than {@value #MAX_TOKEN_CHARS} characters
     */
    Optional<String> sign(String messageId, String recipient, String url) {
        return sign(messageId, recipient, url, Kind.LINK);
    }

    /**
     * The token for one target of the given kind: a link is signed as version {@value #VERSION} (as before kinds
     * existed), anything else as version {@value #KIND_VERSION} with its kind.
     *
     * @return the token, or empty when it would be longer than {@value #MAX_TOKEN_CHARS} characters
     */
    Optional<String> sign(String messageId, String recipient, String url, Kind kind) {
        byte[][] fields = {utf8(messageId), utf8(recipient), utf8(url)};
        ByteArrayOutputStream payload = new ByteArrayOutputStream(256);
        if (kind == Kind.LINK) {
            payload.write(VERSION);
        } else {
            payload.write(KIND_VERSION);
            payload.write(kind.code);
        }
        for (byte[] f : fields) {
            if (f.length > MAX_FIELD_BYTES) {
                return Optional.empty();
            }
            payload.write(f.length >>> 8);
            payload.write(f.length & 0xFF);
            payload.writeBytes(f);
        }
        byte[] p = payload.toByteArray();
        // 4/3 expansion of payload and MAC, plus the dot: check before doing the work.
        if ((long) (p.length + MAC_BYTES) * 4 / 3 + 3 > MAX_TOKEN_CHARS) {
            return Optional.empty();
        }
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String token = b64.encodeToString(p) + "." + b64.encodeToString(mac(p));
        return token.length() > MAX_TOKEN_CHARS ? Optional.empty() : Optional.of(token);
    }

    /** The payload of a genuine token; empty for anything malformed, oversized, of another version or forged. */
    Optional<Payload> verify(String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
            return Optional.empty();
        }
        int dot = token.indexOf('.');
        if (dot <= 0 || dot != token.lastIndexOf('.') || dot == token.length() - 1) {
            return Optional.empty();
        }
        byte[] payload;
        byte[] signature;
        try {
            Base64.Decoder d = Base64.getUrlDecoder();
            payload = d.decode(token.substring(0, dot));
            signature = d.decode(token.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        // Base64 decoding ignores nothing but is lenient on padding: re-encode so one payload has one token.
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        if (!b64.encodeToString(payload).equals(token.substring(0, dot))
                || !b64.encodeToString(signature).equals(token.substring(dot + 1))) {
            return Optional.empty();
        }
        if (signature.length != MAC_BYTES || !MessageDigest.isEqual(mac(payload), signature)) {
            return Optional.empty();
        }
        return parse(payload);
    }

    private static Optional<Payload> parse(byte[] payload) {
        if (payload.length < 1 || payload[0] != VERSION && payload[0] != KIND_VERSION) {
            return Optional.empty();
        }
        Kind kind = Kind.LINK;
        int start = 1;
        if (payload[0] == KIND_VERSION) {
            if (payload.length < 2) {
                return Optional.empty();
            }
            kind = null;
            for (Kind k : Kind.values()) {
                if (k.code == payload[1]) {
                    kind = k;
                }
            }
            if (kind == null) {
                return Optional.empty();
            }
            start = 2;
        }
        ByteBuffer in = ByteBuffer.wrap(payload, start, payload.length - start);
        String[] fields = new String[3];
        for (int i = 0; i < fields.length; i++) {
            if (in.remaining() < 2) {
                return Optional.empty();
            }
            int len = Short.toUnsignedInt(in.getShort());
            if (in.remaining() < len) {
                return Optional.empty();
            }
            byte[] f = new byte[len];
            in.get(f);
            try {
                fields[i] = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(f)).toString();
            } catch (CharacterCodingException e) {
                return Optional.empty();
            }
        }
        if (in.hasRemaining()) {
            return Optional.empty();
        }
        return Optional.of(new Payload(fields[0], fields[1], fields[2], kind));
    }

    private byte[] mac(byte[] payload) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(payload);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from the JRE", e);
        }
    }

    private static byte[] utf8(String s) {
        return Objects.requireNonNull(s).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "LinkTokens[HmacSHA256, key hidden]";
    }
}
