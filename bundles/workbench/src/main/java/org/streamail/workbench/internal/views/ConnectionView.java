package org.streamail.workbench.internal.views;

import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.swt.SWT;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Text;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.streamail.workbench.api.ViewContext;
import org.streamail.workbench.api.WorkbenchView;
import org.streamail.workbench.client.ConnectionSecurity;
import org.streamail.workbench.client.GatewayClient;
import org.streamail.workbench.client.GatewayException;
import org.streamail.workbench.client.Health;
import org.streamail.workbench.client.PresentedCertificate;

/**
 * Gateway URL, user, password and the gateway certificate's SHA-256 pin; connects with {@code GET /health} and says
 * clearly why it could not (host unreachable, login refused, not a Streamail URL, certificate not trusted). The
 * password goes from the widget to the client's in-memory copy and the widget is cleared; it is never stored.
 *
 * <p>The pin field starts with the configured pin ({@code gateway.certificate.sha256}) and applies to the next
 * Connect only (the client's {@link GatewayClient#connect(String, String, char[], ConnectionSecurity)}); it is never
 * written back to the configuration. When the gateway presents a certificate the client does not trust,
 * "Trust this certificate…" asks the administrator to compare its fingerprint with the gateway's and, only on
 * confirmation, pins it in the field and connects again. For that one retry the view keeps the password that was
 * typed (the handshake failed before anything was sent), in memory only and zeroed as soon as the offer goes:
 * confirmed, cancelled, URL or user edited, another Connect, Disconnect, or the view disposed.
 */
@Component(service = WorkbenchView.class, configurationPid = "org.streamail.workbench")
public final class ConnectionView implements WorkbenchView {

    private final String defaultUrl;
    private final String defaultUser;

    private ViewContext context;
    private Composite root;
    private Text url;
    private Text user;
    private Text password;
    private Text pin;
    private Button connect;
    private Button disconnect;
    private Label result;
    private Button trust;
    private Text details;
    /** The certificate "Trust this certificate…" offers to pin; {@code null} when the button is hidden. */
    private PresentedCertificate offered;
    /** The password of the attempt the offer would retry; see the class comment. Set by the worker thread. */
    private final AtomicReference<char[]> retryPassword = new AtomicReference<>();
    private volatile boolean disposed;

    /** Just the defaults the fields start with (the connection view reads the workbench's PID). */
    @interface Config {
        String gateway_url() default "http://127.0.0.1:8181";

        String gateway_user() default "admin";
    }

    @Activate
    public ConnectionView(Config config) {
        this(config.gateway_url(), config.gateway_user());
    }

    public ConnectionView(String defaultUrl, String defaultUser) {
        this.defaultUrl = defaultUrl;
        this.defaultUser = defaultUser;
    }

    @Override
    public String id() {
        return "connection";
    }

    @Override
    public String title() {
        return "Connection";
    }

    @Override
    public int order() {
        return 0;
    }

