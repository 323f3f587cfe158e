package org.streamail.workbench.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.StyledText;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Combo;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Event;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Table;
import org.eclipse.swt.widgets.TableItem;
import org.eclipse.swt.widgets.Text;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.streamail.workbench.api.ViewContext;
import org.streamail.workbench.api.WorkbenchView;
import org.streamail.workbench.client.GatewayClient;
import org.streamail.workbench.internal.ui.WorkbenchRuntime;
import org.streamail.workbench.internal.ui.WorkbenchWindow;
import org.streamail.workbench.internal.views.ConnectionView;
import org.streamail.workbench.internal.views.DashboardView;
import org.streamail.workbench.internal.views.DirectoryView;
import org.streamail.workbench.internal.views.MessagesView;
import org.streamail.workbench.internal.views.QuarantineView;
import org.streamail.workbench.testing.FakeGateway;
import org.streamail.workbench.testing.UiDriver;
import org.streamail.workbench.testing.XvfbDisplay;

/**
 * The real workbench window under Xvfb, with the real views and GatewayClient, against an in-JVM gateway
 * serving the REST API's recorded shapes. Everything is driven through the widgets (typing, clicks, dialog
 * buttons) from this thread while the window runs its own UI thread, as in production. The tests share one
 * window (GTK allows one Display per process) and run in order: connection errors, connect, views, actions.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WorkbenchUiTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final int MIN_COLOURS = 16;

    private FakeGateway gateway;
    private GatewayClient client;
    private WorkbenchRuntime runtime;
    private WorkbenchWindow window;
    private UiDriver ui;
    private Path screenshots;

    @BeforeAll
    void openWorkbench() throws Exception {
        XvfbDisplay.require();
        gateway = new FakeGateway();
        client = new GatewayClient(Duration.ofSeconds(2), Duration.ofSeconds(10), null);
        runtime = new WorkbenchRuntime(client, "Streamail Workbench", null);
        // bound before the window exists, like DS may do: they must wait and then appear
        for (WorkbenchView v : List.of(new ConnectionView(gateway.url(), "admin"), new DashboardView(),
                new MessagesView(), new QuarantineView(), new DirectoryView())) {
            runtime.bind(v);
        }
        try {
            runtime.start(Duration.ofSeconds(30));
        } catch (IllegalStateException e) {
            XvfbDisplay.skipOrFail("no usable display: " + e.getMessage());
        }
        window = runtime.window();
        ui = new UiDriver(runtime.display());
        screenshots = Path.of(System.getProperty("workbench.screenshots", "target/screenshots"));
        ui.await("the five views", WAIT, () -> window.viewIds().size() == 5);
    }

    @AfterAll
    void closeWorkbench() {
        if (runtime != null) {
            runtime.stop(Duration.ofSeconds(10));
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    // ------------------------------------------------------------------ connection

    @Test
    @Order(1)
    void theNavigationListsTheBuiltInViewsInTheirOrder() {
        assertThat(ui.sync(window::navigationTitles))
                .containsExactly("Connection", "Dashboard", "Messages", "Quarantine", "Directory");
        assertThat(ui.sync(window::currentViewId)).isEqualTo("connection");
    }

    @Test
    @Order(2)
    void connectingToAPortWhereNothingListensSaysTheGatewayIsUnreachable() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        String result = connect("http://127.0.0.1:" + closedPort, "admin", FakeGateway.ADMIN_PASSWORD);
        assertThat(result).contains("Cannot reach the gateway at http://127.0.0.1:" + closedPort)
                .contains("connection refused");
        assertThat(client.isConnected()).isFalse();
    }

    @Test
    @Order(3)
    void aWrongPasswordSaysTheLoginFailedAndClearsThePasswordField() throws Exception {
        String result = connect(gateway.url(), "admin", "not-the-password");
        assertThat(result).contains("Login failed").contains("'admin'");
        assertThat(client.isConnected()).isFalse();
        Control view = ui.sync(() -> window.showView("connection"));
        assertThat(ui.sync(() -> UiDriver.find((Composite) view, "connection.password", Text.class).getText()))
                .isEmpty();
    }

    @Test
    @Order(4)
    void theRightPasswordConnectsAndShowsTheGatewayHealth() throws Exception {
        String result = connect(gateway.url(), "admin", FakeGateway.ADMIN_PASSWORD);
        assertThat(result).contains("Connected as admin").contains("accepting mail");
        assertThat(client.isConnected()).isTrue();
        Composite view = (Composite) ui.sync(() -> window.showView("connection"));
        assertThat(ui.sync(() -> UiDriver.find(view, "connection.details", Text.class).getText()))
                .contains("Detectors: content, phishing, clamav").contains("messages.quarantined = 87");
        assertThat(ui.screenshot(window.shell(), screenshots.resolve("connection.png"))).isGreaterThan(MIN_COLOURS);
    }

    // ------------------------------------------------------------------ views

    @Test
    @Order(10)
    void theDashboardChartsTheLogAndRanksSendersAndRecipients() throws Exception {
        Composite view = (Composite) ui.sync(() -> window.showView("dashboard"));
        awaitIdle();
        Table senders = ui.sync(() -> UiDriver.find(view, "dashboard.senders", Table.class));
        ui.await("top senders", WAIT, () -> senders.getItemCount() > 0);
        assertThat(ui.sync(() -> senders.getItemCount())).isBetween(1, 8);
        // counts are sorted largest first
        List<Integer> counts = ui.sync(() -> java.util.Arrays.stream(senders.getItems())
                .map(i -> Integer.parseInt(i.getText(1))).toList());
        assertThat(counts).isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(ui.sync(() -> UiDriver.find(view, "dashboard.health", Label.class).getText()))
                .contains("Gateway UP, accepting mail");
        assertThat(ui.sync(() -> UiDriver.find(view, "dashboard.alerts", Text.class).getText()))
                .contains("no alerts API yet");
        assertThat(ui.screenshot(window.shell(), screenshots.resolve("dashboard.png"))).isGreaterThan(MIN_COLOURS);
    }

    @Test
    @Order(11)
    void theMessagesViewFiltersByActionOnTheGatewayAndShowsOriginAndFindings() throws Exception {
        Composite view = (Composite) ui.sync(() -> window.showView("messages"));
        awaitIdle();
        Combo action = ui.sync(() -> UiDriver.find(view, "messages.action", Combo.class));
        ui.run(() -> {
            action.select(List.of(action.getItems()).indexOf("QUARANTINE"));
            action.notifyListeners(SWT.Selection, new Event());
        });
        awaitIdle();
        assertThat(gateway.requests()).anyMatch(r -> r.startsWith("GET /streamail/api/v1/messages?")
                && r.contains("action=QUARANTINE"));
        Table table = ui.sync(() -> UiDriver.find(view, "messages.table", Table.class));
        ui.await("quarantined messages listed", WAIT, () -> table.getItemCount() > 0);
        assertThat(ui.sync(() -> java.util.Arrays.stream(table.getItems()).map(i -> i.getText(4)).distinct().toList()))
                .containsExactly("QUARANTINE");
        select(table, 0);
        String details = ui.sync(() -> UiDriver.find(view, "messages.details", StyledText.class).getText());
        assertThat(details).contains("Client IP: 203.0.113.").contains("HELO: mail")
                .contains("Received chain").contains("phishing/link-text-mismatch");
        assertThat(ui.screenshot(window.shell(), screenshots.resolve("messages.png"))).isGreaterThan(MIN_COLOURS);
    }

    @Test
    @Order(12)
    void theDirectoryViewListsDomainsAndAddresses() throws Exception {
        Composite view = (Composite) ui.sync(() -> window.showView("directory"));
        awaitIdle();
        Table table = ui.sync(() -> UiDriver.find(view, "directory.table", Table.class));
        ui.await("addresses", WAIT, () -> table.getItemCount() == 3);
        assertThat(ui.sync(() -> UiDriver.find(view, "directory.domains", Label.class).getText()))
                .contains("acme.example");
        assertThat(ui.screenshot(window.shell(), screenshots.resolve("directory.png"))).isGreaterThan(MIN_COLOURS);
    }

    // ------------------------------------------------------------------ quarantine

    @Test
    @Order(20)
    void theQuarantinePreviewIsPlainTextWithEveryFindingInTheBanner() throws Exception {
        Composite view = (Composite) ui.sync(() -> window.showView("quarantine"));
        Table table = quarantineTable(view);
        ui.await("held messages", WAIT, () -> table.getItemCount() == 4);
        select(table, rowOf(table, "q-7f3a91"));
        awaitIdle();
        StyledText preview = ui.sync(() -> UiDriver.find(view, "quarantine.preview", StyledText.class));
        ui.await("the preview", WAIT, () -> preview.getText().contains("confirm your password"));
        String text = ui.sync(preview::getText);
        assertThat(text).contains("From: PayPal Sécurité <billing@paypa1-secure.example>")
                .contains("https://www.paypal.com/signin → http://paypa1-secure.example/login")
                .doesNotContain("alert('PWNED-SCRIPT')") // scripts are dropped, never run
                .doesNotContain("<img"); // and nothing remote is loaded: there is no HTML at all
        String banner = ui.sync(() -> UiDriver.find(view, "quarantine.findings", Text.class).getText());
        assertThat(banner).contains("phishing/link-text-mismatch").contains("phishing/credential-request")
                .contains("content/html-script").contains("in text/html body");
        assertThat(ui.sync(() -> UiDriver.find(view, "quarantine.reportSpam", Button.class).isEnabled())).isFalse();
        assertThat(ui.sync(() -> UiDriver.find(view, "quarantine.reportSpam", Button.class).getToolTipText()))
                .contains("reports API");
        assertThat(ui.screenshot(window.shell(), screenshots.resolve("quarantine.png"))).isGreaterThan(MIN_COLOURS);
    }

    @Test
    @Order(21)
    void cancellingTheDeleteConfirmationSendsNothing() {
        Composite view = (Composite) ui.sync(() -> window.showView("quarantine"));
        Table table = quarantineTable(view);
        select(table, rowOf(table, "q-2c8e04"));
        ui.clickLater(ui.sync(() -> UiDriver.find(view, "quarantine.delete", Button.class)));
        ui.answerDialog("Delete message", "Cancel", WAIT);
        awaitIdle();
        assertThat(gateway.requests()).noneMatch(r -> r.startsWith("DELETE"));
        assertThat(ui.sync(table::getItemCount)).isEqualTo(4);
    }

    @Test
    @Order(22)
    void releasingAQuarantinedMessageThroughTheWidgetsPostsTheReleaseToTheGateway() {
        Composite view = (Composite) ui.sync(() -> window.showView("quarantine"));
        Table table = quarantineTable(view);
        select(table, rowOf(table, "q-7f3a91"));
        Button release = ui.sync(() -> UiDriver.find(view, "quarantine.release", Button.class));
        assertThat(ui.sync(release::isEnabled)).isTrue();
        ui.clickLater(release);
        ui.answerDialog("Release message", "Release", WAIT);
        awaitIdle();
        assertThat(gateway.requests()).contains("POST /streamail/api/v1/quarantine/q-7f3a91/release");
        // the view reloads: the released message is no longer held
        ui.await("the released message to leave the list", WAIT, () -> table.getItemCount() == 3);
        assertThat(ui.sync(() -> rowOf(table, "q-7f3a91"))).isNegative();
    }

    @Test
    @Order(23)
    void aSlowGatewayLeavesTheWindowResponsive() {
        gateway.delay(1500);
        try {
            Composite view = (Composite) ui.sync(() -> window.showView("quarantine"));
            int before = gateway.requests().size();
            ui.clickLater(ui.sync(() -> UiDriver.find(view, "quarantine.refresh", Button.class)));
            // the gateway has the request and sits on it for 1.5 s
            ui.await("the request to reach the gateway", WAIT, () -> gateway.requests().size() > before);
            long start = System.nanoTime();
            assertThat(ui.sync(window::navigationTitles)).hasSize(5);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(500));
            assertThat(ui.sync(() -> window.runner().isIdle())).as("still waiting for the gateway").isFalse();
            assertThat(ui.sync(window::progressVisible)).as("progress shown while waiting").isTrue();
            assertThat(ui.sync(window::statusText)).startsWith("Loading quarantine");
            awaitIdle();
        } finally {
            gateway.delay(0);
        }
    }

    // ------------------------------------------------------------------ views coming and going

    @Test
    @Order(30)
    void aViewRegisteredAtRuntimeAppearsAndDisappearsWithItsService() {
        ExtraView extra = new ExtraView();
        runtime.bind(extra); // from this (non-UI) thread, like a DS bind
        ui.await("the extra view in the navigation", WAIT, () -> window.navigationTitles().contains("Alerts (extra)"));
        Control c = ui.sync(() -> window.showView("extra"));
        assertThat(c).isNotNull();
        assertThat(extra.connected.get()).as("a view opened while connected is told so").isTrue();

        runtime.unbind(extra); // syncExec: when it returns, the view is gone
        assertThat(ui.sync(window::navigationTitles)).doesNotContain("Alerts (extra)").hasSize(5);
        assertThat(extra.disposed.get()).isTrue();
        assertThat(ui.sync(c::isDisposed)).isTrue();
        assertThat(ui.sync(window::currentViewId)).isEqualTo("connection");
    }

    @Test
    @Order(31)
    void aViewThatFailsToCreateItsControlShowsAnErrorInsteadOfBreakingTheWindow() {
        WorkbenchView broken = new ExtraView() {
            @Override
            public String id() {
                return "broken";
            }

            @Override
            public Control createControl(Composite parent, ViewContext context) {
                new Label(parent, SWT.NONE).setText("half-built");
                throw new IllegalStateException("boom");
            }
        };
        runtime.bind(broken);
        ui.await("the broken view listed", WAIT, () -> window.viewIds().contains("broken"));
        Control c = ui.sync(() -> window.showView("broken"));
        assertThat(ui.sync(() -> ((Label) c).getText())).contains("failed to open").contains("boom");
        runtime.unbind(broken);
        assertThat(ui.sync(window::viewIds)).doesNotContain("broken");
    }

    @Test
    @Order(40)
    void disconnectingClearsTheCredentialsAndTheViews() {
        Composite view = (Composite) ui.sync(() -> window.showView("connection"));
        ui.clickLater(ui.sync(() -> UiDriver.find(view, "connection.disconnect", Button.class)));
        ui.await("disconnected", WAIT, () -> !client.isConnected());
        Composite q = (Composite) ui.sync(() -> window.showView("quarantine"));
        ui.await("the quarantine list emptied", WAIT, () -> quarantineTable(q).getItemCount() == 0);
    }

    // ------------------------------------------------------------------ helpers

    private String connect(String url, String user, String password) {
        Composite view = (Composite) ui.sync(() -> window.showView("connection"));
        ui.run(() -> {
            UiDriver.find(view, "connection.url", Text.class).setText(url);
            UiDriver.find(view, "connection.user", Text.class).setText(user);
            UiDriver.find(view, "connection.password", Text.class).setText(password);
        });
        Label result = ui.sync(() -> UiDriver.find(view, "connection.result", Label.class));
        ui.run(() -> result.setText(""));
        ui.clickLater(ui.sync(() -> UiDriver.find(view, "connection.connect", Button.class)));
        ui.await("a connection result", WAIT, () -> !result.getText().isEmpty()
                && !result.getText().startsWith("Connecting"));
        awaitIdle();
        return ui.sync(result::getText);
    }

    private Table quarantineTable(Composite view) {
        return ui.sync(() -> UiDriver.find(view, "quarantine.table", Table.class));
    }

    private int rowOf(Table table, String id) {
        return ui.sync(() -> {
            TableItem[] items = table.getItems();
            for (int i = 0; i < items.length; i++) {
                if (items[i].getText(7).equals(id)) {
                    return i;
                }
            }
            return -1;
        });
    }

    /** Selects a row as a click does: the widget selection, then the Selection event JFace listens to. */
    private void select(Table table, int row) {
        assertThat(row).as("row to select").isNotNegative();
        ui.run(() -> {
            table.setSelection(row);
            Event e = new Event();
            e.item = table.getItem(row);
            table.notifyListeners(SWT.Selection, e);
        });
        awaitIdle();
    }

    private void awaitIdle() {
        ui.await("background requests to finish", WAIT, () -> window.runner().isIdle());
        ui.run(() -> { }); // and their results to be shown
    }

    /** A view from "another bundle". */
    static class ExtraView implements WorkbenchView {
        final AtomicBoolean disposed = new AtomicBoolean();
        final AtomicBoolean connected = new AtomicBoolean();
        final AtomicReference<Control> control = new AtomicReference<>();

        @Override
        public String id() {
            return "extra";
        }

        @Override
        public String title() {
            return "Alerts (extra)";
        }

        @Override
        public int order() {
            return 50;
        }

        @Override
        public Control createControl(Composite parent, ViewContext context) {
            Label l = new Label(parent, SWT.NONE);
            l.setText("Alerts come from an extra bundle");
            control.set(l);
            return l;
        }

        @Override
        public void connectionChanged(boolean isConnected) {
            connected.set(isConnected);
        }

        @Override
        public void dispose() {
            disposed.set(true);
        }
    }
}
