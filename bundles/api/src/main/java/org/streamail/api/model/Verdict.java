package org.streamail.api.model;

import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The policy's decision on one message.
 *
 * @param action     what is done with the message
 * @param score      the sum of the findings' scores
 * @param categories the distinct categories of the findings that counted, in enum order
 * @param findings   every finding, in detector order
 * @param reason     a short human explanation of the action (e.g. "score 9.5 >= quarantine.score 8.0");
 *                   used in SMTP replies, so it is ASCII and without CR/LF
 */
public record Verdict(Action action, double score, List<Category> categories, List<Finding> findings, String reason) {

    public Verdict {
        Objects.requireNonNull(action, "action");
        categories = categories == null ? List.of() : List.copyOf(categories);
        findings = findings == null ? List.of() : List.copyOf(findings);
        reason = reason == null ? "" : reason;
    }

    /** A DELIVER verdict with no findings. */
    public static Verdict clean() {
        return new Verdict(Action.DELIVER, 0.0, List.of(), List.of(), "no findings");
    }

    /** The distinct categories of {@code findings}, in enum order. */
    public static List<Category> categoriesOf(List<Finding> findings) {
        Set<Category> set = EnumSet.noneOf(Category.class);
        for (Finding f : findings) {
            set.add(f.category());
        }
        return List.copyOf(set);
    }

    /** Whether any finding has the category. */
    public boolean has(Category category) {
        return categories.contains(category);
    }
}
