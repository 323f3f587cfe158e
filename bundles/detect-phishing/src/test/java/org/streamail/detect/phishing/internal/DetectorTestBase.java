package org.streamail.detect.phishing.internal;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The rule tests' detector: the shipped rules written to a fresh directory, started once per test class. */
abstract class DetectorTestBase {

    @TempDir
    static Path rules;
    static PhishingDetector detector;

    @BeforeAll
    static void startDetector() {
        detector = Fixtures.detector(rules, 0);
    }

    @AfterAll
    static void stopDetector() {
        detector.deactivate();
    }
}
