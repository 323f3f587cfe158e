package org.streamail.spam.internal;

import java.util.Arrays;

/**
 * The classifier's token counts in memory: an open-addressing hash map from a 64-bit token hash to its
 * spam and ham counts, packed in one long. About 16 bytes per token (a HashMap would take ~80).
 *
 * <p>Not thread-safe by itself: {@link Classifier} guards it with a read-write lock. Bounded: at most
 * {@code maxTokens} entries; beyond that, new tokens are not cached (counted in {@link #dropped()}), which
 * only makes the classifier ignore them.
 */
final class TokenTable {

    private static final long EMPTY = 0L; // token hash 0 is remapped, so 0 marks a free slot

    private long[] keys;
    private long[] values;
    private int size;
    private final int maxTokens;
    private long dropped;

    TokenTable(int maxTokens) {
        this.maxTokens = maxTokens;
        keys = new long[1024];
        values = new long[1024];
    }

    private static long key(long token) {
        return token == EMPTY ? 1L : token;
    }

    /** Spam count in the high half, ham count in the low half; 0 when unknown. */
    long get(long token) {
        long k = key(token);
        int mask = keys.length - 1;
        for (int i = (int) Fuzzy.mix(k) & mask;; i = (i + 1) & mask) {
            long at = keys[i];
            if (at == k) {
                return values[i];
            }
            if (at == EMPTY) {
                return 0L;
            }
        }
    }

    static int spam(long packed) {
        return (int) (packed >>> 32);
    }

    static int ham(long packed) {
        return (int) packed;
    }

    static long pack(int spam, int ham) {
        return ((long) Math.max(0, spam) << 32) | (Math.max(0, ham) & 0xffffffffL);
    }

    /** Sets the counts of a token; a token with no counts left is kept with zeros (cheaper than deleting). */
    void put(long token, int spam, int ham) {
        long k = key(token);
        int mask = keys.length - 1;
        for (int i = (int) Fuzzy.mix(k) & mask;; i = (i + 1) & mask) {
            long at = keys[i];
            if (at == k) {
                values[i] = pack(spam, ham);
                return;
            }
            if (at == EMPTY) {
                if (size >= maxTokens) {
                    dropped++;
                    return;
                }
                keys[i] = k;
                values[i] = pack(spam, ham);
                if (++size * 2 > keys.length) {
                    grow();
                }
                return;
            }
        }
    }

    /** Adds {@code ds}/{@code dh} to a token's counts (this node's own training, applied at once). */
    void add(long token, int ds, int dh) {
        long v = get(token);
        put(token, spam(v) + ds, ham(v) + dh);
    }

    int size() {
        return size;
    }

    long dropped() {
        return dropped;
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new long[oldKeys.length * 2];
        int mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            long k = oldKeys[j];
            if (k != EMPTY) {
                int i = (int) Fuzzy.mix(k) & mask;
                while (keys[i] != EMPTY) {
                    i = (i + 1) & mask;
                }
                keys[i] = k;
                values[i] = oldValues[j];
            }
        }
    }

    void clear() {
        Arrays.fill(keys, EMPTY);
        Arrays.fill(values, 0L);
        size = 0;
    }
}
