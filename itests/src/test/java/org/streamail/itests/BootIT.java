package org.streamail.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import javax.inject.Inject;
import org.apache.karaf.features.FeaturesService;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.streamail.api.service.GatewayStatus;

/** The built distribution boots with everything installed, active and satisfied, and with its security defaults. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class BootIT extends StreamailTestSupport {

    @Inject
    ServiceComponentRuntime scr;

    @Inject
    FeaturesService features;

    @Configuration
    public Option[] config() {
        return baseConfig();
    }

    @Test
    public void streamailFeatureIsInstalled() throws Exception {
        assertThat(features.isInstalled(features.getFeature("streamail"))).isTrue();
    }

    @Test
    public void everyBundleIsActiveOrAResolvedFragment() {
        waitFor("every bundle active", Duration.ofSeconds(30), () -> notActive().isEmpty());
        assertThat(notActive()).isEmpty();
    }

    private List<String> notActive() {
        List<String> bad = new ArrayList<>();
        for (Bundle b : bundleContext.getBundles()) {
            boolean fragment = b.getHeaders().get(Constants.FRAGMENT_HOST) != null;
            boolean ok = fragment ? b.getState() == Bundle.RESOLVED : b.getState() == Bundle.ACTIVE;
            if (!ok) {
                bad.add(b.getSymbolicName() + "/" + b.getVersion() + " state=" + b.getState());
            }
        }
        return bad;
    }

    @Test
    public void everyDeclarativeServicesComponentIsSatisfied() {
        waitFor("every component satisfied", Duration.ofSeconds(60), () -> unsatisfied().isEmpty());
        assertThat(unsatisfied()).isEmpty();
    }

    private List<String> unsatisfied() {
        List<String> bad = new ArrayList<>();
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            if (!scr.isComponentEnabled(d)) {
                continue;
            }
            for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                if (c.state == ComponentConfigurationDTO.UNSATISFIED_REFERENCE
                        || c.state == ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION
                        || c.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
                    StringBuilder why = new StringBuilder(d.name + " state=" + c.state);
                    if (c.unsatisfiedReferences != null) {
                        for (var u : c.unsatisfiedReferences) {
                            why.append(" missing ").append(u.name).append(u.target == null ? "" : " " + u.target);
                        }
                    }
                    if (c.failure != null) {
                        why.append(" failure: ").append(c.failure.lines().findFirst().orElse(""));
                    }
                    bad.add(why.toString());
                }
            }
        }
        return bad;
    }

    /**
     * A component outside the core that refuses a configuration value (SCR: FAILED_ACTIVATION) is named with
     * the reason in GatewayStatus.problems and streamail:status, without making the gateway unready, and the
     * problem goes away when the value is restored.
     */
    @Test
    public void aDetectorThatRefusesItsConfigurationIsListedAsAProblemUntilTheValueIsRestored() throws Exception {
        GatewayStatus status = service(GatewayStatus.class, Duration.ofSeconds(60));
        waitFor("detector spam bound", Duration.ofSeconds(60), () -> status.status().detectors().contains("spam"));
        assertThat(status.status().problems()).noneMatch(p -> p.contains("bayes.spam.probability"));

        org.osgi.service.cm.Configuration config = configurationAdmin.getConfiguration("org.streamail.spam", "?");
        Dictionary<String, Object> before = config.getProperties();
        try {
            updateConfig("org.streamail.spam", Map.of("bayes.spam.probability", "3"));
            waitFor("the refused value listed in the status problems", Duration.ofSeconds(10),
                    () -> status.status().problems().stream().anyMatch(this::isSpamProblem));
            assertThat(status.status().problems()).filteredOn(this::isSpamProblem).singleElement().asString()
                    .contains("bayes.spam.probability must be in (0.5, 1], got 3")
                    .doesNotContain("\n", "IllegalArgumentException", "\tat ");
            assertThat(status.status().detectors()).doesNotContain("spam");
            assertThat(status.status().ready()).as("problems alone do not stop mail").isTrue();
            assertThat(executeCommand("streamail:status")).contains("Problems:",
                    "org.streamail.spam (org.streamail.detect-spam): bayes.spam.probability");
        } finally {
            if (before == null) {
                config.delete();
            } else {
                Dictionary<String, Object> restored = new Hashtable<>();
                for (var keys = before.keys(); keys.hasMoreElements();) {
                    String k = keys.nextElement();
                    restored.put(k, before.get(k));
                }
                config.update(restored);
            }
        }
        waitFor("the problem gone once the value is restored", Duration.ofSeconds(30),
                () -> status.status().problems().stream().noneMatch(this::isSpamProblem)
                        && status.status().detectors().contains("spam"));
    }

    /**
     * Ready means mail can be handed over: with the inbound listener moved to a port that something else holds,
     * the gateway says it is not ready and why (the listener's port cannot be bound), and it is ready again, with
     * the port listening, once the port is put back.
     */
    @Test
    public void theGatewayIsNotReadyWhileItsInboundListenerCannotListen() throws Exception {
        GatewayStatus status = service(GatewayStatus.class, Duration.ofSeconds(60));
        waitFor("the gateway ready", Duration.ofSeconds(60), () -> status.status().ready());
        assertThat(listening(smtpPort())).isTrue();
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try {
                updateConfig("org.streamail.smtp", Map.of("port", String.valueOf(taken.getLocalPort())));
                waitFor("the gateway not ready", Duration.ofSeconds(30), () -> !status.status().ready());
                assertThat(status.status().unavailableReason())
                        .startsWith("inbound SMTP listener not listening: its port could not be opened: ")
                        .contains("127.0.0.1:" + taken.getLocalPort()).endsWith(", inbound mail is not accepted");
                assertThat(listening(smtpPort())).as("the old port closed").isFalse();
            } finally {
                updateConfig("org.streamail.smtp", Map.of("port", String.valueOf(smtpPort())));
            }
        }
        waitFor("the gateway ready again", Duration.ofSeconds(30), () -> status.status().ready());
        assertThat(listening(smtpPort())).as("ready means listening").isTrue();
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private boolean isSpamProblem(String problem) {
        return problem.startsWith("org.streamail.spam (org.streamail.detect-spam): ")
                && problem.contains("bayes.spam.probability");
    }

    @Test
    public void securityDefaultsAreInPlace() throws Exception {
        assertThat(configValue("org.apache.karaf.shell", "sshHost")).isEqualTo("127.0.0.1");
        assertThat(configValue("org.apache.karaf.management", "rmiRegistryHost")).isEqualTo("127.0.0.1");
        assertThat(configValue("org.apache.karaf.management", "rmiServerHost")).isEqualTo("127.0.0.1");
        assertThat(configValue("org.ops4j.pax.web", "org.ops4j.pax.web.listening.addresses")).isEqualTo("127.0.0.1");
        assertThat(configValue("org.apache.karaf.jaas", "encryption.enabled")).isEqualTo("true");
        assertThat(configValue("org.apache.karaf.jaas", "encryption.name")).isEqualTo("spring-security-crypto");
        assertThat(configValue("org.apache.karaf.jaas", "encryption.algorithm")).isEqualTo("bcrypt");
        assertThat(System.getProperty("karaf.secured.command.compulsory.roles")).isEqualTo("admin");
        String users = java.nio.file.Files.readString(java.nio.file.Path.of(System.getProperty("karaf.etc"), "users.properties"));
        assertThat(users).doesNotContainPattern("(?m)^karaf\\s*=").doesNotContain(ADMIN_PASSWORD);
    }

    @Test
    public void viewersAreDeniedDangerousCommandsThatAdminsMayRun() {
        String[] denied = {
            "jdbc:ds-list", "instance:list", "config:install file:/tmp/none.cfg x.cfg", "shell:exec true",
            "bundle:install file:/tmp/none.jar", "feature:requirement-add feature:none"
        };
        for (String command : denied) {
            assertThatThrownBy(() -> executeCommand(command, "viewer", VIEWER_ROLES))
                    .as(command).isInstanceOf(CommandFailedException.class).satisfies(StreamailTestSupport::assertDeniedByAcl);
        }
        assertThat(executeCommand("jdbc:ds-list")).contains("streamail");
        assertThat(executeCommand("instance:list")).contains("root");
    }
}
