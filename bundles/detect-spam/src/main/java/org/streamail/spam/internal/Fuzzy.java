package org.streamail.spam.internal;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The fuzzy text fingerprint: normalise, cut into word shingles, MinHash. Two messages whose shingle sets
 * overlap with Jaccard similarity J agree on about J of the {@value #HASHES} MinHash values, so comparing
 * signatures estimates J (standard error about 0.044 at J = 0.5 with 128 values).
 *
 * <p>Normalisation removes what a bulk sender varies per recipient: Unicode compatibility forms (NFKC,
 * so full-width and ligature tricks fold), case, every word containing a digit (numbers, order and
 * tracking ids), long hex or base64-like runs, and URL paths and query strings (a link counts by its host).
 * Shingles of {@value #SHINGLE} words survive reordered paragraphs (only the few shingles spanning a
 * boundary change) and changed names (each changed word touches at most {@value #SHINGLE} shingles).
 * Chinese and Japanese, written without spaces, count each Han or Kana letter as a word (a shingle is then three
 * letters): read by spaces, a whole sentence was one word and a changed name changed all of it.
 *
 * <p>Stateless and thread-safe. Bounded by the text limit of {@link MimeText} and {@value #MAX_WORDS} words.
 */
final class Fuzzy {

    static final int HASHES = 128;
    static final int SHINGLE = 3;
    /** Fewer words than this give no text signature: short texts collide too easily. */
    static final int MIN_WORDS = 8;
    static final int MAX_WORDS = 20_000;

    /** A URL not inside a word: {@link MimeText#WORD_START}, not {@code \b} (quadratic on combining marks). */
    static final Pattern URL = Pattern.compile("(?i)" + MimeText.WORD_START + "(?:https?://|www\\.)[^\\s\"'<>]+");
    private static final long[] SEEDS = new long[HASHES];

    static {
        long x = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < HASHES; i++) {
            x = mix(x + 0x9E3779B97F4A7C15L);
            SEEDS[i] = x;
        }
    }

    private Fuzzy() {
    }

    /** The normalised words of a text, in order. */
    static List<String> words(String text) {
        String t = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
        // a link counts by its host only: paths and query strings carry per-recipient tracking
        t = URL.matcher(t).replaceAll(m -> " " + MimeText.host(m.group()).replace('.', '_') + " ");
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = t.length();
        while (i < n && out.size() < MAX_WORDS) {
            while (i < n && !Character.isLetterOrDigit(t.charAt(i)) && t.charAt(i) != '_'
                    && !Tokenizer.isCjk(t.codePointAt(i))) {
                i++;
            }
            if (i < n && Tokenizer.isCjk(t.codePointAt(i))) {
                // Chinese and Japanese have no spaces: each letter is a word, so shingles are runs of 3 letters
                int end = i + Character.charCount(t.codePointAt(i));
                out.add(t.substring(i, end));
                i = end;
                continue;
            }
            int start = i;
            boolean digit = false;
            while (i < n && (Character.isLetterOrDigit(t.charAt(i)) || t.charAt(i) == '_')
                    && !Tokenizer.isCjk(t.codePointAt(i))) {
                digit |= Character.isDigit(t.charAt(i));
                i++;
            }
            if (i > start && !digit) {
                String w = t.substring(start, i);
                if (w.length() <= 30 && !looksLikeId(w)) {
                    out.add(w);
                }
            }
        }
        return out;
    }

    /** Hex-only runs of 8+ letters are ids, not words ("deadbeefcafe"). */
    private static boolean looksLikeId(String w) {
        if (w.length() < 8) {
            return false;
        }
        for (int i = 0; i < w.length(); i++) {
            char c = w.charAt(i);
            if (c < 'a' || c > 'f') {
                return false;
            }
        }
        return true;
    }

    /** The MinHash signature of the text, or an empty array when it has fewer than {@value #MIN_WORDS} words. */
    static int[] signature(List<String> words) {
        if (words.size() < MIN_WORDS) {
            return new int[0];
        }
        // distinct shingle hashes in a primitive array (sorted, duplicates dropped): no boxing, and the
        // MinHash loop below runs over plain memory, one hash function at a time
        long[] shingles = new long[words.size() - SHINGLE + 1];
        for (int i = 0; i + SHINGLE <= words.size(); i++) {
            long h = 0xcbf29ce484222325L;
            for (int k = 0; k < SHINGLE; k++) {
                h = fnv(h, words.get(i + k));
                h = (h ^ ' ') * 0x100000001b3L;
            }
            shingles[i] = h;
        }
        Arrays.sort(shingles);
        int distinct = 0;
        for (int i = 0; i < shingles.length; i++) {
            if (i == 0 || shingles[i] != shingles[i - 1]) {
                shingles[distinct++] = shingles[i];
            }
        }
        int[] sig = new int[HASHES];
        for (int j = 0; j < HASHES; j++) {
            long seed = SEEDS[j];
            int min = Integer.MAX_VALUE;
            for (int i = 0; i < distinct; i++) {
                int v = (int) (mix(shingles[i] ^ seed) >>> 33); // non-negative 31-bit value
                if (v < min) {
                    min = v;
                }
            }
            sig[j] = min;
        }
        return sig;
    }

    /** Estimated Jaccard similarity of two signatures; 0 when either is empty. */
    static double similarity(int[] a, int[] b) {
        if (a.length == 0 || a.length != b.length) {
            return 0;
        }
        int same = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] == b[i]) {
                same++;
            }
        }
        return same / (double) a.length;
    }

    /**
     * The reference id of a message: 16 hex digits of a SHA-256 over the normalised words and the sorted
     * attachment hashes, so the same message (even re-sent with other tracking ids) gets the same id.
     */
    static String referenceId(List<String> words, List<String> attachmentHashes) {
        StringBuilder b = new StringBuilder();
        for (String w : words) {
            b.append(w).append(' ');
        }
        b.append('\u0000');
        for (String h : new TreeSet<>(attachmentHashes)) {
            b.append(h).append(',');
        }
        return MimeText.sha256(b.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    static long fnv(long h, String s) {
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** 64-bit finaliser (SplitMix64): spreads every input bit over the output. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
