package org.streamail.core.internal.policy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.streamail.api.model.Action;
import org.streamail.api.model.Category;
import org.streamail.api.model.Finding;
import org.streamail.api.model.Verdict;

/**
 * One immutable, validated policy: thresholds plus category, rule and error actions. Built from
 * configuration strings (which it rejects with a clear message) and applied to findings. Thread-safe.
 *
 * <p>The action is the strictest of: the score threshold reached, the action of every category present,
 * the action of every {@code detector/rule} present, and {@code error.action} for ERROR findings of
 * mandatory detectors. When a finding of {@code welcome.rules} is present (by default {@code auth/welcome}: the sender
 * is on detect-auth's {@code welcome.senders} and authenticated), the SPAM findings below {@code reject.score} count
 * for nothing, score and actions alike; the verdict keeps them and its reason says how much was not counted.
 */
public final class PolicyRules {

    private final double tagScore;
    private final double quarantineScore;
    private final double rejectScore;
    private final Set<String> mandatory;
    private final Map<Category, Action> categoryActions;
    private final Map<String, Action> ruleActions;
    private final Action errorAction;
    private final Set<String> welcomeRules;

    /** The rules naming a welcome sender by default ({@code welcome.rules}): detect-auth's authenticated welcome list. */
    public static final String DEFAULT_WELCOME_RULES = "auth/welcome";

    public PolicyRules(double tagScore, double quarantineScore, double rejectScore, Set<String> mandatory,
            Map<Category, Action> categoryActions, Map<String, Action> ruleActions, Action errorAction) {
        this(tagScore, quarantineScore, rejectScore, mandatory, categoryActions, ruleActions, errorAction,
                Set.of(DEFAULT_WELCOME_RULES));
    }

    /**
     * @param welcomeRules lower-case {@code detector/rule} names: when a finding of one is present, the positive
     *                     scores of SPAM findings below {@code rejectScore} are not counted
     */
    public PolicyRules(double tagScore, double quarantineScore, double rejectScore, Set<String> mandatory,
            Map<Category, Action> categoryActions, Map<String, Action> ruleActions, Action errorAction,
            Set<String> welcomeRules) {
        if (!(Double.isFinite(tagScore) && Double.isFinite(quarantineScore) && Double.isFinite(rejectScore))) {
            throw new IllegalArgumentException("scores must be finite numbers");
        }
        if (!(tagScore <= quarantineScore && quarantineScore <= rejectScore)) {
            throw new IllegalArgumentException("thresholds must satisfy tag.score <= quarantine.score <= reject.score,"
                    + " got " + tagScore + ", " + quarantineScore + ", " + rejectScore);
        }
        this.tagScore = tagScore;
        this.quarantineScore = quarantineScore;
        this.rejectScore = rejectScore;
        this.mandatory = Collections.unmodifiableSet(new LinkedHashSet<>(mandatory));
        this.categoryActions = Collections.unmodifiableMap(new EnumMap<>(categoryActions.isEmpty()
                ? Map.of(Category.MALFORMED, Action.QUARANTINE) : categoryActions));
        this.ruleActions = Collections.unmodifiableMap(new LinkedHashMap<>(ruleActions));
        this.errorAction = errorAction;
        this.welcomeRules = Collections.unmodifiableSet(new LinkedHashSet<>(welcomeRules));
    }

    /** The defaults of {@code org.streamail.policy}. */
    public static PolicyRules defaults() {
        return parse(5.0, 8.0, 15.0, "", "MALFORMED=QUARANTINE", "", "QUARANTINE");
    }

    /**
     * Builds rules from configuration text.
     *
     * @throws IllegalArgumentException naming the property and the bad entry
     */
    public static PolicyRules parse(double tag, double quarantine, double reject, String mandatoryCsv,
            String categoryCsv, String ruleCsv, String errorAction) {
        return parse(tag, quarantine, reject, mandatoryCsv, categoryCsv, ruleCsv, errorAction, DEFAULT_WELCOME_RULES);
    }

    /**
     * Builds rules from configuration text, with {@code welcome.rules}.
     *
     * @throws IllegalArgumentException naming the property and the bad entry
     */
    public static PolicyRules parse(double tag, double quarantine, double reject, String mandatoryCsv,
            String categoryCsv, String ruleCsv, String errorAction, String welcomeCsv) {
        Set<String> welcome = new LinkedHashSet<>();
        for (String s : split(welcomeCsv)) {
            if (s.indexOf('/') <= 0 || s.indexOf('/') == s.length() - 1) {
                throw new IllegalArgumentException("welcome.rules: '" + s + "' is not detector/rule");
            }
            welcome.add(s.toLowerCase(Locale.ROOT));
        }
        Set<String> mandatory = new LinkedHashSet<>();
        for (String s : split(mandatoryCsv)) {
            mandatory.add(s.toLowerCase(Locale.ROOT));
        }
        Map<Category, Action> cat = new EnumMap<>(Category.class);
        for (Map.Entry<String, String> e : pairs("category.actions", categoryCsv).entrySet()) {
            Category c;
            try {
                c = Category.valueOf(e.getKey().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("category.actions: unknown category '" + e.getKey()
                        + "' (known: " + java.util.Arrays.toString(Category.values()) + ")");
            }
            cat.put(c, action("category.actions", e.getValue()));
        }
        Map<String, Action> rules = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : pairs("rule.actions", ruleCsv).entrySet()) {
            if (e.getKey().indexOf('/') <= 0) {
                throw new IllegalArgumentException("rule.actions: '" + e.getKey() + "' is not detector/rule");
            }
            // detector and rule names are compared without case: "Phishing/Intent-Credential" was silently ignored
            rules.put(e.getKey().toLowerCase(java.util.Locale.ROOT), action("rule.actions", e.getValue()));
        }
        if (cat.isEmpty()) {
            cat.put(Category.MALFORMED, Action.QUARANTINE);
        }
        return new PolicyRules(tag, quarantine, reject, mandatory, cat, rules,
                action("error.action", errorAction == null || errorAction.isBlank() ? "QUARANTINE" : errorAction),
                welcome);
    }

