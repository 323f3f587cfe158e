package org.streamail.core.internal.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.dto.BundleDTO;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;
import org.streamail.api.model.Direction;
import org.streamail.api.service.StatusReport;
import org.streamail.api.smtp.ListenerState;
import org.streamail.api.store.Directory;
import org.streamail.core.internal.delivery.Delivery;
import org.streamail.core.internal.delivery.DeliverySettings;
import org.streamail.core.internal.intake.Intake;
import org.streamail.core.internal.pipeline.Pipeline;
import org.streamail.core.internal.pipeline.PipelineSettings;
import org.streamail.core.internal.policy.Policy;
import org.streamail.core.internal.policy.PolicyRules;
import org.streamail.core.internal.spool.Spool;
import org.streamail.core.internal.support.Mail;
import org.streamail.core.internal.support.MemoryMessageLog;
import org.streamail.testsupport.InMemoryQuarantineStore;
import org.streamail.core.internal.support.TestDetector;
import org.streamail.core.internal.support.Wait;

class GatewayStatusImplTest {

    @TempDir
    Path dir;

    @Test
    void statusReportsReadinessDetectorsSpoolDeferredAndCounters() throws Exception {
        MemoryMessageLog log = new MemoryMessageLog();
        Pipeline pipeline = new Pipeline(Policy.fixed(PolicyRules.parse(5, 8, 15, "spam, content", "", "", "QUARANTINE")),
                PipelineSettings.defaults(), List.of(new TestDetector("spam")));
        Spool spool = new Spool(dir.resolve("spool"));
        int deadPort = Wait.freePort();
        Delivery delivery = new Delivery(spool, log, DeliverySettings.relay("127.0.0.1", deadPort, Duration.ofHours(1)),
                Clock.systemUTC());
        Intake intake = Intake.withoutTransformers(pipeline, spool, delivery, new InMemoryQuarantineStore(), log, true);
        try {
            GatewayStatusImpl status = new GatewayStatusImpl(pipeline, spool, delivery, intake);
            status.directory = directory(() -> Optional.empty());
            StatusReport r = status.status();
            assertThat(r.ready()).isFalse();
            assertThat(r.unavailableReason()).isEqualTo("mandatory detector 'content' is not available");
            assertThat(r.detectors()).containsExactly("spam");
            assertThat(r.mandatory()).containsExactly("spam", "content");

            pipeline.setDetectors(List.of(new TestDetector("spam"), new TestDetector("content")));
            intake.receive(Mail.envelope(), new ByteArrayInputStream(Mail.message("hello")));
            Wait.until("deferred", Duration.ofSeconds(5), () -> delivery.deferredCount() == 1);
            r = status.status();
            assertThat(r.ready()).isTrue();
            assertThat(r.spooled()).isEqualTo(1);
            assertThat(r.deferred()).isEqualTo(1);
            assertThat(r.counters()).containsEntry("received", 1L).containsEntry("DELIVER", 1L)
                    .containsEntry("deferred", 1L);
            assertThat(r.startedAt()).isEqualTo(spool.openedAt());
        } finally {
            intake.close();
            delivery.close();
            pipeline.close();
        }
    }

