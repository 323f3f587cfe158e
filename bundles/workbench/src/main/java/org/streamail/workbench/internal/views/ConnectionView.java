package org.streamail.workbench.internal.views;

import java.util.Arrays;
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
import org.streamail.workbench.client.GatewayException;
import org.streamail.workbench.client.Health;

/**
 * Gateway URL, user and password; connects with {@code GET /health} and says clearly why it could not (host
 * unreachable, login refused, not a Streamail URL). The password goes from the widget to the client's
 * in-memory copy and the widget is cleared; it is never stored.
 */
@Component(service = WorkbenchView.class, configurationPid = "org.streamail.workbench")
public final class ConnectionView implements WorkbenchView {

    private final String defaultUrl;
    private final String defaultUser;

    private ViewContext context;
    private Text url;
    private Text user;
    private Text password;
    private Button connect;
    private Button disconnect;
    private Label result;
    private Text details;

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

        Composite buttons = new Composite(c, SWT.NONE);
        buttons.setLayoutData(new GridData(SWT.LEFT, SWT.CENTER, false, false, 2, 1));
        buttons.setLayout(new GridLayout(2, true));
        connect = Ui.button(buttons, "Connect", "connection.connect", this::connect);
        disconnect = Ui.button(buttons, "Disconnect", "connection.disconnect", this::disconnect);

        result = Ui.name(new Label(c, SWT.WRAP), "connection.result");
        GridData rd = new GridData(SWT.FILL, SWT.CENTER, true, false, 2, 1);
        rd.widthHint = 600;
        result.setLayoutData(rd);
        details = Ui.name(new Text(c, SWT.MULTI | SWT.READ_ONLY | SWT.BORDER | SWT.V_SCROLL | SWT.WRAP),
                "connection.details");
        details.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true, 2, 1));
        Label note = new Label(c, SWT.WRAP);
        note.setText("The password is kept in memory only, for this session, and overwritten on disconnect.");
        note.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false, 2, 1));
        updateButtons();
        return c;
    }

    private void connect() {
        if (!connect.isEnabled()) {
            return;
        }
        String u = url.getText();
        String name = user.getText();
        char[] secret = password.getTextChars();
        password.setText("");
        connect.setEnabled(false);
        setResult("Connecting to " + u + " …", false);
        context.run(result, "Connecting to the gateway", () -> {
            try {
                return context.gateway().connect(u, name, secret);
            } finally {
                Arrays.fill(secret, '\0');
            }
        }, this::connected, e -> {
            String message = String.valueOf(e.getMessage());
            GatewayException.Kind kind = e instanceof GatewayException g ? g.kind() : null;
            if (kind == GatewayException.Kind.UNTRUSTED) {
                // the first line above, the certificate below in a text the administrator can copy the pin from
                int nl = message.indexOf('\n');
                setResult(nl < 0 ? message : message.substring(0, nl), true);
                details.setText(message);
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

    private void connected(Health h) {
        setResult("Connected as " + context.gateway().user() + ". Gateway " + h.status()
                + (h.ready() ? " and accepting mail." : ", NOT accepting mail: " + h.unavailableReason()), !h.ready());
        details.setText(describe(h));
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
        context.gateway().disconnect();
        setResult("Disconnected; the password was cleared from memory.", false);
        details.setText("");
        updateButtons();
        context.fireConnectionChanged();
    }

    private void setResult(String text, boolean error) {
        result.setText(text);
        result.setForeground(error ? result.getDisplay().getSystemColor(SWT.COLOR_DARK_RED) : null);
        result.getParent().layout();
    }

    private void updateButtons() {
        boolean on = context.gateway().isConnected();
        connect.setEnabled(true);
        disconnect.setEnabled(on);
    }
}
