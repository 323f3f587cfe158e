package org.streamail.workbench.internal.views;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.streamail.workbench.api.ViewContext;
import org.streamail.workbench.client.GatewayClient;
import org.streamail.workbench.client.GatewayException;
import org.streamail.workbench.testing.FakeGateway;

/**
 * The load lifecycle every built-in view gets from {@link GatewayView}, without a display: a real
 * {@link GatewayClient} connected to (and disconnected from) {@link FakeGateway} decides "connected", and a
 * {@link ViewContext} that runs background work at once records the status line. The widgets of the real views
 * are driven by {@code WorkbenchUiTest}.
 */
class GatewayViewTest {

    private FakeGateway gateway;
    private GatewayClient client;
    private final List<String> status = new ArrayList<>();
    private RecordingView view;

    @BeforeEach
    void start() throws Exception {
        gateway = new FakeGateway();
        client = new GatewayClient(Duration.ofSeconds(2), Duration.ofSeconds(5), null);
        view = new RecordingView();
        view.context = new ImmediateContext();
    }

    @AfterEach
    void stop() {
        client.close();
        gateway.close();
    }

    private void connect() throws GatewayException {
        client.connect(gateway.url(), FakeGateway.ADMIN, FakeGateway.ADMIN_PASSWORD.toCharArray());
    }

    @Test
    void idTitleAndOrderAreTheOnesGivenToTheConstructor() {
        assertThat(view.id()).isEqualTo("recording");
        assertThat(view.title()).isEqualTo("Recording");
        assertThat(view.order()).isEqualTo(77);
    }

    @Test
    void nothingIsLoadedWhileDisconnectedAndRefreshSaysSoInstead() {
        view.activated();
        view.refresh();
        assertThat(view.events).containsExactly("refresh while disconnected");
    }

    @Test
    void aViewLoadsOnConnectAndWhenFirstShownButNotAgainUntilTheNextConnection() throws Exception {
        connect();
        view.activated();
        view.activated();
        assertThat(view.events).containsExactly("load");

        client.disconnect();
        view.connectionChanged(false);
        view.activated();
        assertThat(view.events).containsExactly("load", "disconnected");

        connect();
        view.connectionChanged(true);
        view.activated();
        assertThat(view.events).containsExactly("load", "disconnected", "load");

        client.disconnect();
        view.connectionChanged(false);
        connect(); // connected again, but the view was not told: it is stale, so showing it loads
        view.activated();
        assertThat(view.events).containsExactly("load", "disconnected", "load", "disconnected", "load");
    }

    @Test
    void aViewThatSaysItIsStaleLoadsEveryTimeItIsShown() throws Exception {
        connect();
        view.alwaysStale = true;
        view.activated();
        view.activated();
        assertThat(view.events).containsExactly("load", "load");
    }

    @Test
    void aChangeShowsWhatItDidAndReloadsTheView() throws Exception {
        connect();
        view.change("Removing x@acme.example", null, () -> "x@acme.example", removed -> "Removed " + removed);
        assertThat(status).containsExactly("Removed x@acme.example");
        assertThat(view.events).containsExactly("load");
    }

    @Test
    void aFailedChangeSaysWhatFailedAndWhyAndDoesNotReload() throws Exception {
        connect();
        view.change("Removing x@acme.example", null, () -> {
            throw new GatewayException(GatewayException.Kind.NOT_FOUND, 404, "No such address");
        }, removed -> "Removed " + removed);
        assertThat(status).containsExactly("ERROR Removing x@acme.example failed: No such address");
        assertThat(view.events).isEmpty();
    }

    /** Records which hooks the lifecycle calls, in order. */
    private static final class RecordingView extends GatewayView {
        final List<String> events = new ArrayList<>();
        boolean alwaysStale;

        RecordingView() {
            super("recording", "Recording", 77);
        }

        @Override
        protected void createContents() {
            throw new AssertionError("no widgets in this test");
        }

        @Override
        protected void load(GatewayClient gw) {
            events.add("load");
        }

        @Override
        protected void showDisconnected() {
            events.add("disconnected");
        }

        @Override
        protected void refreshWhileDisconnected() {
            events.add("refresh while disconnected");
        }

        @Override
        protected boolean stale() {
            return alwaysStale || super.stale();
        }
    }

    /** Runs the work at once on the calling thread and records the status line ("ERROR " before errors). */
    private final class ImmediateContext implements ViewContext {
        @Override
        public GatewayClient gateway() {
            return client;
        }

        @Override
        public Display display() {
            throw new UnsupportedOperationException("no display in this test");
        }

        @Override
        public <T> void run(Control owner, String label, Callable<T> work, Consumer<? super T> onSuccess,
                Consumer<? super Exception> onFailure) {
            T result;
            try {
                result = work.call();
            } catch (Exception e) {
                onFailure.accept(e);
                return;
            }
            onSuccess.accept(result);
        }

        @Override
        public void showStatus(String message, boolean error) {
            status.add(error ? "ERROR " + message : message);
        }

        @Override
        public void fireConnectionChanged() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void showView(String id) {
            throw new UnsupportedOperationException();
        }
    }
}