    @Test
    void failedComponentsAreListedAsProblemsWithoutChangingReadiness() throws Exception {
        try (Core core = Core.start(dir)) {
            GatewayStatusImpl status = core.status();
            status.directory = directory(() -> Optional.empty());
            assertThat(status.status().problems()).isEmpty();

            ComponentDescriptionDTO spam = new ComponentDescriptionDTO();
            spam.name = "org.streamail.spam";
            spam.bundle = new BundleDTO();
            spam.bundle.symbolicName = "org.streamail.detect-spam";
            ComponentConfigurationDTO failed = new ComponentConfigurationDTO();
            failed.state = ComponentConfigurationDTO.FAILED_ACTIVATION;
            failed.failure = ComponentProblemsTest.SPAM_FAILURE;
            ComponentDescriptionDTO smtp = description(InboundListenerState.COMPONENT, InboundListenerState.BUNDLE);
            status.runtime = runtime(List.of(spam, smtp),
                    d -> List.of(d == spam ? failed : configuration(ComponentConfigurationDTO.ACTIVE)));
            status.listeners = List.of(listener(Direction.INBOUND, Optional::empty));
            StatusReport r = status.status();
            assertThat(r.problems()).containsExactly("org.streamail.spam (org.streamail.detect-spam): "
                    + "bayes.spam.probability must be in (0.5, 1], got 3.0");
            assertThat(r.ready()).isTrue();
            assertThat(r.unavailableReason()).isEmpty();

            status.runtime = (ServiceComponentRuntime) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {ServiceComponentRuntime.class}, (proxy, method, args) -> {
                        throw new IllegalStateException("SCR is stopping");
                    });
            StatusReport unreadable = status.status();
            assertThat(unreadable.problems()).singleElement().asString()
                    .startsWith("component states unavailable: ").contains("SCR is stopping");
            assertThat(unreadable.ready()).as("the registered listener's own word is enough").isTrue();
            status.listeners = List.of();
            unreadable = status.status();
            assertThat(unreadable.ready()).as("a listener that cannot be seen is not counted on").isFalse();
            assertThat(unreadable.unavailableReason()).startsWith("inbound SMTP listener state unavailable: ")
                    .contains("SCR is stopping");
        }
    }

    /**
     * Ready means mail can be handed over: the inbound listener component must be ACTIVE (it opens its port in
     * its activation), whatever else holds. Each other state says why not; the directory's reason comes first,
     * since a missing directory is what keeps the listener down.
     */
    @Test
    void theGatewayIsReadyOnlyWhileTheInboundListenerRuns() throws Exception {
        try (Core core = Core.start(dir)) {
            GatewayStatusImpl status = core.status();
            status.directory = directory(() -> Optional.empty());
            ComponentDescriptionDTO smtp = description(InboundListenerState.COMPONENT, InboundListenerState.BUNDLE);
            ComponentDescriptionDTO other = description("org.streamail.spam", "org.streamail.detect-spam");
            AtomicReference<List<ComponentConfigurationDTO>> listener = new AtomicReference<>(
                    List.of(configuration(ComponentConfigurationDTO.ACTIVE)));
            status.runtime = runtime(List.of(other, smtp),
                    d -> d == smtp ? listener.get() : List.of(configuration(ComponentConfigurationDTO.ACTIVE)));
            // active to the runtime, but its ListenerState not bound yet
            assertThat(status.status().ready()).isFalse();
            assertThat(status.status().unavailableReason())
                    .isEqualTo("inbound SMTP listener starting, inbound mail is not accepted yet");

            // registered, the listener's own word decides (Felix keeps it ACTIVE after a failed port change)
            AtomicReference<Optional<String>> own = new AtomicReference<>(Optional.empty());
            status.listeners = List.of(listener(Direction.INBOUND, own::get));
            assertThat(status.status().ready()).isTrue();
            own.set(Optional.of("its port could not be opened: cannot listen on 127.0.0.1:25: Address already in use"));
            assertThat(status.status().ready()).isFalse();
            assertThat(status.status().unavailableReason()).isEqualTo("inbound SMTP listener not listening: its port"
                    + " could not be opened: cannot listen on 127.0.0.1:25: Address already in use, inbound mail is"
                    + " not accepted");
            status.listeners = List.of(listener(Direction.INBOUND, () -> {
                throw new IllegalStateException("bundle stopping");
            }));
            assertThat(status.status().unavailableReason()).startsWith("inbound SMTP listener not listening: its "
                    + "state is unavailable: ").contains("bundle stopping");

            // an outbound listener that cannot listen is a problem, not a reason to refuse inbound mail
            own.set(Optional.empty());
            status.listeners = List.of(listener(Direction.OUTBOUND, () -> Optional.of("its port could not be opened")),
                    listener(Direction.INBOUND, own::get));
            StatusReport withOutboundDown = status.status();
            assertThat(withOutboundDown.ready()).isTrue();
            assertThat(withOutboundDown.problems())
                    .containsExactly("outbound SMTP listener not listening: its port could not be opened");

            // without a registered listener, the runtime's state of its component says why
            status.listeners = List.of();

            listener.set(List.of(configuration(ComponentConfigurationDTO.SATISFIED)));
            assertThat(status.status().ready()).isFalse();
            assertThat(status.status().unavailableReason())
                    .isEqualTo("inbound SMTP listener starting, inbound mail is not accepted yet");

            ComponentConfigurationDTO waiting = configuration(ComponentConfigurationDTO.UNSATISFIED_REFERENCE);
            UnsatisfiedReferenceDTO directoryRef = new UnsatisfiedReferenceDTO();
            directoryRef.name = "directory";
            waiting.unsatisfiedReferences = new UnsatisfiedReferenceDTO[] {directoryRef};
            listener.set(List.of(waiting));
            assertThat(status.status().unavailableReason()).isEqualTo(
                    "inbound SMTP listener waiting for its directory service, inbound mail is not accepted");

            ComponentConfigurationDTO failed = configuration(ComponentConfigurationDTO.FAILED_ACTIVATION);
            failed.failure = "java.lang.reflect.InvocationTargetException\n\tat x.y(Z.java:1)\n"
                    + "Caused by: java.net.BindException: Address already in use\n\tat a.b(C.java:2)\n";
            listener.set(List.of(failed));
            assertThat(status.status().unavailableReason()).isEqualTo("inbound SMTP listener failed to start: "
                    + "java.net.BindException: Address already in use, inbound mail is not accepted");

            listener.set(List.of());
            assertThat(status.status().unavailableReason()).isEqualTo("inbound SMTP listener not running "
                    + "(component org.streamail.smtp is disabled), inbound mail is not accepted");

            status.runtime = runtime(List.of(other), d -> List.of(configuration(ComponentConfigurationDTO.ACTIVE)));
            assertThat(status.status().ready()).isFalse();
            assertThat(status.status().unavailableReason()).isEqualTo(
                    "no inbound SMTP listener (bundle org.streamail.smtp is not active), inbound mail is not accepted");

            // a same-named component of a bundle that is not the listener's does not count
            status.runtime = runtime(List.of(description(InboundListenerState.COMPONENT, "org.example.smtp")),
                    d -> List.of(configuration(ComponentConfigurationDTO.ACTIVE)));
            assertThat(status.status().ready()).isFalse();

            status.directory = null;
            assertThat(status.status().unavailableReason())
                    .isEqualTo("no recipient directory (the store is not active), inbound mail is not accepted");
        }
    }

    private static ListenerState listener(Direction direction, Supplier<Optional<String>> reason) {
        return new ListenerState() {
            @Override
            public Direction direction() {
                return direction;
            }

            @Override
            public Optional<String> unavailableReason() {
                return reason.get();
            }
        };
    }

    private static ComponentDescriptionDTO description(String name, String bundle) {
        ComponentDescriptionDTO d = new ComponentDescriptionDTO();
        d.name = name;
        d.bundle = new BundleDTO();
        d.bundle.symbolicName = bundle;
        return d;
    }

    private static ComponentConfigurationDTO configuration(int state) {
        ComponentConfigurationDTO c = new ComponentConfigurationDTO();
        c.state = state;
        return c;
    }

    private static ServiceComponentRuntime runtime(List<ComponentDescriptionDTO> descriptions,
            Function<ComponentDescriptionDTO, List<ComponentConfigurationDTO>> configurations) {
        return (ServiceComponentRuntime) Proxy.newProxyInstance(GatewayStatusImplTest.class.getClassLoader(),
                new Class<?>[] {ServiceComponentRuntime.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getComponentDescriptionDTOs" -> descriptions;
                    case "getComponentConfigurationDTOs" -> configurations.apply((ComponentDescriptionDTO) args[0]);
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void theGatewayIsNotReadyWithoutADirectoryThatCanCheckRecipients() throws Exception {
        try (Core core = Core.start(dir)) {
            GatewayStatusImpl status = core.status();
            StatusReport r = status.status();
            assertThat(r.ready()).isFalse();
            assertThat(r.unavailableReason()).isEqualTo(
                    "no recipient directory (the store is not active), inbound mail is not accepted");

            AtomicReference<Optional<String>> reason = new AtomicReference<>(Optional.of(
                    "recipient directory not read yet, recipients cannot be checked (Connection refused)"));
            status.directory = directory(reason::get);
            r = status.status();
            assertThat(r.ready()).isFalse();
            assertThat(r.unavailableReason()).isEqualTo(
                    "recipient directory not read yet, recipients cannot be checked (Connection refused)");

            reason.set(Optional.empty());
            r = status.status();
            assertThat(r.ready()).isTrue();
            assertThat(r.unavailableReason()).isEmpty();

            status.directory = directory(() -> {
                throw new IllegalStateException("bundle stopping");
            });
            assertThat(status.status().unavailableReason()).startsWith("recipient directory unavailable: ")
                    .contains("bundle stopping");

            // the pipeline's reason comes first: the one that says why mail is not judged
            Pipeline strict = new Pipeline(Policy.fixed(PolicyRules.parse(5, 8, 15, "spam", "", "", "QUARANTINE")),
                    PipelineSettings.defaults(), List.of());
            try {
                GatewayStatusImpl both = new GatewayStatusImpl(strict, core.spool(), core.delivery(), core.intake());
                assertThat(both.status().unavailableReason()).isEqualTo("mandatory detector 'spam' is not available");
            } finally {
                strict.close();
            }
        }
    }

    /** A directory whose only answer is {@code unavailableReason} (the status asks nothing else). */
    private static Directory directory(Supplier<Optional<String>> unavailableReason) {
        return (Directory) Proxy.newProxyInstance(GatewayStatusImplTest.class.getClassLoader(),
                new Class<?>[] {Directory.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "unavailableReason" -> unavailableReason.get();
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    /** A core without detectors or mandatory ones (so only the directory decides readiness), its next hop dead. */
    private record Core(Pipeline pipeline, Spool spool, Delivery delivery, Intake intake) implements AutoCloseable {
        static Core start(Path dir) throws Exception {
            MemoryMessageLog log = new MemoryMessageLog();
            Pipeline pipeline = new Pipeline(Policy.fixed(PolicyRules.parse(5, 8, 15, "", "", "", "QUARANTINE")),
                    PipelineSettings.defaults(), List.of());
            Spool spool = new Spool(dir.resolve("spool"));
            Delivery delivery = new Delivery(spool, log, DeliverySettings.relay("127.0.0.1", Wait.freePort(),
                    Duration.ofHours(1)), Clock.systemUTC());
            return new Core(pipeline, spool, delivery,
                    Intake.withoutTransformers(pipeline, spool, delivery, new InMemoryQuarantineStore(), log, true));
        }

        GatewayStatusImpl status() {
            return new GatewayStatusImpl(pipeline, spool, delivery, intake);
        }

        @Override
        public void close() {
            intake.close();
            delivery.close();
            pipeline.close();
        }
    }
}