    @Override
    public Control createControl(Composite parent, ViewContext ctx) {
        this.context = ctx;
        Composite c = new Composite(parent, SWT.NONE);
        root = c;
        c.setLayout(new GridLayout(2, false));
        Label heading = new Label(c, SWT.NONE);
        heading.setText("Connect to a Streamail gateway (REST API under /streamail/api/v1)");
        heading.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false, 2, 1));
        url = Ui.labelledText(c, "Gateway URL", "connection.url", 0, SWT.NONE);
        url.setText(defaultUrl);
        user = Ui.labelledText(c, "User", "connection.user", 0, SWT.NONE);
        user.setText(defaultUser);
        password = Ui.labelledText(c, "Password", "connection.password", 0, SWT.PASSWORD);
        password.addListener(SWT.DefaultSelection, e -> connect());
        pin = Ui.labelledText(c, "Certificate SHA-256", "connection.pin", 0, SWT.NONE);
        pin.setText(ctx.gateway().security().pinnedFingerprint());
        pin.setMessage("empty: the JVM's trust store (https:// only)");
        pin.addListener(SWT.DefaultSelection, e -> connect());
        // the offer belongs to the attempt it would repeat
        url.addListener(SWT.Modify, e -> withdrawTrustOffer());
        user.addListener(SWT.Modify, e -> withdrawTrustOffer());

        Composite buttons = new Composite(c, SWT.NONE);
        buttons.setLayoutData(new GridData(SWT.LEFT, SWT.CENTER, false, false, 2, 1));
        buttons.setLayout(new GridLayout(2, true));
        connect = Ui.button(buttons, "Connect", "connection.connect", this::connect);
        disconnect = Ui.button(buttons, "Disconnect", "connection.disconnect", this::disconnect);

        Composite outcome = new Composite(c, SWT.NONE);
        outcome.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false, 2, 1));
        GridLayout ol = new GridLayout(2, false);
        ol.marginWidth = 0;
        ol.marginHeight = 0;
        outcome.setLayout(ol);
        result = Ui.name(new Label(outcome, SWT.WRAP), "connection.result");
        GridData rd = new GridData(SWT.FILL, SWT.CENTER, true, false);
        rd.widthHint = 600;
        result.setLayoutData(rd);
        trust = Ui.button(outcome, "Trust this certificate…", "connection.trust", this::trustOffered);
        trust.setLayoutData(new GridData(SWT.RIGHT, SWT.CENTER, false, false));
        showTrustButton(false);
        details = Ui.name(new Text(c, SWT.MULTI | SWT.READ_ONLY | SWT.BORDER | SWT.V_SCROLL | SWT.WRAP),
                "connection.details");
        details.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true, 2, 1));
        Label note = new Label(c, SWT.WRAP);
        note.setText("The password is kept in memory only, for this session, and overwritten on disconnect. "
                + "Certificate SHA-256: the fingerprint of the gateway's TLS certificate for https:// (as keytool "
                + "-list -v prints it); with it, exactly that certificate is trusted, without it the JVM's trust "
                + "store. It applies to the next Connect and is not saved: to make it permanent, set "
                + "gateway.certificate.sha256 in etc/org.streamail.workbench.cfg, or STREAMAIL_GATEWAY_CERT_SHA256 "
                + "for bin/streamail-workbench.");
        note.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false, 2, 1));
        updateButtons();
        return c;
    }

    private void connect() {
        if (!connect.isEnabled()) {
            return;
        }
        withdrawTrustOffer();
        ConnectionSecurity policy;
        try {
            // read exactly as the configuration is, before anything (even the password field) is touched
            policy = context.gateway().security().withPin(pin.getText());
        } catch (IllegalArgumentException e) {
            setResult(e.getMessage() + ". Nothing was sent.", true);
            details.setText("Paste the fingerprint the gateway's administrator reads on the gateway (keytool -list "
                    + "-v -keystore <its keystore>, the line SHA256: …), or empty the field to use the JVM's trust "
                    + "store.");
            return;
        }
        char[] secret = password.getTextChars();
        password.setText("");
        connectWith(policy, secret);
    }

    /** Connects with the URL and user in the fields; takes over {@code secret} (zeroes or keeps it for a retry). */
    private void connectWith(ConnectionSecurity policy, char[] secret) {
        String u = url.getText();
        String name = user.getText();
        GatewayClient gw = context.gateway();
        connect.setEnabled(false);
        setResult("Connecting to " + u + " …", false);
        context.run(result, "Connecting to the gateway", () -> {
            boolean kept = false;
            try {
                return gw.connect(u, name, secret, policy);
            } catch (GatewayException e) {
                if (trustable(e, policy) != null) {
                    // nothing was sent: keep the password for "Trust this certificate…" (see the class comment)
                    zero(retryPassword.getAndSet(secret));
                    kept = true;
                    if (disposed) {
                        zero(retryPassword.getAndSet(null));
                    }
                }
                throw e;
            } finally {
                if (!kept) {
                    Arrays.fill(secret, '\0');
                }
            }
        }, h -> connected(h, policy, u), e -> {
            String message = String.valueOf(e.getMessage());
            GatewayException.Kind kind = e instanceof GatewayException g ? g.kind() : null;
            if (kind == GatewayException.Kind.UNTRUSTED) {
                // the first line above, the certificate below in a text the administrator can copy the pin from
                int nl = message.indexOf('\n');
                setResult(nl < 0 ? message : message.substring(0, nl), true);
                PresentedCertificate cert = trustable(e, policy);
                if (cert != null && retryPassword.get() != null) {
                    offered = cert;
                    showTrustButton(true);
                    details.setText(message + "\n\nOr, after comparing, press \"Trust this certificate…\" to pin it "
                            + "for this session and connect again.");
                } else {
                    details.setText(message);
                }
            } else {
                setResult(message, true);
                details.setText(kind == GatewayException.Kind.UNAUTHORIZED
                        ? "Check the user name and password; accounts live in the gateway's Karaf JAAS realm."
                        : "");
            }
            updateButtons();
            context.fireConnectionChanged();
        });
    }

    /**
     * The refused certificate that pinning could make trusted: presented, within its dates, and not already the
     * pin that refused it (an expired or wrongly pinned certificate stays refused); else {@code null}.
     */
    private static PresentedCertificate trustable(Exception e, ConnectionSecurity policy) {
        if (!(e instanceof GatewayException g) || g.kind() != GatewayException.Kind.UNTRUSTED) {
            return null;
        }
        PresentedCertificate cert = g.untrustedCertificate().orElse(null);
        if (cert == null || !cert.validAt(Instant.now())
                || cert.sha256Fingerprint().equals(policy.pinnedFingerprint())) {
            return null;
        }
        return cert;
    }

    /** Asks to compare the offered certificate; only on confirmation pins it in the field and connects again. */
    private void trustOffered() {
        PresentedCertificate cert = offered;
        if (cert == null) {
            return;
        }
        // Cancel is the default button: Enter alone must never trust a certificate
        MessageDialog ask = new MessageDialog(trust.getShell(), "Trust this certificate?", null,
                "Trust this certificate only if its SHA-256 fingerprint is exactly the one the gateway's administrator "
                        + "reads on the gateway (keytool -list -v -keystore <the gateway's keystore>, the line "
                        + "SHA256: …). Compare all of it: anyone between you and the gateway can present a "
                        + "certificate with the same subject and dates.\n\n"
                        + cert.describe() + "\n\nRefused because " + cert.refusal() + ".\n\n"
                        + "Trusting it puts its fingerprint in Certificate SHA-256 and connects to " + url.getText()
                        + " again. It applies to this session only; to make it permanent, set "
                        + "gateway.certificate.sha256 in etc/org.streamail.workbench.cfg (or "
                        + "STREAMAIL_GATEWAY_CERT_SHA256 for bin/streamail-workbench).",
                MessageDialog.WARNING, 1, "Trust and connect", "Cancel");
        int choice = ask.open();
        if (trust.isDisposed()) {
            return;
        }
        char[] secret = retryPassword.getAndSet(null);
        withdrawTrustOffer();
        if (choice != 0) {
            zero(secret);
            setResult("The certificate was not trusted; nothing was sent. Compare its fingerprint with the gateway's, "
                    + "then pin it in Certificate SHA-256 (or connect again and trust it).", true);
            return;
        }
        pin.setText(cert.sha256Fingerprint());
        ConnectionSecurity policy = context.gateway().security().withPin(cert.sha256Fingerprint());
        if (secret == null) {
            setResult("Pinned " + cert.sha256Fingerprint() + " for this session: type the password and press "
                    + "Connect.", false);
            password.setFocus();
            return;
        }
        connectWith(policy, secret);
    }

    /** Hides "Trust this certificate…" and zeroes the password kept for it. */
    private void withdrawTrustOffer() {
        offered = null;
        zero(retryPassword.getAndSet(null));
        if (trust != null && !trust.isDisposed() && trust.getVisible()) {
            showTrustButton(false);
        }
    }

    private void showTrustButton(boolean show) {
        trust.setVisible(show);
        ((GridData) trust.getLayoutData()).exclude = !show;
        root.layout(true, true);
    }

    private static void zero(char[] secret) {
        if (secret != null) {
            Arrays.fill(secret, '\0');
        }
    }

    private void connected(Health h, ConnectionSecurity policy, String connectedUrl) {
        setResult("Connected as " + context.gateway().user() + ". Gateway " + h.status()
                + (h.ready() ? " and accepting mail." : ", NOT accepting mail: " + h.unavailableReason()), !h.ready());
        String pinned = policy.pinnedFingerprint();
        boolean tls = connectedUrl.strip().regionMatches(true, 0, "https:", 0, 6);
        details.setText(describe(h) + (pinned.isEmpty() || !tls
                ? "" : "\nCertificate pinned: " + pinned
                        + (pinned.equals(context.gateway().security().pinnedFingerprint()) ? " (configured)"
                                : " (this session only: to keep it, set gateway.certificate.sha256 or "
                                        + "STREAMAIL_GATEWAY_CERT_SHA256)") + "\n"));
        updateButtons();
        context.fireConnectionChanged();
        context.showStatus("Connected to " + context.gateway().apiBase(), false);
    }

    static String describe(Health h) {
        StringBuilder b = new StringBuilder();
        b.append("Status: ").append(h.status()).append(h.ready() ? " (ready)" : " (not ready)").append('\n');
        if (!h.unavailableReason().isEmpty()) {
            b.append("Why not ready: ").append(h.unavailableReason()).append('\n');
        }
        b.append("Started: ").append(Ui.time(h.startedAt())).append('\n');
        b.append("Detectors: ").append(Ui.join(h.detectors())).append('\n');
        b.append("Mandatory: ").append(Ui.join(h.mandatory())).append('\n');
        b.append("Spooled: ").append(h.spooled()).append("   Deferred: ").append(h.deferred()).append('\n');
        h.counters().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                .forEach(e -> b.append("  ").append(e.getKey()).append(" = ").append(e.getValue()).append('\n'));
        return b.toString();
    }

    private void disconnect() {
        withdrawTrustOffer();
        context.gateway().disconnect();
        setResult("Disconnected; the password was cleared from memory.", false);
        details.setText("");
        updateButtons();
        context.fireConnectionChanged();
    }

    @Override
    public void dispose() {
        disposed = true;
        offered = null;
        zero(retryPassword.getAndSet(null));
    }

    private void setResult(String text, boolean error) {
        result.setText(text);
        result.setForeground(error ? result.getDisplay().getSystemColor(SWT.COLOR_DARK_RED) : null);
        root.layout(true, true); // the result may take more lines, in a row of its own

    }

    private void updateButtons() {
        boolean on = context.gateway().isConnected();
        connect.setEnabled(true);
        disconnect.setEnabled(on);
    }
}
