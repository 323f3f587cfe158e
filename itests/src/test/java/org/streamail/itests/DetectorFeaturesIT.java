package org.streamail.itests;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
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
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * The detector features are shipped in system/ but not installed by default: installing them at runtime
 * (offline) resolves, activates their components, and the pipeline picks the detectors up.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DetectorFeaturesIT extends StreamailTestSupport {

    @Inject
    FeaturesService features;

    @Inject
    ServiceComponentRuntime scr;

    @Configuration
    public Option[] config() {
        return baseConfig();
    }

    @Test
    public void detectorFeaturesInstallAtRuntimeAndTheirDetectorsJoinThePipeline() throws Exception {
        features.installFeatures(Set.of("streamail-detect-phishing", "streamail-detect-clamav"),
                EnumSet.of(FeaturesService.Option.NoAutoRefreshBundles));
        waitFor("detectors phishing and clamav in streamail:status", Duration.ofSeconds(60), () -> {
            String status = executeCommand("streamail:status");
            return status.contains("phishing") && status.contains("clamav");
        });
        for (Bundle b : bundleContext.getBundles()) {
            if (b.getSymbolicName() != null && b.getSymbolicName().startsWith("org.streamail.detect")) {
                assertThat(b.getState()).as(b.getSymbolicName()).isEqualTo(Bundle.ACTIVE);
            }
        }
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            if (d.bundle.symbolicName.startsWith("org.streamail.detect")) {
                for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                    assertThat(c.state).as(d.name).isIn(ComponentConfigurationDTO.ACTIVE, ComponentConfigurationDTO.SATISFIED);
                }
            }
        }
    }
}
