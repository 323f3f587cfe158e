package org.streamail.core.internal.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.osgi.framework.dto.BundleDTO;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

class ComponentProblemsTest {

    /** What Felix SCR 2.2 stores for an activate method that threw: the exception's printStackTrace. */
    static final String SPAM_FAILURE = """
            java.lang.IllegalArgumentException: org.streamail.spam: bayes.spam.probability must be in (0.5, 1], got 3.0
            \tat org.streamail.spam.internal.SpamComponent.activate(SpamComponent.java:175)
            \tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)
            \tat org.apache.felix.scr.impl.inject.methods.BaseMethod.invokeMethod(BaseMethod.java:245)
            """;

    /** What it stores for an {@code @Activate} constructor that threw: the reflection wrapper first. */
    static final String CONSTRUCTOR_FAILURE = """
            java.lang.reflect.InvocationTargetException
            \tat java.base/jdk.internal.reflect.NativeConstructorAccessorImpl.newInstance0(Native Method)
            \tat org.apache.felix.scr.impl.inject.internal.ComponentConstructorImpl.newInstance(ComponentConstructorImpl.java:326)
            Caused by: java.lang.IllegalArgumentException: retention.days must be a whole number in 1..36500, got -1
            \tat org.streamail.retention.internal.RetentionComponent.<init>(RetentionComponent.java:61)
            \t... 25 more
            """;

    private final Map<ComponentDescriptionDTO, List<ComponentConfigurationDTO>> configs = new HashMap<>();

    private ComponentDescriptionDTO component(String bundle, String name, ComponentConfigurationDTO... cs) {
        ComponentDescriptionDTO d = new ComponentDescriptionDTO();
        d.name = name;
        d.bundle = new BundleDTO();
        d.bundle.symbolicName = bundle;
        configs.put(d, List.of(cs));
        return d;
    }

    private static ComponentConfigurationDTO config(int state, String failure) {
        ComponentConfigurationDTO c = new ComponentConfigurationDTO();
        c.state = state;
        c.failure = failure;
        c.properties = Map.of();
        return c;
    }

    private List<String> problems(ComponentDescriptionDTO... ds) {
        return ComponentProblems.of(List.of(ds), configs::get);
    }

    @Test
    void listsFailedStreamailComponentsWithTheFirstLineOfTheirFailureOnly() {
        List<String> p = problems(
                component("org.streamail.detect-spam", "org.streamail.spam",
                        config(ComponentConfigurationDTO.FAILED_ACTIVATION, SPAM_FAILURE)),
                component("org.streamail.retention", "org.streamail.retention.internal.RetentionComponent",
                        config(ComponentConfigurationDTO.FAILED_ACTIVATION, CONSTRUCTOR_FAILURE)));
        assertThat(p).containsExactly(
                "org.streamail.spam (org.streamail.detect-spam): bayes.spam.probability must be in (0.5, 1], got 3.0",
                "org.streamail.retention.internal.RetentionComponent (org.streamail.retention): "
                        + "retention.days must be a whole number in 1..36500, got -1");
        assertThat(p).noneMatch(l -> l.contains("\n") || l.contains("\tat") || l.contains("Caused by"));
    }

    @Test
    void ignoresOtherBundlesAndOtherStates() {
        List<String> p = problems(
                component("org.apache.karaf.shell.core", "org.apache.karaf.shell.Broken",
                        config(ComponentConfigurationDTO.FAILED_ACTIVATION, "java.lang.IllegalStateException: not ours")),
                component("org.streamailx", "org.streamailx.Lookalike",
                        config(ComponentConfigurationDTO.FAILED_ACTIVATION, "java.lang.IllegalArgumentException: no")),
                component("org.streamail.detect-phishing", "org.streamail.phishing",
                        config(ComponentConfigurationDTO.ACTIVE, null),
                        config(ComponentConfigurationDTO.UNSATISFIED_REFERENCE, null)),
                component("org.streamail.reporting", "org.streamail.reporting",
                        config(ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION, null),
                        config(ComponentConfigurationDTO.SATISFIED, null)));
        assertThat(p).isEmpty();
    }

    @Test
    void keepsTheClassNameOfOtherExceptionsAndSaysWhenThereIsNoReason() {
        List<String> p = problems(
                component("org.streamail.linkguard", "org.streamail.linkguard",
                        config(ComponentConfigurationDTO.FAILED_ACTIVATION,
                                "java.lang.IllegalStateException: key file missing\n\tat x.Y.z(Y.java:1)\n")),
                component("org.streamail.isolation", "org.streamail.isolation",
                        config(ComponentConfigurationDTO.FAILED_ACTIVATION, null)));
        assertThat(p).containsExactly(
                "org.streamail.isolation (org.streamail.isolation): activation failed (no reason recorded)",
                "org.streamail.linkguard (org.streamail.linkguard): java.lang.IllegalStateException: key file missing");
    }

    @Test
    void multiLineMessageKeepsItsFirstLineAndControlCharactersAreMadeVisible() {
        String failure = "java.lang.IllegalArgumentException: clamd.host is not a host name: \"a\u0007b\"\n"
                + "second line of the message\n\tat x.Y.z(Y.java:1)\n";
        List<String> p = problems(component("org.streamail.detect-clamav", "org.streamail.clamav",
                config(ComponentConfigurationDTO.FAILED_ACTIVATION, failure)));
        assertThat(p).containsExactly(
                "org.streamail.clamav (org.streamail.detect-clamav): clamd.host is not a host name: \"a?b\"");
    }

    @Test
    void veryLongMessageIsTruncated() {
        String failure = "java.lang.IllegalArgumentException: content.blocked.extensions: " + "x".repeat(5000)
                + "\n\tat x.Y.z(Y.java:1)\n";
        List<String> p = problems(component("org.streamail.detect-content", "org.streamail.content",
                config(ComponentConfigurationDTO.FAILED_ACTIVATION, failure)));
        assertThat(p).hasSize(1);
        assertThat(p.get(0)).hasSize(ComponentProblems.MAX_LINE)
                .startsWith("org.streamail.content (org.streamail.detect-content): content.blocked.extensions: xxx")
                .endsWith("x...");
    }

    @Test
    void factoryConfigurationsNameTheirPid() {
        ComponentConfigurationDTO c = config(ComponentConfigurationDTO.FAILED_ACTIVATION,
                "java.lang.IllegalArgumentException: url must be https, got http://x");
        c.properties = Map.of("service.factoryPid", "org.streamail.webhook", "service.pid", "org.streamail.webhook~soc");
        List<String> p = problems(component("org.streamail.isolation", "org.streamail.webhook", c));
        assertThat(p).containsExactly(
                "org.streamail.webhook [org.streamail.webhook~soc] (org.streamail.isolation): url must be https, got http://x");
    }

    @Test
    void atMostFiftyLinesPlusASummary() {
        List<ComponentDescriptionDTO> ds = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            ds.add(component("org.streamail.b" + (100 + i), "c" + i,
                    config(ComponentConfigurationDTO.FAILED_ACTIVATION, "java.lang.IllegalArgumentException: bad " + i)));
        }
        Collection<ComponentDescriptionDTO> all = ds;
        List<String> p = ComponentProblems.of(all, configs::get);
        assertThat(p).hasSize(ComponentProblems.MAX_ENTRIES + 1);
        assertThat(p.get(0)).isEqualTo("c0 (org.streamail.b100): bad 0");
        assertThat(p.get(ComponentProblems.MAX_ENTRIES)).isEqualTo("(10 more components failed to activate)");
    }
}
