package org.streamail.detect.content.internal;

/** A text that counts the characters read from it: a pattern's work, measured without a clock. */
final class CountingText implements CharSequence {
    private final String s;
    long reads;

    CountingText(String s) {
        this.s = s;
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
