package org.streamail.spam.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The packaged bundle in a real OSGi framework (Felix + SCR) with the API bundle and SLF4J: it must resolve
 * (imports, no embedded surprises), its component must activate once a {@code SpamStore} service appears
 * (here an empty one made with the API bundle's own interface), and register the detector, the SMTP guard,
 * the report service and the block list. Catches manifest and DS mistakes that unit tests cannot.
 */
class OsgiSmokeIT {

    @TempDir
    Path tmp;

    private static final List<String> RUNTIME = List.of("org.osgi.util.function-", "org.osgi.util.promise-",
            "org.osgi.service.component-", "org.apache.felix.scr-", "streamail-api-", "slf4j-api-", "slf4j-simple-",
            "failureaccess-", "guava-", "icu4j-");

    @Test
    void bundleShouldActivateWithAStoreAndOfferItsFourServices() throws Exception {
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
            Bundle spam = bc.installBundle(Path.of(System.getProperty("bundle.under.test")).toUri().toString());
            bundles.add(spam);
            for (Bundle b : bundles) {
                if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                    b.start();
                }
            }
            assertThat(spam.getState()).as("detect-spam bundle state").isEqualTo(Bundle.ACTIVE);
            assertThat(spam.getSymbolicName()).isEqualTo("org.streamail.detect-spam");
            assertThat(bc.getAllServiceReferences("org.streamail.api.detect.Detector", null))
                    .as("no detector before a store exists").isNull();

            Bundle api = Arrays.stream(bc.getBundles()).filter(b -> "org.streamail.api".equals(b.getSymbolicName()))
                    .findFirst().orElseThrow();
            bc.registerService(api.loadClass("org.streamail.api.spam.SpamStore").getName(), emptyStore(api), null);

            ServiceTracker<Object, Object> detectors = new ServiceTracker<>(bc,
                    bc.createFilter("(objectClass=org.streamail.api.detect.Detector)"), null);
            detectors.open(true);
            Object detector = detectors.waitForService(10_000);
            assertThat(detector).as("Detector service").isNotNull();
            assertThat(detector.getClass().getMethod("name").invoke(detector)).isEqualTo("spam");
            for (String service : List.of("org.streamail.api.smtp.EnvelopeGuard", "org.streamail.api.spam.ReportService",
                    "org.streamail.api.spam.BlockListService")) {
                assertThat(bc.getAllServiceReferences(service, null)).as(service).hasSize(1);
            }
            Method inspect = detector.getClass().getMethod("inspect", api.loadClass("org.streamail.api.detect.Inspection"));
            List<?> findings = (List<?>) inspect.invoke(detector, inspection(api));
            assertThat(findings).as("untrained, nothing reported: no findings").isEmpty();
            detectors.close();
        } finally {
            fw.stop();
            fw.waitForStop(10_000);
        }
    }

    /** A SpamStore of the API bundle's class loader that holds nothing. */
    private static Object emptyStore(Bundle api) throws Exception {
        Class<?> storeType = api.loadClass("org.streamail.api.spam.SpamStore");
        Class<?> corpus = api.loadClass("org.streamail.api.spam.SpamStore$Corpus");
        Object emptyCorpus = corpus.getConstructors()[0].newInstance(0L, 0L);
        return Proxy.newProxyInstance(storeType.getClassLoader(), new Class<?>[] {storeType}, (proxy, method, args) ->
                switch (method.getName()) {
                    case "rulesGeneration" -> 0L;
                    case "rules", "fingerprintsChangedAfter", "tokensChangedAfter" -> List.of();
                    case "corpus" -> emptyCorpus;
                    case "toString" -> "empty store";
                    case "hashCode" -> 1;
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static List<String> runtimeJars() {
        List<String> out = new ArrayList<>();
        String[] cp = System.getProperty("java.class.path").split(File.pathSeparator);
        for (String prefix : RUNTIME) {
            out.add(Arrays.stream(cp).filter(e -> e.endsWith(".jar"))
                    .filter(e -> Path.of(e).getFileName().toString().startsWith(prefix)).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + prefix + "*.jar on the test class path")));
        }
        return out;
    }

    /** An Inspection built with the API bundle's own classes. */
    private static Object inspection(Bundle api) throws Exception {
        Class<?> parsed = api.loadClass("org.streamail.api.model.ParsedMessage");
        Class<?> envelope = api.loadClass("org.streamail.api.model.Envelope");
        Class<?> content = api.loadClass("org.streamail.api.model.Content");
        Class<?> inspection = api.loadClass("org.streamail.api.detect.Inspection");
        Object m = parsed.getConstructors()[0].newInstance("id", "Hello", List.of(), List.of(), List.of(), List.of(),
                List.of(), "hi", "", List.of(), List.of(), 10L, false, List.of());
        Object env = envelope.getMethod("inbound", String.class, List.class, String.class, String.class)
                .invoke(null, "a@example.net", List.of("b@example.org"), "192.0.2.1", "mx");
        Object raw = content.getMethod("of", byte[].class)
                .invoke(null, (Object) "Subject: Hello\r\n\r\nhi there, see you at lunch\r\n".getBytes(StandardCharsets.US_ASCII));
        return inspection.getConstructors()[0].newInstance("it-1", env, m, raw, Instant.now().plusSeconds(10));
    }
}
