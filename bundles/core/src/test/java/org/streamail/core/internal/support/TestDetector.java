package org.streamail.core.internal.support;

import java.util.List;
import org.streamail.api.detect.Detector;
import org.streamail.api.detect.Inspection;
import org.streamail.api.model.Category;
import org.streamail.api.model.Finding;

/**
 * A detector driven by the subject line, as the itests do: "SCORE n" yields one finding of score n,
 * "SLEEP ms" sleeps, "THROW" throws.
 */
public final class TestDetector implements Detector {

    private final String name;

    public TestDetector(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<Finding> inspect(Inspection in) throws Exception {
        String subject = in.message().subject();
        if (subject.startsWith("SLEEP ")) {
            Thread.sleep(Long.parseLong(subject.substring(6).trim()));
            return List.of();
        }
        if (subject.startsWith("SLOWSCORE ")) { // "SLOWSCORE ms score"
            String[] a = subject.split(" ");
            Thread.sleep(Long.parseLong(a[1]));
            return List.of(new Finding(name, "slow-score", Double.parseDouble(a[2]), Category.SPAM, "late"));
        }
        if (subject.equals("THROW")) {
            throw new IllegalStateException("boom");
        }
        if (subject.startsWith("SCORE ")) {
            return List.of(new Finding(name, "subject-score", Double.parseDouble(subject.substring(6).trim()),
                    Category.SPAM, "subject asked for it"));
        }
        return List.of();
    }
}
