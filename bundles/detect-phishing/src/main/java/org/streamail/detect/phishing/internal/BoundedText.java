package org.streamail.detect.phishing.internal;

import java.time.Instant;

/**
 * A {@link CharSequence} that makes a regular expression give up once the scan's deadline has passed (or
 * the thread was interrupted):
 * an administrator's pattern with catastrophic backtracking then costs one bounded scan, not a thread.
 * Not thread-safe; one per match.
 */
final class BoundedText implements CharSequence {

    /** Thrown from {@link #charAt} once the deadline has passed. */
    static final class DeadlineReached extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DeadlineReached() {
            super("scan deadline reached", null, false, false);
        }
    }

    private final String text;
    private final long deadlineNanos;
    private int calls;

    BoundedText(String text, Instant deadline) {
        this.text = text;
        long left = java.time.Duration.between(Instant.now(), deadline).toNanos();
        this.deadlineNanos = System.nanoTime() + Math.max(0, left);
    }

    private BoundedText(String text, long deadlineNanos) {
        this.text = text;
        this.deadlineNanos = deadlineNanos;
    }

    @Override
    public char charAt(int index) {
        if ((++calls & 0xFFFF) == 0
                && (System.nanoTime() - deadlineNanos > 0 || Thread.currentThread().isInterrupted())) {
            throw new DeadlineReached();
        }
        return text.charAt(index);
    }

    @Override
    public int length() {
        return text.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return new BoundedText(text.substring(start, end), deadlineNanos);
    }

    @Override
    public String toString() {
        return text;
    }
}