    private static List<String> split(String csv) {
        List<String> out = new ArrayList<>();
        if (csv == null) {
            return out;
        }
        for (String s : csv.split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    private static Map<String, String> pairs(String property, String csv) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String s : split(csv)) {
            int eq = s.indexOf('=');
            if (eq <= 0 || eq == s.length() - 1) {
                throw new IllegalArgumentException(property + ": '" + s + "' is not KEY=ACTION");
            }
            out.put(s.substring(0, eq).trim(), s.substring(eq + 1).trim());
        }
        return out;
    }

    private static Action action(String property, String name) {
        try {
            return Action.valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(property + ": unknown action '" + name
                    + "' (known: DELIVER, TAG, QUARANTINE, REJECT)");
        }
    }

    /** Lower-case names of the detectors that must be bound for mail to be accepted. */
    public Set<String> mandatory() {
        return mandatory;
    }

    /** Judges the findings of one message. */
    public Verdict evaluate(List<Finding> findings) {
        Finding welcome = null;
        for (Finding f : findings) {
            if (welcomeRules.contains(f.qualifiedRule().toLowerCase(Locale.ROOT))) {
                welcome = f;
                break;
            }
        }
        double score = 0;
        double notCounted = 0;
        for (Finding f : findings) {
            if (welcome != null && welcomed(f)) {
                notCounted += f.score();
            } else {
                score += f.score();
            }
        }
        // Rounded to 1/1000 so sums like 0.1 + 0.2 compare against thresholds as people expect.
        score = Math.round(score * 1000.0) / 1000.0;
        notCounted = Math.round(notCounted * 1000.0) / 1000.0;

        Action action = Action.DELIVER;
        String reason;
        if (score >= rejectScore) {
            action = Action.REJECT;
            reason = "score " + fmt(score) + " >= reject.score " + fmt(rejectScore);
        } else if (score >= quarantineScore) {
            action = Action.QUARANTINE;
            reason = "score " + fmt(score) + " >= quarantine.score " + fmt(quarantineScore);
        } else if (score >= tagScore) {
            action = Action.TAG;
            reason = "score " + fmt(score) + " >= tag.score " + fmt(tagScore);
        } else {
            reason = findings.isEmpty() ? "no findings" : "score " + fmt(score) + " < tag.score " + fmt(tagScore);
        }
        if (notCounted > 0) {
            reason += " (welcome sender, " + welcome.qualifiedRule() + ": spam findings " + fmt(notCounted)
                    + " not counted)";
        }
        // A stricter explicit action wins and explains itself; on a tie the score explanation stays.
        for (Finding f : findings) {
            Action r = ruleActions.get(f.qualifiedRule().toLowerCase(java.util.Locale.ROOT));
            if (r != null && r.compareTo(action) > 0 && !(welcome != null && welcomed(f))) {
                action = r;
                reason = "rule " + f.qualifiedRule() + " -> " + r;
            }
        }
        for (Finding f : findings) {
            Action c = categoryActions.get(f.category());
            if (c != null && c.compareTo(action) > 0 && !(welcome != null && welcomed(f))) {
                action = c;
                reason = "category " + f.category() + " (" + f.qualifiedRule() + ") -> " + c;
            }
        }
        for (Finding f : findings) {
            if (f.category() == Category.ERROR && mandatory.contains(f.detector().toLowerCase(Locale.ROOT))
                    && errorAction.compareTo(action) > 0) {
                action = errorAction;
                reason = "mandatory detector '" + f.detector() + "' " + f.rule() + " -> " + errorAction;
            }
        }
        return new Verdict(action, score, Verdict.categoriesOf(findings), findings, ascii(reason));
    }

    /**
     * Whether a finding is not held against a welcome sender's message: a SPAM finding with a positive score below
     * {@code reject.score} (the classifier, the sender-reputation heuristics). A refusal-level spam finding (a reported
     * campaign's fingerprint, 100) and every other category (malware, phishing, policy, malformed) still count, with
     * their category and rule actions.
     */
    private boolean welcomed(Finding f) {
        return f.category() == Category.SPAM && f.score() > 0 && f.score() < rejectScore;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.format(Locale.ROOT, "%.1f", d)
                : String.format(Locale.ROOT, "%.3f", d).replaceAll("0+$", "");
    }

    /** Verdict reasons go into SMTP replies: printable ASCII only, short. */
    static String ascii(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 200));
        for (int i = 0; i < s.length() && b.length() < 200; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return "tag.score=" + tagScore + " quarantine.score=" + quarantineScore + " reject.score=" + rejectScore
                + " mandatory.detectors=" + mandatory + " category.actions=" + categoryActions + " rule.actions="
                + ruleActions + " error.action=" + errorAction + " welcome.rules=" + welcomeRules;
    }
}
