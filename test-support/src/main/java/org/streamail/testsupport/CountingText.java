package org.streamail.testsupport;

/**
 * A text that counts the characters read from it, so a test can bound a pattern's work without a clock: match a
 * {@link java.util.regex.Pattern} against it and compare {@link #reads()} with the text's length.
 */
public final class CountingText implements CharSequence {
    private final String s;
    private long reads;

    public CountingText(String s) {
        this.s = s;
    }

    /** Characters read through {@link #charAt} so far. */
    public long reads() {
        return reads;
    }

    @Override
    public int length() {
        return s.length();
    }

    @Override
    public char charAt(int index) {
        reads++;
        return s.charAt(index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return s.substring(start, end);
    }

    @Override
    public String toString() {
        return s;
    }
}
