package org.streamail.core.internal.delivery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Hides internal host names in the message ids of outbound mail and brings them back in replies.
 *
 * <p>An id is <em>internal</em> when its domain (after the last {@code @}) is an IP literal ({@code [10.1.2.3]}),
 * a bare IPv4 or IPv6 address, a name without a dot ({@code exch01}), or a name that is or ends with one of the
 * {@code outbound.internal.suffixes} ({@code corp.internal} for {@code internal}). Such an id becomes the token
 * {@code sm1.<base64url(iv || AES-256-GCM(id))>@<domain>}, the domain being the envelope sender's. The
 * encryption is deterministic (the 12-byte IV is an HMAC-SHA256 of the id, as in SIV): the same internal id
 * always gives the same token, so the outside's mail clients thread our messages, and the only thing the token
 * shows is that two ids are equal. {@link #decode} undoes it and refuses anything that does not authenticate.
 *
 * <p>The key: {@code outbound.id.secret.file}, 32 bytes, mode 600; read when the configuration is read, created
 * with 32 random bytes and mode 600 at the first {@link #encode} when it does not exist yet. Encryption and MAC
 * keys are derived from it with HMAC-SHA256. Equality is by configuration (suffixes and key file), not by key.
 * Thread-safe.
 */
final class MessageIdHiding {

    static final String PREFIX = "sm1.";
    static final int KEY_BYTES = 32;
    /** Longest id (without brackets) that is encoded; its token still fits an RFC 5322 line of 998 characters. */
    static final int MAX_ID_CHARS = 500;
    static final List<String> DEFAULT_SUFFIXES = List.of("local", "lan", "internal", "intranet", "corp",
            "localdomain", "home.arpa");
    private static final Pattern SUFFIX = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final int IV = 12;
    private static final int TAG_BITS = 128;
    private static final byte[] AAD = "streamail message-id v1".getBytes(StandardCharsets.US_ASCII);

    private final List<String> suffixes;
    private final Path keyFile;
    /** Guarded by this; null until read or created. */
    private Keys keys;

    private record Keys(SecretKeySpec enc, SecretKeySpec mac) {
    }

    /**
     * @param suffixes internal domain suffixes, lower case, without a leading dot
     * @param keyFile  the key file (read now when it exists; created at the first encoding otherwise)
     * @throws IllegalArgumentException naming {@code outbound.id.secret.file} when the existing key file is not
     *                                  usable (open to group or others, not 32 bytes)
     */
    MessageIdHiding(List<String> suffixes, Path keyFile) {
        this.suffixes = List.copyOf(suffixes);
        this.keyFile = Objects.requireNonNull(keyFile, "keyFile");
        if (Files.exists(keyFile)) {
            keys = load();
        }
    }

    /** Parses {@code outbound.internal.suffixes}: comma-separated DNS suffixes (a leading dot is allowed). */
    static List<String> suffixes(String property, String value) {
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        for (String s : (value == null ? "" : value).split(",")) {
            String t = s.strip().toLowerCase(Locale.ROOT);
            if (t.startsWith(".")) {
                t = t.substring(1);
            }
            if (t.isEmpty()) {
                continue;
            }
            if (t.length() > 253 || !SUFFIX.matcher(t).matches()) {
                throw new IllegalArgumentException(property + " must be comma-separated domain suffixes such as "
                        + "corp,internal; got '" + s.strip() + "'");
            }
            out.add(t);
        }
        return out;
    }

    List<String> suffixes() {
        return suffixes;
    }

    /** Whether {@code id} (without brackets) names an internal host, by its domain. */
    boolean internal(String id) {
        int at = id.lastIndexOf('@');
        if (at < 0 || at == id.length() - 1) {
            return false;
        }
        String domain = id.substring(at + 1).toLowerCase(Locale.ROOT);
        if (domain.startsWith("[") || IPV4.matcher(domain).matches() || domain.indexOf(':') >= 0) {
            return true; // an address literal, or a bare IPv4 / IPv6 address
        }
        if (domain.endsWith(".")) {
            domain = domain.substring(0, domain.length() - 1);
        }
        if (domain.indexOf('.') < 0) {
            return true; // a host name alone, like exch01
        }
        for (String s : suffixes) {
            if (domain.equals(s) || domain.endsWith("." + s)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The token for the internal id {@code id} (without brackets), under {@code domain}.
     *
     * @throws IOException if the key could not be read or created: the message must wait, not leave unhidden
     */
    String encode(String id, String domain) throws IOException {
        Keys k = keys(true);
        byte[] plain = id.getBytes(StandardCharsets.UTF_8);
        try {
            byte[] iv = Arrays.copyOf(mac(k, plain), IV);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, k.enc, new GCMParameterSpec(TAG_BITS, iv));
            c.updateAAD(AAD);
            byte[] sealed = c.doFinal(plain);
            byte[] all = new byte[IV + sealed.length];
            System.arraycopy(iv, 0, all, 0, IV);
            System.arraycopy(sealed, 0, all, IV, sealed.length);
            return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(all) + "@" + domain;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot encrypt a message id: " + e, e); // AES-GCM is in every JDK
        }
    }

    /**
     * The original id behind the token {@code id} (without brackets), or {@code null} when it is no token of ours:
     * not {@code sm1.}, not base64url, not authentic under our key (tampered, or another gateway's), or no key.
     */
    String decode(String id) {
        int at = id.lastIndexOf('@');
        if (!id.startsWith(PREFIX) || at <= PREFIX.length()) {
            return null;
        }
        Keys k;
        try {
            k = keys(false);
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
        if (k == null) {
            return null;
        }
        try {
            byte[] all = Base64.getUrlDecoder().decode(id.substring(PREFIX.length(), at));
            if (all.length < IV + TAG_BITS / 8 + 1) {
                return null;
            }
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, k.enc, new GCMParameterSpec(TAG_BITS, all, 0, IV));
            c.updateAAD(AAD);
            byte[] plain = c.doFinal(all, IV, all.length - IV);
            if (!MessageDigest.isEqual(Arrays.copyOf(mac(k, plain), IV), Arrays.copyOf(all, IV))) {
                return null;
            }
            String original = new String(plain, StandardCharsets.UTF_8);
            // Only what encode() takes: a plain id, nothing that could break the header it goes into.
            return MessageIdFilter.plainId(original) ? original : null;
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return null; // not base64url, or not authentic
        }
    }

    private static byte[] mac(Keys k, byte[] data) throws GeneralSecurityException {
        Mac m = Mac.getInstance("HmacSHA256");
        m.init(k.mac);
        return m.doFinal(data);
    }

    private synchronized Keys keys(boolean create) throws IOException {
        if (keys == null && Files.exists(keyFile)) {
            try {
                keys = load();
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e); // appeared since the configuration was read, unusable
            }
        }
        if (keys == null && create) {
            SecretFiles.createRandom(keyFile, KEY_BYTES);
            try {
                keys = load();
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e); // made, but not usable (another process's, say)
            }
        }
        return keys;
    }

    private Keys load() {
        byte[] secret = SecretFiles.read("outbound.id.secret.file", keyFile, KEY_BYTES);
        if (secret.length != KEY_BYTES) {
            throw new IllegalArgumentException("outbound.id.secret.file '" + keyFile.getFileName() + "' must hold "
                    + KEY_BYTES + " bytes, has " + secret.length);
        }
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(secret, "HmacSHA256"));
            byte[] enc = m.doFinal("streamail/message-id/enc".getBytes(StandardCharsets.US_ASCII));
            byte[] mac = m.doFinal("streamail/message-id/iv".getBytes(StandardCharsets.US_ASCII));
            return new Keys(new SecretKeySpec(enc, "AES"), new SecretKeySpec(mac, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 missing from the JDK", e);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MessageIdHiding h && suffixes.equals(h.suffixes) && keyFile.equals(h.keyFile);
    }

    @Override
    public int hashCode() {
        return Objects.hash(suffixes, keyFile);
    }

    @Override
    public String toString() {
        return "internal suffixes " + suffixes + ", key " + keyFile.getFileName();
    }
}
