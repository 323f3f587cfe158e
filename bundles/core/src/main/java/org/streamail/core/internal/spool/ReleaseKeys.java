package org.streamail.core.internal.spool;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Spool keys of messages released from the quarantine: {@code <id>-released} for a release to every recipient
 * still held for, {@code <id>-released-<n>} for a release to one recipient only, {@code n} being that
 * recipient's index in the envelope (so two recipients released at once get two entries, and the same recipient
 * released twice at once the same key, which the spool's claim lets only one have). The spool entry names the
 * message id in its header; the key only has to be unique and within {@code [A-Za-z0-9-]{1,64}}
 * ({@link IdGenerator#VALID}). Stateless.
 */
public final class ReleaseKeys {

    /** The suffix of a release's key. */
    public static final String RELEASED = "-released";
    /** {@code -released-} and the index's digits: a recipient's index has at most this many digits. */
    private static final int MAX_INDEX_DIGITS = 5;
    private static final Pattern PER_RECIPIENT = Pattern.compile(".+" + RELEASED + "-(\\d{1," + MAX_INDEX_DIGITS
            + "})");
    /** Of an id too long for a per-recipient key: this many characters kept (the time of a gateway id). */
    private static final int KEPT_PREFIX = 16;
    /** ... followed by {@code -} and this many hex digits of the id's SHA-256. */
    private static final int HASH_HEX = 32;

    private ReleaseKeys() {
    }

    /** The key of a release to every recipient still held for. */
    public static String whole(String id) {
        return id + RELEASED;
    }

    /**
     * The key of a release to the recipient at {@code index} of the envelope: {@code <id>-released-<index>}. A
     * gateway id (29 characters) always fits; an id so long that the key would pass 64 characters (ids may have
     * 64) is shortened to its first {@value #KEPT_PREFIX} characters, {@code -} and {@value #HASH_HEX} hex digits
     * of its SHA-256: still one key per id and recipient, and still a valid key.
     *
     * @throws IllegalArgumentException if {@code index} is negative or has more than five digits
     */
    public static String toRecipient(String id, int index) {
        if (index < 0 || index >= 100_000) {
            throw new IllegalArgumentException("recipient index out of range: " + index);
        }
        String suffix = RELEASED + "-" + index;
        String key = id + suffix;
        if (IdGenerator.isValid(key)) {
            return key;
        }
        String prefix = id.substring(0, Math.min(KEPT_PREFIX, id.length())).replaceAll("[^A-Za-z0-9-]", "-");
        return prefix + "-" + sha256Hex(id).substring(0, HASH_HEX) + suffix;
    }

    /**
     * The recipient index of a per-recipient release entry ({@code <...>-released-<digits>}), or {@code -1} for any
     * other entry: a received message, a bounce, a release to every recipient.
     */
    public static int recipientIndex(SpoolEntry e) {
        if (!e.released() || e.key().equals(whole(e.id()))) {
            return -1;
        }
        Matcher m = PER_RECIPIENT.matcher(e.key());
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JVM", e);
        }
    }
}
