package org.streamail.api.model;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * An immutable run of bytes: a raw message or a decoded MIME part. Messages are bounded by the listener's
 * {@code max.message.size}, so content is held in memory; callers never get the internal array.
 * Thread-safe.
 */
public final class Content {
    private static final Content EMPTY = new Content(new byte[0]);

    private final byte[] bytes;
    private volatile String sha256;

    private Content(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A content holding a copy of {@code bytes}. */
    public static Content of(byte[] bytes) {
        return bytes.length == 0 ? EMPTY : new Content(bytes.clone());
    }

    /** A content holding a copy of {@code bytes[offset, offset+length)}. */
    public static Content of(byte[] bytes, int offset, int length) {
        return length == 0 ? EMPTY : new Content(Arrays.copyOfRange(bytes, offset, offset + length));
    }

    /** The UTF-8 encoding of {@code text}. */
    public static Content ofUtf8(String text) {
        return new Content(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The empty content. */
    public static Content empty() {
        return EMPTY;
    }

    /** Number of bytes. */
    public int size() {
        return bytes.length;
    }

    /** A fresh stream over the bytes; closing it is optional. */
    public InputStream openStream() {
        return new ByteArrayInputStream(bytes);
    }

    /** A copy of the bytes. */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** The first {@code n} bytes (or fewer), e.g. for magic-number sniffing. */
    public byte[] head(int n) {
        return Arrays.copyOf(bytes, Math.min(n, bytes.length));
    }

    /** Lower-case hex SHA-256 of the bytes, computed once. */
    public String sha256() {
        String h = sha256;
        if (h == null) {
            try {
                h = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 missing from the JRE", e);
            }
            sha256 = h;
        }
        return h;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Content c && Arrays.equals(bytes, c.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "Content[" + bytes.length + " bytes]";
    }
}
