package org.streamail.detect.phishing.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The packaged bundle in a real OSGi framework (Felix + SCR) with its runtime bundles (API, ICU4J, jsoup):
 * it must resolve, its component must register {@code Detector} and {@code PhishingLists}, write the
 * default rule files under {@code ${karaf.etc}/streamail/phishing} and find a homograph link. Catches
 * manifest, DS and class-loading mistakes that plain unit tests cannot.
 */
class OsgiSmokeIT {

    @TempDir
    Path tmp;

    /** Jars of the test class path whose file name starts with one of these. */
    private static final List<String> RUNTIME = List.of("org.osgi.util.function-", "org.osgi.util.promise-",
            "org.osgi.service.component-", "org.apache.felix.scr-", "streamail-api-", "icu4j-", "jsoup-",
            "failureaccess-", "guava-");

    @Test
    void bundleShouldActivateInOsgiAndDetectAHomographWithItsDefaultRules() throws Exception {
        Path etc = tmp.resolve("etc");
        System.setProperty("karaf.etc", etc.toString());
        Map<String, String> cfg = new HashMap<>();
        cfg.put(Constants.FRAMEWORK_STORAGE, tmp.resolve("felix").toString());
        cfg.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        Framework fw = ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(cfg);
        fw.start();
        try {
            BundleContext bc = fw.getBundleContext();
            List<Bundle> bundles = new ArrayList<>();
            for (String jar : runtimeJars()) {
                bundles.add(bc.installBundle(new File(jar).toURI().toString()));
            }
            bundles.add(bc.installBundle(Path.of(System.getProperty("bundle.under.test")).toUri().toString()));
            for (Bundle b : bundles) {
                b.start();
            }
            ServiceTracker<Object, Object> detectors = new ServiceTracker<>(bc,
                    bc.createFilter("(objectClass=org.streamail.api.detect.Detector)"), null);
            detectors.open(true);
            Object detector = detectors.waitForService(10_000);
            assertThat(detector).as("Detector service").isNotNull();
            // getAll...: the test class path has its own copy of the interface, so assignability would hide it
            assertThat(bc.getAllServiceReferences("org.streamail.detect.phishing.PhishingLists", null)).hasSize(1);
            assertThat(detector.getClass().getMethod("name").invoke(detector)).isEqualTo("phishing");

            Bundle api = Arrays.stream(bc.getBundles()).filter(b -> "org.streamail.api".equals(b.getSymbolicName()))
                    .findFirst().orElseThrow();
            Object inspection = homographInspection(api);
            Method inspect = detector.getClass().getMethod("inspect", api.loadClass("org.streamail.api.detect.Inspection"));
            List<?> findings = (List<?>) inspect.invoke(detector, inspection);
            assertThat(findings).anySatisfy(f -> assertThat(f.toString()).contains("rule=link-homograph"));
            try (Stream<Path> files = Files.list(etc.resolve("streamail/phishing"))) {
                assertThat(files.map(p -> p.getFileName().toString())).contains("intents.rules", "brands.rules");
            }
            detectors.close();
        } finally {
            fw.stop();
            fw.waitForStop(10_000);
            System.clearProperty("karaf.etc");
        }
    }

    private static List<String> runtimeJars() {
        List<String> out = new ArrayList<>();
        String[] cp = System.getProperty("java.class.path").split(File.pathSeparator);
        for (String prefix : RUNTIME) {
            String jar = Arrays.stream(cp).filter(e -> e.endsWith(".jar"))
                    .filter(e -> Path.of(e).getFileName().toString().startsWith(prefix)).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + prefix + "*.jar on the test class path"));
            out.add(jar);
        }
        return out;
    }

    /** An Inspection built with the API bundle's own classes (not the test class path's). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object homographInspection(Bundle api) throws Exception {
        Class<?> link = api.loadClass("org.streamail.api.model.Link");
        Class<? extends Enum> source = (Class<? extends Enum>) api.loadClass("org.streamail.api.model.Link$Source");
        Class<?> parsed = api.loadClass("org.streamail.api.model.ParsedMessage");
        Class<?> envelope = api.loadClass("org.streamail.api.model.Envelope");
        Class<?> content = api.loadClass("org.streamail.api.model.Content");
        Class<?> inspection = api.loadClass("org.streamail.api.detect.Inspection");
        Object l = link.getConstructors()[0].newInstance("https://xn--pypal-4ve.com/", "Open",
                Enum.valueOf(source, "HTML_ANCHOR"), "1");
        Object m = parsed.getConstructors()[0].newInstance("id", "Receipt", List.of(), List.of(), List.of(),
                List.of(), List.of(), "", "", List.of(l), List.of(), 10L, false, List.of());
        Object env = envelope.getMethod("inbound", String.class, List.class, String.class, String.class)
                .invoke(null, "a@example.org", List.of("b@example.com"), "192.0.2.1", "mx");
        return inspection.getConstructors()[0].newInstance("it", env, m, content.getMethod("empty").invoke(null),
                Instant.now().plusSeconds(10));
    }
}
