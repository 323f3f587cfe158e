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
import org.eclipse.swt.dnd.Clipboard;
import org.eclipse.swt.dnd.TextTransfer;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Combo;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Event;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Shell;
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
import org.junit.jupiter.api.io.TempDir;
import org.streamail.workbench.api.ViewContext;
import org.streamail.workbench.api.WorkbenchView;
import org.streamail.workbench.client.GatewayClient;
import org.streamail.workbench.internal.ui.WorkbenchRuntime;
import org.streamail.workbench.internal.ui.WorkbenchWindow;
import org.streamail.workbench.internal.views.AlertsView;
import org.streamail.workbench.internal.views.BlockListView;
import org.streamail.workbench.internal.views.ConnectionView;
import org.streamail.workbench.internal.views.DashboardView;
import org.streamail.workbench.internal.views.DirectoryView;
import org.streamail.workbench.internal.views.DkimView;
import org.streamail.workbench.internal.views.IsolationView;
import org.streamail.workbench.internal.views.MessagesView;
import org.streamail.workbench.internal.views.QuarantineView;
import org.streamail.workbench.internal.views.RetentionView;
import org.streamail.workbench.testing.FakeGateway;
import org.streamail.workbench.testing.TestCertificate;
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
    private static final int VIEWS = 10;
    private static final String API = "/streamail/api/v1";

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
                new MessagesView(), new QuarantineView(), new DirectoryView(), new AlertsView(), new IsolationView(),
                new RetentionView(), new BlockListView(), new DkimView())) {
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
        ui.await("the " + VIEWS + " views", WAIT, () -> window.viewIds().size() == VIEWS);
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
                .containsExactly("Connection", "Dashboard", "Alerts", "Messages", "Quarantine", "Directory",
                        "Block list", "Isolation", "Retention", "DKIM");
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
    @Order(2)
    void plainHttpToARemoteHostIsRefusedInTheConnectionViewBeforeAnythingIsSent() {
        String result = connect("http://192.0.2.1:8181", "admin", FakeGateway.ADMIN_PASSWORD);
        assertThat(result).startsWith("Refusing http://192.0.2.1:8181: the password would cross the network "
                + "unencrypted: use https://192.0.2.1:").doesNotContain(FakeGateway.ADMIN_PASSWORD);
        assertThat(client.isConnected()).isFalse();
    }

    @Test
    @Order(2)
    void anUntrustedCertificateIsShownWithItsFingerprintToCompareAndPin(@TempDir Path keys) throws Exception {
        TestCertificate cert = TestCertificate.generate(keys, "CN=gateway.test", "dns:gateway.test", null, 2);
        try (FakeGateway tls = new FakeGateway(java.net.InetAddress.getByName("127.0.0.1"), cert.server())) {
            String result = connect(tls.url(), "admin", FakeGateway.ADMIN_PASSWORD);
            assertThat(result).startsWith("The gateway at " + tls.url() + " presented a certificate that is not "
                    + "trusted").doesNotContain("\n");
            Control view = ui.sync(() -> window.showView("connection"));
            String details = ui.sync(() -> UiDriver.find((Composite) view, "connection.details", Text.class).getText());
            assertThat(details).contains("SHA-256 fingerprint: " + cert.fingerprint())
                    .contains("Subject: CN=gateway.test").contains("Valid from ")
                    .contains("gateway.certificate.sha256 = " + cert.fingerprint())
                    .doesNotContain(FakeGateway.ADMIN_PASSWORD);
            assertThat(tls.requests()).isEmpty();
        }
        assertThat(client.isConnected()).isFalse();
    }

    @Test
    @Order(2)
    void typingTheGatewaysCertificatePinConnectsForThisSessionOnly(@TempDir Path keys) throws Exception {
        TestCertificate cert = TestCertificate.generate(keys, "CN=gateway.test", "dns:gateway.test", null, 2);
        Composite view = (Composite) ui.sync(() -> window.showView("connection"));
        assertThat(ui.sync(() -> UiDriver.find(view, "connection.pin", Text.class).getText()))
                .as("prefilled with the configured pin: none here").isEmpty();
        try (FakeGateway tls = new FakeGateway(java.net.InetAddress.getByName("127.0.0.1"), cert.server())) {
            // as keytool -list -v prints it, and as people paste it
            String typed = "SHA256: " + cert.fingerprint().toLowerCase(java.util.Locale.ROOT);
            String result = connect(tls.url(), "admin", FakeGateway.ADMIN_PASSWORD, typed);
            assertThat(result).startsWith("Connected as admin");
            assertThat(client.isConnected()).isTrue();
            assertThat(client.connectionSecurity().pinnedFingerprint()).isEqualTo(cert.fingerprint());
            assertThat(client.security().pinnedSha256()).as("the configured policy is unchanged").isNull();
            assertThat(ui.sync(() -> UiDriver.find(view, "connection.details", Text.class).getText()))
                    .contains("Certificate pinned: " + cert.fingerprint() + " (this session only");
            assertThat(tls.requests()).containsExactly("GET " + API + "/health");
            disconnectInTheView(view);
        }
    }

    @Test
    @Order(2)
    void aMalformedPinIsRefusedBeforeAnythingIsSentAndAWrongOneByTheHandshake(@TempDir Path keys)
            throws Exception {
        TestCertificate cert = TestCertificate.generate(keys, "CN=gateway.test", "dns:gateway.test", null, 2);
        Composite view = (Composite) ui.sync(() -> window.showView("connection"));
        try (FakeGateway tls = new FakeGateway(java.net.InetAddress.getByName("127.0.0.1"), cert.server())) {
            for (String bad : List.of("abc", cert.fingerprint() + ":00", "SHA1:" + cert.fingerprint())) {
                String result = connect(tls.url(), "admin", FakeGateway.ADMIN_PASSWORD, bad);
                assertThat(result).as(bad).startsWith("The certificate pin is not a SHA-256 fingerprint")
                        .contains("keytool -list -v").endsWith("Nothing was sent.")
                        .doesNotContain(FakeGateway.ADMIN_PASSWORD);
                assertThat(ui.sync(() -> UiDriver.find(view, "connection.password", Text.class).getText()))
                        .as("the password stays in its field, to connect once the pin is corrected")
                        .isEqualTo(FakeGateway.ADMIN_PASSWORD);
                assertThat(ui.sync(() -> trustButton(view).getVisible())).isFalse();
            }
            assertThat(client.isConnected()).isFalse();
            assertThat(tls.requests()).isEmpty();

            // a well-formed pin of another certificate: the handshake refuses it, and says what was presented
            String last = cert.fingerprint().substring(cert.fingerprint().length() - 1);
            String other = cert.fingerprint().substring(0, cert.fingerprint().length() - 1)
                    + (last.equals("0") ? "1" : "0");
            String result = connect(tls.url(), "admin", FakeGateway.ADMIN_PASSWORD, other);
            assertThat(result).contains("presented a certificate that is not trusted: it is not the pinned "
                    + "certificate");
            assertThat(ui.sync(() -> UiDriver.find(view, "connection.details", Text.class).getText()))
                    .contains("SHA-256 fingerprint: " + cert.fingerprint());
            assertThat(client.isConnected()).isFalse();
            assertThat(tls.requests()).isEmpty();
        }
    }

    @Test
    @Order(2)
    void anUntrustedCertificateIsTrustedOnlyAfterConfirmationThenPinnedAndConnected(@TempDir Path keys)
            throws Exception {
        TestCertificate cert = TestCertificate.generate(keys, "CN=gateway.test, O=Streamail test",
                "dns:gateway.test", null, 2);
        Composite view = (Composite) ui.sync(() -> window.showView("connection"));
        Text pin = ui.sync(() -> UiDriver.find(view, "connection.pin", Text.class));
        Label result = ui.sync(() -> UiDriver.find(view, "connection.result", Label.class));
        try (FakeGateway tls = new FakeGateway(java.net.InetAddress.getByName("127.0.0.1"), cert.server())) {
            assertThat(connect(tls.url(), "admin", FakeGateway.ADMIN_PASSWORD, ""))
                    .contains("presented a certificate that is not trusted");
            Button trust = trustButton(view);
            assertThat(ui.sync(trust::getVisible)).isTrue();
            assertThat(ui.screenshot(window.shell(), screenshots.resolve("connection-untrusted.png")))
                    .isGreaterThan(MIN_COLOURS);

            // cancelled: nothing pinned, nothing sent, the offer gone
            ui.clickLater(trust);
            Shell dialog = ui.awaitDialog("Trust this certificate?", WAIT);
            assertThat(ui.sync(() -> UiDriver.labels(dialog)))
                    .contains("SHA-256 fingerprint: " + cert.fingerprint())
                    .contains("Subject: CN=gateway.test,O=Streamail test")
                    .contains("Issuer:  CN=gateway.test,O=Streamail test (self-signed)")
                    .contains("Valid from " + cert.certificate().getNotBefore().toInstant() + " until "
                            + cert.certificate().getNotAfter().toInstant())
                    .contains("keytool -list -v -keystore")
                    .contains("gateway.certificate.sha256").contains("STREAMAIL_GATEWAY_CERT_SHA256")
                    .doesNotContain(FakeGateway.ADMIN_PASSWORD);
            assertThat(ui.screenshot(dialog, screenshots.resolve("connection-trust-dialog.png")))
                    .isGreaterThan(MIN_COLOURS);
            ui.press(dialog, "Cancel", WAIT);
            ui.await("the refusal", WAIT, () -> result.getText().startsWith("The certificate was not trusted"));
            awaitIdle();
            assertThat(ui.<String>sync(pin::getText)).isEmpty();
            assertThat(ui.sync(trust::getVisible)).isFalse();
            assertThat(client.isConnected()).isFalse();
            assertThat(tls.requests()).isEmpty();

            // confirmed: the presented fingerprint is pinned and the same attempt is made again
            connect(tls.url(), "admin", FakeGateway.ADMIN_PASSWORD, "");
            assertThat(ui.sync(trust::getVisible)).isTrue();
            ui.clickLater(trust);
            ui.answerDialog("Trust this certificate?", "Trust and connect", WAIT);
            ui.await("connected", WAIT, () -> result.getText().startsWith("Connected as admin"));
            awaitIdle();
            assertThat(ui.<String>sync(pin::getText)).isEqualTo(cert.fingerprint());
            assertThat(ui.sync(trust::getVisible)).isFalse();
            assertThat(client.isConnected()).isTrue();
            assertThat(client.connectionSecurity().pinnedFingerprint()).isEqualTo(cert.fingerprint());
            assertThat(tls.requests()).containsExactly("GET " + API + "/health");
            disconnectInTheView(view);
        }
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
        // current alerts: the newest HIGH and CRITICAL ones, asked for on the gateway
        Table alerts = ui.sync(() -> UiDriver.find(view, "dashboard.alerts", Table.class));
        ui.await("current alerts", WAIT, () -> alerts.getItemCount() > 0);
        assertThat(ui.sync(() -> java.util.Arrays.stream(alerts.getItems()).map(i -> i.getText(1)).toList()))
                .containsExactly("CRITICAL", "HIGH");
        assertThat(ui.sync(() -> alerts.getItem(0).getText(2))).contains("clicked a blocked phishing link")
                .contains("×3");
        assertThat(ui.sync(() -> UiDriver.find(view, "dashboard.alertsNote", Label.class).getText()))
                .contains("2 alerts need attention");
        assertThat(gateway.requests()).anyMatch(r -> r.startsWith("GET " + API + "/alerts?")
                && r.contains("severity=HIGH"));
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


    // ------------------------------------------------------------------ alerts, retention, block list

    @Test
    @Order(13)
    void theAlertsViewListsAlertsWithTheirSeveritySortsAndFiltersThem() throws Exception {
        Composite view = (Composite) ui.sync(() -> window.showView("alerts"));
        awaitIdle();
        Table table = ui.sync(() -> UiDriver.find(view, "alerts.table", Table.class));
        ui.await("alerts", WAIT, () -> table.getItemCount() == 5);
        // newest first, each with its severity
        assertThat(ui.sync(() -> table.getItem(0).getText(7))).isEqualTo("al-5c01");
        assertThat(ui.sync(() -> java.util.Arrays.stream(table.getItems()).map(i -> i.getText(1)).toList()))
                .containsExactly("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO");
        // a click on the Severity header sorts by severity (lowest first), a second click reverses it
        ui.run(() -> table.getColumn(1).notifyListeners(SWT.Selection, new Event()));
        assertThat(ui.sync(() -> table.getItem(0).getText(1))).isEqualTo("INFO");
        ui.run(() -> table.getColumn(1).notifyListeners(SWT.Selection, new Event()));
        assertThat(ui.sync(() -> table.getItem(0).getText(1))).isEqualTo("CRITICAL");
        select(table, 0);
        assertThat(ui.sync(() -> UiDriver.find(view, "alerts.detail", Text.class).getText()))
                .contains("[CRITICAL]").contains("isolated automatically by linkguard").contains("3 times");
        assertThat(ui.screenshot(window.shell(), screenshots.resolve("alerts.png"))).isGreaterThan(MIN_COLOURS);

        Combo severity = ui.sync(() -> UiDriver.find(view, "alerts.severity", Combo.class));
        ui.run(() -> {
            severity.select(List.of(severity.getItems()).indexOf("HIGH"));
            severity.notifyListeners(SWT.Selection, new Event());
        });
        awaitIdle();
        assertThat(gateway.requests()).anyMatch(r -> r.startsWith("GET " + API + "/alerts?limit=500&severity=HIGH"));
        ui.await("only HIGH and CRITICAL", WAIT, () -> table.getItemCount() == 2);
        assertThat(ui.sync(() -> UiDriver.find(view, "alerts.count", Label.class).getText()))
                .contains("2 alerts, 2 HIGH or CRITICAL");
    }

    @Test
    @Order(14)
    void runningARetentionSweepShowsItsCountsAndTheAudit() throws Exception {
        Composite view = (Composite) ui.sync(() -> window.showView("retention"));
        awaitIdle();
        Text policy = ui.sync(() -> UiDriver.find(view, "retention.policy", Text.class));
        ui.await("the policy", WAIT, () -> policy.getText().contains("P3650D"));
        assertThat(ui.sync(() -> policy.getText())).contains("move:Expired").contains("every PT6H")
                .contains("Exempt folders: Legal Hold").contains("1840 scanned");
        Table audit = ui.sync(() -> UiDriver.find(view, "retention.audit", Table.class));
        ui.await("the audit", WAIT, () -> audit.getItemCount() == 3);
        assertThat(gateway.requests()).noneMatch(r -> r.contains("/retention/sweep"));

        ui.clickLater(ui.sync(() -> UiDriver.find(view, "retention.sweep", Button.class)));
        ui.answerDialog("Run retention sweep", "Run sweep", WAIT);
        awaitIdle();
        assertThat(gateway.requests()).contains("POST " + API + "/retention/sweep");
        Label result = ui.sync(() -> UiDriver.find(view, "retention.sweepResult", Label.class));
        ui.await("the sweep counts", WAIT, () -> result.getText().contains("1852 scanned"));
        assertThat(ui.sync(result::getText)).contains("2 mailboxes").contains("7 expired").contains("6 moved")
                .contains("13 exempt").contains("1 errors").contains("UID 4411");
        assertThat(ui.screenshot(window.shell(), screenshots.resolve("retention.png"))).isGreaterThan(MIN_COLOURS);
    }

    @Test
    @Order(15)
    void addingABlockRuleThroughTheDialogPostsItAndRemovingItAsksFirst() throws Exception {
        Composite view = (Composite) ui.sync(() -> window.showView("blocklist"));
        awaitIdle();
        Table table = ui.sync(() -> UiDriver.find(view, "blocklist.table", Table.class));
        ui.await("the rules", WAIT, () -> table.getItemCount() == 3);
        assertThat(ui.sync(() -> UiDriver.find(view, "blocklist.summary", Label.class).getText()))
                .contains("3 rules, 2 active, 1 added automatically");
        assertThat(ui.screenshot(window.shell(), screenshots.resolve("blocklist.png"))).isGreaterThan(MIN_COLOURS);

        ui.clickLater(ui.sync(() -> UiDriver.find(view, "blocklist.add", Button.class)));
        Shell dialog = ui.awaitDialog("Add block rule", WAIT);
        Combo type = ui.sync(() -> UiDriver.find(dialog, "blockrule.type", Combo.class));
        ui.run(() -> {
            type.select(List.of(type.getItems()).indexOf("SENDER_DOMAIN"));
            type.notifyListeners(SWT.Selection, new Event());
            UiDriver.find(dialog, "blockrule.value", Text.class).setText("someone@spam.example");
        });
        // a wrong value for the type: explained, and Add stays disabled so nothing can be sent
        assertThat(ui.sync(() -> UiDriver.find(dialog, "dialog.error", Label.class).getText()))
                .contains("needs a domain name");
        assertThat(ui.sync(() -> UiDriver.button(dialog, "Add").isEnabled())).isFalse();
        ui.run(() -> {
            UiDriver.find(dialog, "blockrule.value", Text.class).setText("spam.example");
            UiDriver.find(dialog, "blockrule.reason", Text.class).setText("bulk spam wave");
            UiDriver.find(dialog, "blockrule.expires", Combo.class).setText("7 days");
        });
        assertThat(ui.sync(() -> UiDriver.find(dialog, "dialog.error", Label.class).getText()))
                .contains("not a duration");
        ui.run(() -> UiDriver.find(dialog, "blockrule.expires", Combo.class).setText("7d"));
        ui.press(dialog, "Add", WAIT);
        awaitIdle();
        var body = gateway.lastBody("POST " + API + "/blocklist");
        assertThat(body.path("type").asText()).isEqualTo("SENDER_DOMAIN");
        assertThat(body.path("value").asText()).isEqualTo("spam.example");
        assertThat(body.path("reason").asText()).isEqualTo("bulk spam wave");
        assertThat(body.path("expires").asText()).isEqualTo("PT168H");
        ui.await("the new rule listed", WAIT, () -> table.getItemCount() == 4);

        int row = ui.sync(() -> {
            for (int i = 0; i < table.getItemCount(); i++) {
                if (table.getItem(i).getText(1).equals("spam.example")) {
                    return i;
                }
            }
            return -1;
        });
        select(table, row);
        String id = ui.sync(() -> table.getItem(row).getText(8));
        ui.clickLater(ui.sync(() -> UiDriver.find(view, "blocklist.remove", Button.class)));
        ui.answerDialog("Remove block rule", "Remove", WAIT);
        awaitIdle();
        assertThat(gateway.requests()).contains("DELETE " + API + "/blocklist/" + id);
        ui.await("the rule gone", WAIT, () -> table.getItemCount() == 3);
    }

    // ------------------------------------------------------------------ isolation

    @Test
    @Order(16)
    void isolatingAHostThroughTheDialogPostsTheJsonAndReleasingItAsksFirst() throws Exception {
        Composite view = (Composite) ui.sync(() -> window.showView("isolation"));
        awaitIdle();
        Table hosts = ui.sync(() -> UiDriver.find(view, "isolation.table", Table.class));
        ui.await("isolated hosts", WAIT, () -> hosts.getItemCount() == 2);
        assertThat(ui.sync(() -> UiDriver.find(view, "isolation.audit", Table.class).getItemCount())).isEqualTo(2);
        assertThat(ui.sync(() -> UiDriver.find(view, "isolation.clicks", Table.class).getItemCount())).isEqualTo(2);
        assertThat(ui.sync(() -> UiDriver.find(view, "isolation.message", Label.class).getText()))
                .isEqualTo("2 hosts are isolated.");

        ui.clickLater(ui.sync(() -> UiDriver.find(view, "isolation.isolate", Button.class)));
        Shell dialog = ui.awaitDialog("Isolate host", WAIT);
        Label error = ui.sync(() -> UiDriver.find(dialog, "dialog.error", Label.class));
        ui.run(() -> UiDriver.find(dialog, "isolate.ip", Text.class).setText("10.20.0.999"));
        assertThat(ui.sync(error::getText)).contains("not an IPv4 or IPv6 address");
        ui.run(() -> UiDriver.find(dialog, "isolate.ip", Text.class).setText("10.20.0.99"));
        assertThat(ui.sync(error::getText)).contains("Enter a reason");
        ui.run(() -> {
            UiDriver.find(dialog, "isolate.reason", Text.class).setText("ransomware beacon");
            UiDriver.find(dialog, "isolate.ttl", Combo.class).setText("4 hours");
        });
        assertThat(ui.sync(error::getText)).contains("not a duration");
        assertThat(ui.sync(() -> UiDriver.button(dialog, "Isolate").isEnabled())).isFalse();
        assertThat(gateway.requests()).noneMatch(r -> r.startsWith("POST " + API + "/isolation"));
        ui.run(() -> UiDriver.find(dialog, "isolate.ttl", Combo.class).setText("4h"));
        assertThat(ui.sync(error::getText)).isEmpty();
        ui.press(dialog, "Isolate", WAIT);
        awaitIdle();
        assertThat(gateway.requests()).contains("POST " + API + "/isolation");
        var body = gateway.lastBody("POST " + API + "/isolation");
        assertThat(body.path("ip").asText()).isEqualTo("10.20.0.99");
        assertThat(body.path("reason").asText()).isEqualTo("ransomware beacon");
        assertThat(body.path("ttl").asText()).isEqualTo("PT4H");
        ui.await("the host listed", WAIT, () -> hosts.getItemCount() == 3);
        assertThat(gateway.isolatedHosts()).contains("10.20.0.99");
        assertThat(ui.screenshot(window.shell(), screenshots.resolve("isolation.png"))).isGreaterThan(MIN_COLOURS);

        // release: cancel first (nothing sent), then confirm
        select(hosts, rowWith(hosts, 0, "10.20.0.99"));
        Button release = ui.sync(() -> UiDriver.find(view, "isolation.release", Button.class));
        ui.clickLater(release);
        ui.answerDialog("Release host", "Cancel", WAIT);
        awaitIdle();
        assertThat(gateway.requests()).noneMatch(r -> r.endsWith("/release") && r.contains("/isolation/"));
        ui.clickLater(release);
        ui.answerDialog("Release host", "Release", WAIT);
        awaitIdle();
        assertThat(gateway.requests()).contains("POST " + API + "/isolation/10.20.0.99/release");
        ui.await("the host gone", WAIT, () -> hosts.getItemCount() == 2);
        assertThat(gateway.isolatedHosts()).doesNotContain("10.20.0.99");
    }

    @Test
    @Order(17)
    void isolatingAProtectedHostShowsTheGatewaysRefusal() {
        Composite view = (Composite) ui.sync(() -> window.showView("isolation"));
        ui.clickLater(ui.sync(() -> UiDriver.find(view, "isolation.isolate", Button.class)));
        Shell dialog = ui.awaitDialog("Isolate host", WAIT);
        ui.run(() -> {
            UiDriver.find(dialog, "isolate.ip", Text.class).setText(FakeGateway.PROTECTED_HOST);
            UiDriver.find(dialog, "isolate.reason", Text.class).setText("test");
        });
        ui.press(dialog, "Isolate", WAIT);
        Shell failure = ui.awaitDialog("Isolating " + FakeGateway.PROTECTED_HOST + " failed", WAIT);
        assertThat(ui.sync(() -> UiDriver.labels(failure))).contains("is protected (allow-list)");
        ui.press(failure, "OK", WAIT);
        assertThat(gateway.isolatedHosts()).doesNotContain(FakeGateway.PROTECTED_HOST);
    }

    @Test
    @Order(18)
    void recallingTheCampaignOfABlockedClickPostsTheRecallAndShowsWhatItDid() {
        Composite view = (Composite) ui.sync(() -> window.showView("isolation"));
        Table clicks = ui.sync(() -> UiDriver.find(view, "isolation.clicks", Table.class));
        select(clicks, rowWith(clicks, 6, "q-7f3a91"));
        ui.clickLater(ui.sync(() -> UiDriver.find(view, "isolation.recall", Button.class)));
        Shell ask = ui.awaitDialog("Recall campaign", WAIT);
        ui.run(() -> {
            for (Control c : ask.getChildren()) {
                setFirstText(c, "phishing campaign, pulled by the admin");
            }
        });
        ui.press(ask, "OK", WAIT);
        Shell done = ui.awaitDialog("Campaign recalled", WAIT);
        assertThat(ui.sync(() -> UiDriver.labels(done))).contains("Campaign cmp-q-7f3a91: 2 messages, 2 copies pulled")
                .contains("finance@acme.example: found 1, moved 1");
        ui.press(done, "OK", WAIT);
        assertThat(gateway.lastBody("POST " + API + "/messages/q-7f3a91/recall").path("reason").asText())
                .isEqualTo("phishing campaign, pulled by the admin");
    }

    @Test
    @Order(25) // after the quarantine tests (20..24), which use orders right after the isolation ones
    void liftingTheBadMarkOfAUrlAsksFirstThenDeletesItAndTheUrlLeavesTheList() throws Exception {
        Composite view = (Composite) ui.sync(() -> window.showView("isolation"));
        awaitIdle();
        Table bad = ui.sync(() -> UiDriver.find(view, "isolation.badUrls", Table.class));
        ui.await("the URLs marked bad", WAIT, () -> bad.getItemCount() == 3);
        // newest first: marked at, URL, reason
        assertThat(ui.sync(() -> bad.getItem(0).getText(1))).isEqualTo("http://paypa1-secure.example/login");
        assertThat(ui.sync(() -> bad.getItem(0).getText(2)))
                .isEqualTo("campaign cmp-q-7f3a91: phishing campaign, pulled by the admin");
        assertThat(ui.sync(() -> bad.getItem(0).getText(0))).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d");
        // a reason with a bidi override and a line break: shown, not obeyed
        int odd = rowWith(bad, 1, "https://evil.example/pay?invoice=7&to=café #top");
        assertThat(ui.sync(() -> bad.getItem(odd).getText(2)))
                .isEqualTo("campaign cmp-m-1d2e3f: fake invoice[U+202E]fdp.exe[U+202C][U+000A]From: admin");
        Button lift = ui.sync(() -> UiDriver.find(view, "isolation.liftBadUrl", Button.class));
        assertThat(ui.sync(lift::isEnabled)).as("nothing selected yet").isFalse();

        select(bad, rowWith(bad, 1, "http://bad.example/x"));
        assertThat(ui.sync(lift::isEnabled)).isTrue();
        ui.clickLater(lift);
        Shell ask = ui.awaitDialog("Lift bad mark", WAIT);
        assertThat(ui.sync(() -> UiDriver.labels(ask))).contains("http://bad.example/x")
                .contains("campaign cmp-m-1d2e3f: fake invoice");
        ui.press(ask, "Cancel", WAIT);
        awaitIdle();
        assertThat(gateway.requests()).as("cancelled: nothing sent")
                .noneMatch(r -> r.startsWith("DELETE " + API + "/bad-urls"));

        ui.clickLater(lift);
        ui.answerDialog("Lift bad mark", "Lift mark", WAIT);
        awaitIdle();
        assertThat(gateway.requests()).contains("DELETE " + API + "/bad-urls?url=http%3A%2F%2Fbad.example%2Fx");
        ui.await("the URL gone", WAIT, () -> bad.getItemCount() == 2);
        assertThat(rowWith(bad, 1, "http://bad.example/x")).isNegative();
        assertThat(gateway.badUrls()).doesNotContain("http://bad.example/x").hasSize(2);
        assertThat(ui.sync(lift::isEnabled)).as("the lifted row is no longer selected").isFalse();
        assertThat(ui.screenshot(window.shell(), screenshots.resolve("isolation-bad-urls.png")))
                .isGreaterThan(MIN_COLOURS);
    }

    @Test
    @Order(26)
    void liftingAMarkSomeoneElseLiftedMeanwhileShowsTheGatewaysAnswerAndReloads() throws Exception {
        Composite view = (Composite) ui.sync(() -> window.showView("isolation"));
        awaitIdle();
        Table bad = ui.sync(() -> UiDriver.find(view, "isolation.badUrls", Table.class));
        String url = "http://paypa1-secure.example/login";
        select(bad, rowWith(bad, 1, url));
        try (GatewayClient other = new GatewayClient(Duration.ofSeconds(2), Duration.ofSeconds(5), null)) {
            other.connect(gateway.url(), FakeGateway.ADMIN, FakeGateway.ADMIN_PASSWORD.toCharArray());
            other.unmarkBadUrl(url); // another administrator, a moment earlier
        }
        ui.clickLater(ui.sync(() -> UiDriver.find(view, "isolation.liftBadUrl", Button.class)));
        ui.answerDialog("Lift bad mark", "Lift mark", WAIT);
        Shell failure = ui.awaitDialog("Lifting the bad mark failed", WAIT);
        assertThat(ui.sync(() -> UiDriver.labels(failure))).contains("that URL is not marked bad").contains(url);
        ui.press(failure, "OK", WAIT);
        ui.await("the list reloaded", WAIT, () -> bad.getItemCount() == 1);
        assertThat(ui.sync(() -> bad.getItem(0).getText(1))).isEqualTo("https://evil.example/pay?invoice=7&to=café #top");
    }

    private static boolean setFirstText(Control c, String value) {
        if (c instanceof Text t) {
            t.setText(value);
            return true;
        }
        if (c instanceof Composite comp) {
            for (Control child : comp.getChildren()) {
                if (setFirstText(child, value)) {
                    return true;
                }
            }
        }
        return false;
    }

    private int rowWith(Table table, int column, String text) {
        return ui.sync(() -> {
            for (int i = 0; i < table.getItemCount(); i++) {
                if (table.getItem(i).getText(column).equals(text)) {
                    return i;
                }
            }
            return -1;
        });
    }

    // ------------------------------------------------------------------ DKIM

    @Test
    @Order(19)
    void theDkimViewListsTheKeysWithTheirRecordAndStateAndCopiesARecord() throws Exception {
        Composite view = (Composite) ui.sync(() -> window.showView("dkim"));
        awaitIdle();
        Table table = ui.sync(() -> UiDriver.find(view, "dkim.table", Table.class));
        ui.await("the keys", WAIT, () -> table.getItemCount() == 2);
        assertThat(gateway.requests()).contains("GET " + API + "/dkim");
        assertThat(ui.sync(() -> UiDriver.find(view, "dkim.summary", Label.class).getText()))
                .startsWith("Signing of outbound mail is on: 2 keys, 1 usable, 1 published in DNS. Mail from a domain"
                        + " whose key is not usable waits").contains("DNS: asked 192.0.2.53:53");
        int good = rowWith(table, 0, "acme.example");
        int bad = rowWith(table, 0, "shop.acme.example");
        assertThat(ui.sync(() -> table.getItem(good).getText(2))).isEqualTo("rsa-sha256, 2048 bits");
        assertThat(ui.sync(() -> table.getItem(good).getText(3))).isEqualTo("usable");
        assertThat(ui.sync(() -> table.getItem(good).getText(4))).isEqualTo("published, the same key");
        assertThat(ui.sync(() -> table.getItem(good).getText(5))).isEqualTo(FakeGateway.DKIM_DIR
                + "acme.example.s2026.pem");
        assertThat(ui.sync(() -> table.getItem(bad).getText(2))).isEqualTo("unknown (file unreadable)");
        assertThat(ui.sync(() -> table.getItem(bad).getText(3)))
                .startsWith("NOT USABLE: keys 'shop.acme.example.e1.pem' is open to group or others");

        // the first key is shown at once: its record, selectable, and Copy record puts the zone-file line on the
        // clipboard
        String zoneLine = client.dkimStatus(false).keys().get(0).record().zoneLine();
        Text record = ui.sync(() -> UiDriver.find(view, "dkim.record", Text.class));
        ui.await("the record shown", WAIT, () -> record.getText().contains(zoneLine));
        assertThat(ui.sync(() -> record.getText())).startsWith("Publish at s2026._domainkey.acme.example (TXT) the value\n"
                + "v=DKIM1; k=rsa; p=MII").contains("DNS now: published, the same key");
        select(table, good);
        ui.run(() -> UiDriver.find(view, "dkim.copy", Button.class).notifyListeners(SWT.Selection, new Event()));
        assertThat(clipboard()).isEqualTo(zoneLine);
        assertThat(ui.sync(window::statusText)).contains("Copied the DNS record of acme.example");
        assertThat(ui.screenshot(window.shell(), screenshots.resolve("dkim.png"))).isGreaterThan(MIN_COLOURS);

        // a key whose file cannot be read has no record to copy
        select(table, bad);
        assertThat(ui.sync(() -> record.getText())).startsWith("No record: the key file of shop.acme.example cannot be read.")
                .contains("chmod 600");
        assertThat(ui.sync(() -> UiDriver.find(view, "dkim.copy", Button.class).isEnabled())).isFalse();

        // without the DNS look-ups
        ui.run(() -> UiDriver.find(view, "dkim.checkDns", Button.class).setSelection(false));
        ui.clickLater(ui.sync(() -> UiDriver.find(view, "dkim.refresh", Button.class)));
        awaitIdle();
        assertThat(gateway.requests()).contains("GET " + API + "/dkim?dns=false");
        ui.run(() -> UiDriver.find(view, "dkim.checkDns", Button.class).setSelection(true));
    }

    @Test
    @Order(28) // still the admin (the viewer connects at 35); after the quarantine tests, which do not list DKIM
    void aNewDkimKeyIsCheckedInTheDialogPostedAndItsRecordAndKeysLineShownToCopy() throws Exception {
        Composite view = (Composite) ui.sync(() -> window.showView("dkim"));
        awaitIdle();
        Table table = ui.sync(() -> UiDriver.find(view, "dkim.table", Table.class));
        ui.await("the keys", WAIT, () -> table.getItemCount() == 2);
        select(table, rowWith(table, 0, "acme.example"));

        ui.clickLater(ui.sync(() -> UiDriver.find(view, "dkim.new", Button.class)));
        Shell dialog = ui.awaitDialog("New DKIM key", WAIT);
        Label error = ui.sync(() -> UiDriver.find(dialog, "dialog.error", Label.class));
        Text domain = ui.sync(() -> UiDriver.find(dialog, "dkimkey.domain", Text.class));
        Text selector = ui.sync(() -> UiDriver.find(dialog, "dkimkey.selector", Text.class));
        assertThat(ui.sync(() -> domain.getText())).as("the selected key's domain").isEqualTo("acme.example");
        assertThat(ui.sync(() -> selector.getText())).isEqualTo("s" + java.time.Year.now().getValue());
        ui.run(() -> domain.setText("acme example"));
        assertThat(ui.sync(error::getText)).contains("is not a domain name");
        assertThat(ui.sync(() -> UiDriver.button(dialog, "Make key").isEnabled())).isFalse();
        ui.run(() -> {
            domain.setText("acme.example");
            selector.setText("s 2027");
        });
        assertThat(ui.sync(error::getText)).contains("is not a selector");
        ui.run(() -> selector.setText("s2027"));
        assertThat(ui.sync(error::getText)).isEmpty();
        Combo algorithm = ui.sync(() -> UiDriver.find(dialog, "dkimkey.algorithm", Combo.class));
        Combo bits = ui.sync(() -> UiDriver.find(dialog, "dkimkey.bits", Combo.class));
        pick(algorithm, "ED25519");
        assertThat(ui.sync(bits::isEnabled)).as("an Ed25519 key has no size to choose").isFalse();
        pick(algorithm, "RSA");
        pick(bits, "3072");
        assertThat(gateway.requests()).noneMatch(r -> r.startsWith("POST " + API + "/dkim"));
        ui.press(dialog, "Make key", WAIT);

        Shell made = ui.awaitDialog("DKIM key made", WAIT);
        var body = gateway.lastBody("POST " + API + "/dkim/keys");
        assertThat(body.path("domain").asText()).isEqualTo("acme.example");
        assertThat(body.path("selector").asText()).isEqualTo("s2027");
        assertThat(body.path("algorithm").asText()).isEqualTo("RSA");
        assertThat(body.path("bits").asInt()).isEqualTo(3072);
        String newRecord = ui.sync(() -> UiDriver.find(made, "dkimnew.record", Text.class).getText());
        assertThat(newRecord).startsWith("s2027._domainkey.acme.example IN TXT \"v=DKIM1; k=rsa; p=MIIB");
        assertThat(ui.sync(() -> UiDriver.find(made, "dkimnew.keys", Text.class).getText()))
                .isEqualTo("keys = shop.acme.example:e1:" + FakeGateway.DKIM_DIR + "shop.acme.example.e1.pem, "
                        + "acme.example:s2027:" + FakeGateway.DKIM_DIR + "acme.example.s2027.pem");
        assertThat(ui.sync(() -> UiDriver.labels(made))).contains("The gateway wrote " + FakeGateway.DKIM_DIR
                + "acme.example.s2027.pem (rsa-sha256, 3072 bits, mode 600)")
                .contains("it replaces the key of acme.example with selector s2026");
        assertThat(ui.screenshot(made, screenshots.resolve("dkim-new-key.png"))).isGreaterThan(MIN_COLOURS);
        ui.run(() -> UiDriver.button(made, "Copy record").notifyListeners(SWT.Selection, new Event()));
        assertThat(clipboard()).isEqualTo(newRecord);
        ui.run(() -> UiDriver.button(made, "Copy keys line").notifyListeners(SWT.Selection, new Event()));
        assertThat(clipboard()).startsWith("keys = shop.acme.example:e1:");
        ui.press(made, "Close", WAIT);
        awaitIdle();

        // the same again: the gateway never replaces a key file, and says so as every refusal is shown
        ui.clickLater(ui.sync(() -> UiDriver.find(view, "dkim.new", Button.class)));
        Shell again = ui.awaitDialog("New DKIM key", WAIT);
        ui.run(() -> {
            UiDriver.find(again, "dkimkey.domain", Text.class).setText("acme.example");
            UiDriver.find(again, "dkimkey.selector", Text.class).setText("s2027");
        });
        ui.press(again, "Make key", WAIT);
        Shell failure = ui.awaitDialog("Making the DKIM key failed", WAIT);
        assertThat(ui.sync(() -> UiDriver.labels(failure))).contains("acme.example.s2027.pem exists already");
        ui.press(failure, "OK", WAIT);
        awaitIdle();
        assertThat(ui.sync(window::statusText)).startsWith("Making the DKIM key for acme.example (selector s2027)"
                + " failed");
        assertThat(gateway.dkimKeysMade()).containsExactly("acme.example.s2027.pem");
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
        assertThat(ui.sync(() -> UiDriver.find(view, "quarantine.reportSpam", Button.class).isEnabled())).isTrue();
        assertThat(ui.sync(() -> UiDriver.find(view, "quarantine.reportHam", Button.class).isEnabled())).isTrue();
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
        assertThat(gateway.requests()).noneMatch(r -> r.startsWith("DELETE " + API + "/quarantine"));
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
            assertThat(ui.sync(window::navigationTitles)).hasSize(VIEWS);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(500));
            assertThat(ui.sync(() -> window.runner().isIdle())).as("still waiting for the gateway").isFalse();
            assertThat(ui.sync(window::progressVisible)).as("progress shown while waiting").isTrue();
            assertThat(ui.sync(window::statusText)).startsWith("Loading quarantine");
            awaitIdle();
        } finally {
            gateway.delay(0);
        }
    }


    @Test
    @Order(24)
    void reportingAQuarantinedMessageAsSpamSendsItsIdAndShowsTheReference() throws Exception {
        Composite view = (Composite) ui.sync(() -> window.showView("quarantine"));
        Table table = quarantineTable(view);
        ui.await("held messages", WAIT, () -> table.getItemCount() == 3);
        select(table, rowOf(table, "q-2c8e04"));
        Button ham = ui.sync(() -> UiDriver.find(view, "quarantine.reportHam", Button.class));
        ui.clickLater(ham);
        ui.answerDialog("Report not spam", "Cancel", WAIT);
        awaitIdle();
        assertThat(gateway.requests()).noneMatch(r -> r.contains("/reports/"));

        ui.clickLater(ui.sync(() -> UiDriver.find(view, "quarantine.reportSpam", Button.class)));
        ui.answerDialog("Report spam", "Report", WAIT);
        awaitIdle();
        assertThat(gateway.recorded()).anySatisfy(r -> {
            assertThat(r.line()).isEqualTo("POST " + API + "/reports/spam");
            assertThat(r.contentType()).startsWith("application/json");
        });
        assertThat(gateway.lastBody("POST " + API + "/reports/spam").path("quarantineId").asText())
                .isEqualTo("q-2c8e04");
        Label result = ui.sync(() -> UiDriver.find(view, "quarantine.reportResult", Label.class));
        ui.await("the report result", WAIT, () -> result.getText().contains("reference"));
        assertThat(ui.sync(result::getText)).contains("Reported q-2c8e04 as spam: reference R-2C8E04")
                .contains("matching mail is now BLOCKED");
    }

    @Test
    @Order(27) // after the report (24) and the bad-URL tests (25, 26): q-2c8e04, held for two, is still listed
    void releasingAMessageHeldForTwoOffersAllOrOneAndReleasingToOnePostsThatRecipient() throws Exception {
        Composite view = (Composite) ui.sync(() -> window.showView("quarantine"));
        awaitIdle();
        Table table = quarantineTable(view);
        ui.await("held messages", WAIT, () -> table.getItemCount() == 3);
        select(table, rowOf(table, "q-2c8e04"));
        Label releasedTo = ui.sync(() -> UiDriver.find(view, "quarantine.releasedTo", Label.class));
        assertThat(ui.sync(releasedTo::getVisible)).as("released to nobody one by one yet").isFalse();
        Button release = ui.sync(() -> UiDriver.find(view, "quarantine.release", Button.class));
        ui.clickLater(release);
        Shell ask = ui.awaitDialog("Release message", WAIT);
        assertThat(ui.sync(() -> UiDriver.labels(ask))).contains("It is held for bob@acme.example, hr@acme.example")
                .contains("macro-document");
        Button all = ui.sync(() -> UiDriver.find(ask, "quarantine.release.all", Button.class));
        Button one = ui.sync(() -> UiDriver.find(ask, "quarantine.release.one", Button.class));
        Combo recipient = ui.sync(() -> UiDriver.find(ask, "quarantine.release.recipient", Combo.class));
        assertThat(ui.sync(all::getSelection)).as("all of them by default").isTrue();
        assertThat(ui.sync(all::getText)).isEqualTo("To all 2 recipients it is held for");
        assertThat(ui.sync(one::getSelection)).isFalse();
        assertThat(ui.sync(recipient::getItems)).containsExactly("bob@acme.example", "hr@acme.example");
        assertThat(ui.sync(recipient::isEnabled)).as("until Only to is chosen").isFalse();
        assertThat(ui.screenshot(ask, screenshots.resolve("quarantine-release-choice.png"))).isGreaterThan(MIN_COLOURS);
        ui.run(() -> { // as a click on "Only to": the radio group moves, then the Selection event
            all.setSelection(false);
            one.setSelection(true);
            one.notifyListeners(SWT.Selection, new Event());
            recipient.select(0);
        });
        assertThat(ui.sync(recipient::isEnabled)).isTrue();
        ui.press(ask, "Release", WAIT);
        awaitIdle();

        String line = "POST " + API + "/quarantine/q-2c8e04/release";
        assertThat(gateway.recorded()).filteredOn(r -> r.line().equals(line)).singleElement()
                .satisfies(r -> assertThat(r.contentType()).startsWith("application/json"));
        assertThat(gateway.lastBody(line).path("recipient").asText()).isEqualTo("bob@acme.example");
        // still held for hr: it stays listed, and its details say whom a copy went to
        ui.await("Released to shown", WAIT, () -> releasedTo.getText().startsWith("Released to"));
        assertThat(ui.sync(releasedTo::getText)).isEqualTo("Released to: bob@acme.example (still held for hr@acme.example)");
        assertThat(ui.sync(releasedTo::getVisible)).isTrue();
        assertThat(ui.sync(table::getItemCount)).isEqualTo(3);
        int row = rowOf(table, "q-2c8e04");
        assertThat(ui.sync(() -> table.getItem(row).getText(6))).isEqualTo("HELD");
        assertThat(ui.screenshot(window.shell(), screenshots.resolve("quarantine-released-to.png")))
                .isGreaterThan(MIN_COLOURS);

        // held for one now: the usual confirmation naming them, no choice; cancelled, nothing is sent
        ui.clickLater(release);
        Shell again = ui.awaitDialog("Release message", WAIT);
        assertThat(ui.sync(() -> UiDriver.labels(again))).contains("delivers it to hr@acme.example (already released "
                + "to bob@acme.example)");
        assertThat(ui.sync(() -> UiDriver.button(again, "Only to"))).isNull();
        ui.press(again, "Cancel", WAIT);
        awaitIdle();
        assertThat(gateway.requests()).filteredOn(line::equals).hasSize(1);
    }

    // ------------------------------------------------------------------ a viewer

    @Test
    @Order(35)
    void aViewerSeesClearlyThatIsolationIsForAdministrators() throws Exception {
        String result = connect(gateway.url(), "viewer", "viewer");
        assertThat(result).contains("Connected as viewer");
        Composite view = (Composite) ui.sync(() -> window.showView("isolation"));
        awaitIdle();
        Label message = ui.sync(() -> UiDriver.find(view, "isolation.message", Label.class));
        ui.await("the refusal explained", WAIT, () -> message.getText().contains("403"));
        assertThat(ui.sync(message::getText)).contains("Isolation is for administrators only")
                .contains("user 'viewer'").contains("Log in as an admin");
        assertThat(ui.sync(() -> UiDriver.find(view, "isolation.table", Table.class).getItemCount())).isZero();
        assertThat(ui.sync(() -> UiDriver.find(view, "isolation.clicks", Table.class).getItemCount()))
                .as("blocked clicks are readable by every user").isEqualTo(2);
        assertThat(ui.sync(() -> UiDriver.find(view, "isolation.isolate", Button.class).isEnabled()))
                .as("no Isolate… for a user the gateway refuses").isFalse();
        assertThat(ui.sync(message::getText)).contains("URLs marked bad below are visible to every user");
        Table bad = ui.sync(() -> UiDriver.find(view, "isolation.badUrls", Table.class));
        assertThat(ui.sync(bad::getItemCount)).as("URLs marked bad are readable by every user").isEqualTo(1);
        select(bad, 0);
        assertThat(ui.sync(() -> UiDriver.find(view, "isolation.liftBadUrl", Button.class).isEnabled()))
                .as("no Lift bad mark… for a user the gateway refuses").isFalse();
        assertThat(gateway.requests()).as("a viewer never sent a DELETE")
                .noneMatch(r -> r.startsWith("DELETE " + API + "/bad-urls?url=https"));
        assertThat(ui.screenshot(window.shell(), screenshots.resolve("isolation-viewer.png")))
                .isGreaterThan(MIN_COLOURS);
    }

    @Test
    @Order(36)
    void aViewerSeesTheDkimKeysButTheGatewayRefusesThemANewKey() {
        assertThat(client.user()).isEqualTo("viewer");
        Composite view = (Composite) ui.sync(() -> window.showView("dkim"));
        awaitIdle();
        Table table = ui.sync(() -> UiDriver.find(view, "dkim.table", Table.class));
        ui.await("the keys, readable by every user", WAIT, () -> table.getItemCount() == 2);
        int before = gateway.dkimKeysMade().size();
        ui.clickLater(ui.sync(() -> UiDriver.find(view, "dkim.new", Button.class)));
        Shell dialog = ui.awaitDialog("New DKIM key", WAIT);
        ui.run(() -> {
            UiDriver.find(dialog, "dkimkey.domain", Text.class).setText("acme.example");
            UiDriver.find(dialog, "dkimkey.selector", Text.class).setText("s2099");
        });
        ui.press(dialog, "Make key", WAIT);
        Shell failure = ui.awaitDialog("Making the DKIM key failed", WAIT);
        assertThat(ui.sync(() -> UiDriver.labels(failure))).contains("Not allowed for user 'viewer'")
                .contains("admin role");
        ui.press(failure, "OK", WAIT);
        assertThat(gateway.dkimKeysMade()).hasSize(before);
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
        assertThat(ui.sync(window::navigationTitles)).doesNotContain("Alerts (extra)").hasSize(VIEWS);
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
        return connect(url, user, password, "");
    }

    private String connect(String url, String user, String password, String pin) {
        Composite view = (Composite) ui.sync(() -> window.showView("connection"));
        ui.run(() -> {
            UiDriver.find(view, "connection.url", Text.class).setText(url);
            UiDriver.find(view, "connection.user", Text.class).setText(user);
            UiDriver.find(view, "connection.password", Text.class).setText(password);
            UiDriver.find(view, "connection.pin", Text.class).setText(pin);
        });
        Label result = ui.sync(() -> UiDriver.find(view, "connection.result", Label.class));
        ui.run(() -> result.setText(""));
        ui.clickLater(ui.sync(() -> UiDriver.find(view, "connection.connect", Button.class)));
        ui.await("a connection result", WAIT, () -> !result.getText().isEmpty()
                && !result.getText().startsWith("Connecting"));
        awaitIdle();
        return ui.sync(result::getText);
    }

    private Button trustButton(Composite connectionView) {
        return ui.sync(() -> UiDriver.find(connectionView, "connection.trust", Button.class));
    }

    private void disconnectInTheView(Composite connectionView) {
        ui.clickLater(ui.sync(() -> UiDriver.find(connectionView, "connection.disconnect", Button.class)));
        ui.await("disconnected", WAIT, () -> !client.isConnected());
        awaitIdle();
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

    /** Selects {@code item} in a read-only combo as a user does: the selection, then the Selection event. */
    private void pick(Combo combo, String item) {
        ui.run(() -> {
            combo.select(List.of(combo.getItems()).indexOf(item));
            combo.notifyListeners(SWT.Selection, new Event());
        });
    }

    /** The text on the clipboard, read on the UI thread. */
    private String clipboard() {
        return ui.sync(() -> {
            Clipboard c = new Clipboard(runtime.display());
            try {
                return (String) c.getContents(TextTransfer.getInstance());
            } finally {
                c.dispose();
            }
        });
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
