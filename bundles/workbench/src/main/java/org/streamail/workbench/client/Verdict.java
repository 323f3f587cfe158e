package org.streamail.workbench.client;

import java.util.List;

/** The gateway's verdict on a message. Strings never {@code null}, lists unmodifiable. */
public record Verdict(String action, double score, List<String> categories, List<Finding> findings, String reason) {

    public Verdict {
        categories = List.copyOf(categories);
        findings = List.copyOf(findings);
    }
}
