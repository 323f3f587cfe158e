package org.streamail.api.model;

import java.util.Objects;

/**
 * One thing a detector noticed. Detectors only report; the policy turns findings into an action.
 *
 * @param detector the reporting detector's {@code name()}, e.g. {@code "phishing"}
 * @param rule     a stable rule name, kebab-case, e.g. {@code "link-text-mismatch"}; policies can refer to
 *                 {@code detector/rule}
 * @param score    the weight added to the message score; may be negative for a reassuring signal
 * @param category what kind of problem this is
 * @param detail   an explanation a user can understand, naming the evidence; never {@code null}
 * @param part     what the finding concerns, e.g. {@code "invoice.zip!/a/b.exe"} or a part path, or
 *                 {@code ""} when it concerns the whole message
 */
public record Finding(String detector, String rule, double score, Category category, String detail, String part) {

    public Finding {
        Objects.requireNonNull(detector, "detector");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(category, "category");
        if (Double.isNaN(score) || Double.isInfinite(score)) {
            throw new IllegalArgumentException("score must be finite: " + score);
        }
        detail = detail == null ? "" : detail;
        part = part == null ? "" : part;
    }

    /** A finding about the whole message. */
    public Finding(String detector, String rule, double score, Category category, String detail) {
        this(detector, rule, score, category, detail, "");
    }

    /** {@code detector/rule}, the name policies use. */
    public String qualifiedRule() {
        return detector + "/" + rule;
    }
}
