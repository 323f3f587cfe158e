package org.streamail.testdetector.internal;

import java.util.List;
import java.util.Locale;
import org.osgi.service.component.annotations.Component;
import org.streamail.api.detect.Detector;
import org.streamail.api.detect.Inspection;
import org.streamail.api.model.Category;
import org.streamail.api.model.Finding;

/**
 * Integration-test detector {@code testflag}: a message carrying {@code X-Testflag: quarantine} gets a
 * MALWARE finding of score 10, {@code X-Testflag: reject} one of score 100; anything else, nothing.
 * Stateless and thread-safe; the itests install and uninstall its bundle to exercise mandatory detectors.
 * Never part of the distribution.
 */
@Component(service = Detector.class)
public class TestFlagDetector implements Detector {

    static final String NAME = "testflag";
    static final String HEADER = "X-Testflag";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Finding> inspect(Inspection inspection) {
        String value = inspection.message().header(HEADER).orElse("").trim().toLowerCase(Locale.ROOT);
        return switch (value) {
            case "quarantine" -> List.of(new Finding(NAME, "flag-quarantine", 10.0, Category.MALWARE,
                    "the test header asks for quarantine"));
            case "reject" -> List.of(new Finding(NAME, "flag-reject", 100.0, Category.MALWARE,
                    "the test header asks for rejection"));
            default -> List.of();
        };
    }
}
