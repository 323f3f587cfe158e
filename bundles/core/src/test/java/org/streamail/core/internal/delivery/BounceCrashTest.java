package org.streamail.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.detect.Detector;
import org.streamail.api.detect.Inspection;
import org.streamail.api.model.Category;
import org.streamail.api.model.Finding;
import org.streamail.core.internal.intake.Intake;
import org.streamail.core.internal.pipeline.Pipeline;
import org.streamail.core.internal.pipeline.PipelineSettings;
import org.streamail.core.internal.policy.Policy;
import org.streamail.core.internal.policy.PolicyRules;
import org.streamail.core.internal.spool.Spool;
import org.streamail.core.internal.spool.SpoolEntry;
import org.streamail.core.internal.support.Mail;
import org.streamail.core.internal.support.MemoryMessageLog;
import org.streamail.testsupport.InMemoryQuarantineStore;
import org.streamail.core.internal.support.Wait;

/** A kill between spooling a non-delivery report and queueing it. */
class BounceCrashTest {

    @TempDir
    Path dir;

    @Test
    void aReportSpooledJustBeforeACrashIsDeliveredAtTheRestartNotScannedAsReceivedMail() throws Exception {
        MemoryMessageLog log = new MemoryMessageLog();
        InMemoryQuarantineStore store = new InMemoryQuarantineStore();
        Path folder = dir.resolve("delivered");
        DeliverySettings settings = DeliverySettings.local(folder).withBounces(true, true);
        Spool spool = new Spool(dir.resolve("spool"));
        SpoolEntry original = spool.write("o1", "o1", Mail.envelope("gone@example.org"), null, Mail.message("lost"));
        Optional<SpoolEntry> report = new Bouncer(spool, log, Clock.systemUTC()).spoolReport(original,
                List.of(new NonDeliveryReport.Failure("gone@example.org", "550 5.1.1 no such user",
                        NonDeliveryReport.Kind.REFUSED)), settings);
        assertThat(report).isPresent();
        // killed here: Delivery.enqueue never wrote the report's state

        Spool reopened = new Spool(dir.resolve("spool"));
        Delivery delivery = new Delivery(reopened, log, settings, Clock.systemUTC());
        delivery.start();
        Detector strict = new Detector() { // would hold anything it is shown
            @Override
            public String name() {
                return "strict";
            }

            @Override
            public List<Finding> inspect(Inspection in) {
                return List.of(new Finding("strict", "everything", 9.0, Category.SPAM, "test"));
            }
        };
        Pipeline pipeline = new Pipeline(Policy.fixed(PolicyRules.defaults()), PipelineSettings.defaults(),
                List.of(strict));
        Intake intake = Intake.withoutTransformers(pipeline, reopened, delivery, store, log, true);
        try {
            String id = report.get().id();
            // the report goes out (inbound original: through the outbound hop, here its local folder)
            Path outbound = dir.resolve("delivered-outbound").resolve(id + ".eml");
            Wait.until("report delivered", Duration.ofSeconds(10), () -> Files.exists(outbound));
            assertThat(store.holdCalls.get()).as("the report was scanned and held").isZero();
        } finally {
            intake.close();
            delivery.close();
            pipeline.close();
        }
    }
}
