package org.streamail.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.streamail.itests.process.SmtpClient;

/**
 * The {@code streamail:} shell over a running gateway (inside Karaf): register an address, quarantine a
 * message flagged by the test detector, list, show and release it, and see it delivered to the embedded
 * default (files under data/streamail/delivered).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ShellIT extends StreamailTestSupport {

    @Configuration
    public Option[] config() {
        return baseConfig();
    }

    private void installTestDetector() throws Exception {
        String jar = System.getProperty("streamail.test.detector");
        for (Bundle b : bundleContext.getBundles()) {
            if ("org.streamail.test-detector".equals(b.getSymbolicName())) {
                return;
            }
        }
        Bundle b = bundleContext.installBundle(new File(jar).toURI().toString());
        b.start();
        waitFor("testflag detector in status", Duration.ofSeconds(30),
                () -> executeCommand("streamail:status").contains("testflag"));
    }

    private String sendFlagged(String subject) throws Exception {
        byte[] msg = ("From: bob@sender.example\r\nTo: carol@example.org\r\nSubject: " + subject
                + "\r\nX-Testflag: quarantine\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII);
        try (SmtpClient c = new SmtpClient(smtpPort())) {
            c.command("EHLO shell-it");
            return c.send("bob@sender.example", List.of("carol@example.org"), msg);
        }
    }

    @Test
    public void quarantinedMessageIsListedShownAndReleasedFromTheShell() throws Exception {
        installTestDetector();
        assertThat(executeCommand("streamail:directory-add carol@example.org Carol")).doesNotContain("Error");
        assertThat(executeCommand("streamail:directory-list")).contains("carol@example.org");

        String subject = "shell-" + UUID.randomUUID().toString().substring(0, 8);
        assertThat(sendFlagged(subject)).startsWith("250");

        String[] id = new String[1];
        waitFor("the message in quarantine-list", Duration.ofSeconds(30), () -> {
            for (String line : executeCommand("streamail:quarantine-list").split("\n")) {
                if (line.contains(subject)) {
                    id[0] = line.trim().split("\\s+")[0];
                    return true;
                }
            }
            return false;
        });
        assertThat(executeCommand("streamail:quarantine-show " + id[0])).contains("testflag").contains("MALWARE");
        assertThat(executeCommand("streamail:messages")).contains("QUARANTINE");

        assertThat(executeCommand("streamail:quarantine-release " + id[0])).contains("Released " + id[0]);

        assertThat(deliveredContaining(subject)).as("the released message delivered").contains("Subject:");
        assertThatThrownBy(() -> executeCommand("streamail:quarantine-release " + id[0]))
                .isInstanceOf(CommandFailedException.class);
    }

    @Test
    public void unknownQuarantineIdIsAClearErrorNotAStackTrace() {
        assertThatThrownBy(() -> executeCommand("streamail:quarantine-show no-such-id"))
                .isInstanceOf(CommandFailedException.class)
                .hasMessageNotContaining("at org.streamail");
    }

    @Test
    public void viewerMayListButNotReleaseOrAddAddresses() {
        assertThat(executeCommand("streamail:quarantine-list", "viewer", VIEWER_ROLES)).contains("Id");
        assertThatThrownBy(() -> executeCommand("streamail:quarantine-release x", "viewer", VIEWER_ROLES))
                .satisfies(StreamailTestSupport::assertDeniedByAcl);
        assertThatThrownBy(() -> executeCommand("streamail:directory-add x@example.org", "viewer", VIEWER_ROLES))
                .satisfies(StreamailTestSupport::assertDeniedByAcl);
    }

    @Test
    public void anAdminRunsHousekeepingNowAndAViewerMayNot() {
        // the real store's housekeeping service: its default passes run against the embedded H2
        String out = executeCommand("streamail:housekeeping-run");
        assertThat(out).contains("message_log", "spam_pending", "Took ");
        assertThatThrownBy(() -> executeCommand("streamail:housekeeping-run", "viewer", VIEWER_ROLES))
                .satisfies(StreamailTestSupport::assertDeniedByAcl);
    }
}
