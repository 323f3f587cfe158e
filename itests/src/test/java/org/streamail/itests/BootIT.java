package org.streamail.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
