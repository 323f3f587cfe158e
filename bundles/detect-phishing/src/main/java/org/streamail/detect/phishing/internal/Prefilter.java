package org.streamail.detect.phishing.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

/**
 * Which of a rule set's patterns may match a text, told by one pass over the text: every string that some
 * pattern requires ({@link PhishingAnalyzer#requirements(Pattern)}) goes into one Aho–Corasick automaton,
 * built once per rule set as a table over the characters those strings use; {@link #scan} runs it over a
 * text and returns which strings occur, and {@link #mayMatch} answers for a pattern from that set. This
 * replaces a {@link String#contains} per requirement per pattern (hundreds of full scans of the text per
 * message) by one.
 *
 * <p>Immutable and thread-safe once built; {@link #of} keeps the one of the newest rule set.
 */
final class Prefilter {

    /** Above this many automaton states the table would be too large: no prefilter, every regex runs. */
    static final int MAX_STATES = 50_000;

    private static final AtomicReference<Prefilter> LATEST = new AtomicReference<>();

    private final RuleSet rules;
    /** For each known pattern, its requirements as string ids: every row must have one id present. */
    private final Map<Pattern, int[][]> required = new IdentityHashMap<>();
    private final int literals;
    /** Character → column of {@link #next}; column 0 is "a character no string uses". */
    private final int[] asciiColumn = new int[128];
    private final Map<Character, Integer> otherColumn = new HashMap<>();
    private final int columns;
    /** {@code next[state * columns + column]}: the automaton's complete transition table. */
    private final int[] next;
    /** The string ids that end at each state, through its failure links too; {@code null} for none. */
    private final int[][] output;

    private Prefilter(RuleSet rules) {
        this.rules = rules;
        Map<String, Integer> ids = new LinkedHashMap<>();
        List<Pattern> patterns = new ArrayList<>();
        for (RuleSet.IntentPattern ip : rules.intents()) {
            if (ip.folded() != null) {
                patterns.add(ip.folded());
            }
            patterns.add(ip.stripped());
        }
        for (RuleSet.Brand b : rules.brands()) {
            patterns.addAll(b.keywordPatterns());
        }
        for (Pattern p : patterns) {
            List<List<String>> reqs = PhishingAnalyzer.requirements(p);
            int[][] rows = new int[reqs.size()][];
            for (int r = 0; r < rows.length; r++) {
                List<String> anyOf = reqs.get(r);
                rows[r] = new int[anyOf.size()];
                for (int k = 0; k < anyOf.size(); k++) {
                    rows[r][k] = ids.computeIfAbsent(anyOf.get(k), s -> ids.size());
                }
            }
            required.put(p, rows);
        }
        this.literals = ids.size();
        // columns: one per distinct character of the strings
        int col = 1;
        for (String s : ids.keySet()) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c < 128 ? asciiColumn[c] == 0 : !otherColumn.containsKey(c)) {
                    if (c < 128) {
                        asciiColumn[c] = col++;
                    } else {
                        otherColumn.put(c, col++);
                    }
                }
            }
        }
        this.columns = col;
        // the trie
        List<int[]> children = new ArrayList<>();
        List<List<Integer>> ends = new ArrayList<>();
        children.add(new int[columns]);
        ends.add(new ArrayList<>());
        boolean tooLarge = false;
        for (Map.Entry<String, Integer> e : ids.entrySet()) {
            if (tooLarge) {
                break;
            }
            int state = 0;
            for (int i = 0; i < e.getKey().length(); i++) {
                int c = column(e.getKey().charAt(i));
                if (children.get(state)[c] == 0) {
                    if (children.size() >= MAX_STATES) {
                        tooLarge = true;
                        break;
                    }
                    children.get(state)[c] = children.size();
                    children.add(new int[columns]);
                    ends.add(new ArrayList<>());
                }
                state = children.get(state)[c];
            }
            ends.get(state).add(e.getValue());
        }
        if (tooLarge) {
            this.next = null;
            this.output = null;
            return;
        }
        // failure links by breadth-first search, completing the table into a DFA as we go
        int states = children.size();
        int[] table = new int[states * columns];
        int[] fail = new int[states];
        int[][] out = new int[states][];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int c = 0; c < columns; c++) {
            int child = children.get(0)[c];
            table[c] = child;
            if (child != 0) {
                fail[child] = 0;
                queue.add(child);
            }
        }
        out[0] = ends.get(0).isEmpty() ? null : toArray(ends.get(0));
        while (!queue.isEmpty()) {
            int s = queue.poll();
            List<Integer> o = new ArrayList<>(ends.get(s));
            if (out[fail[s]] != null) {
                for (int id : out[fail[s]]) {
                    o.add(id);
                }
            }
            out[s] = o.isEmpty() ? null : toArray(o);
            for (int c = 0; c < columns; c++) {
                int child = children.get(s)[c];
                if (child != 0) {
                    fail[child] = table[fail[s] * columns + c];
                    table[s * columns + c] = child;
                    queue.add(child);
                } else {
                    table[s * columns + c] = table[fail[s] * columns + c];
                }
            }
        }
        this.next = table;
        this.output = out;
    }

    /** The prefilter of {@code rules}, built on first use and kept while they are the newest. */
    static Prefilter of(RuleSet rules) {
        Prefilter p = LATEST.get();
        if (p == null || p.rules != rules) {
            p = new Prefilter(rules);
            LATEST.set(p);
        }
        return p;
    }

    private int column(char c) {
        return c < 128 ? asciiColumn[c] : otherColumn.getOrDefault(c, 0);
    }

    private static int[] toArray(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).distinct().toArray();
    }

    /** Which required strings occur in {@code text}: one pass, whatever the number of patterns. */
    Hits scan(String text) {
        BitSet found = new BitSet(literals);
        if (next != null) {
            int state = 0;
            for (int i = 0; i < text.length(); i++) {
                state = next[state * columns + column(text.charAt(i))];
                int[] o = output[state];
                if (o != null) {
                    for (int id : o) {
                        found.set(id);
                    }
                }
            }
        }
        return new Hits(text, found);
    }

    /** The result of {@link #scan}: the text and which of the strings it contains. */
    record Hits(String text, BitSet found) {
    }

    /**
     * Whether {@code p} may match the scanned text: false only when one of its requirements has none of
     * its strings there. A pattern this prefilter does not know (or one too large to build) falls back to
     * {@link PhishingAnalyzer#mayMatch(Pattern, String)}.
     */
    boolean mayMatch(Pattern p, Hits hits) {
        int[][] rows = required.get(p);
        if (rows == null || next == null) {
            return PhishingAnalyzer.mayMatch(p, hits.text());
        }
        for (int[] anyOf : rows) {
            boolean any = false;
            for (int id : anyOf) {
                if (hits.found().get(id)) {
                    any = true;
                    break;
                }
            }
            if (!any) {
                return false;
            }
        }
        return true;
    }

    /** Number of distinct required strings; for tests and the log. */
    int literals() {
        return literals;
    }

    @Override
    public String toString() {
        return "Prefilter[" + literals + " strings, " + (next == null ? "too large" : next.length / columns + " states")
                + ", " + columns + " columns]";
    }
}
