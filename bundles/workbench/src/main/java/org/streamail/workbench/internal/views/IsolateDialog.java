package org.streamail.workbench.internal.views;

import java.time.Duration;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Combo;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Text;
import org.streamail.workbench.client.GatewayClient;

/**
 * "Isolate host": IP address, reason, isolation time. The address must be an IPv4/IPv6 literal, the reason
 * non-empty (at most 500 characters), the time empty ("gateway default") or a duration up to a year.
 * UI thread only.
 */
final class IsolateDialog extends FormDialog {

    static final String DEFAULT_TTL = "gateway default";
    static final String[] TTLS = {"4h", "1h", "24h", "7d", DEFAULT_TTL};

    private final String initialIp;
    private final String initialReason;
    private Text ipField;
    private Text reasonField;
    private Combo ttlField;

    private String ip;
    private String reason;
    private Duration ttl;

    IsolateDialog(Shell parent, String initialIp, String initialReason) {
        super(parent, "Isolate host", "Isolate");
        this.initialIp = initialIp;
        this.initialReason = initialReason;
    }

    @Override
    protected void createFields(Composite form) {
        ipField = text(form, "IP address", "isolate.ip", initialIp, 260);
        reasonField = text(form, "Reason", "isolate.reason", initialReason, 260);
        ttlField = combo(form, "Isolate for", "isolate.ttl", TTLS, SWT.DROP_DOWN);
        hint(form, "The gateway's enforcers cut the host off the network until the time runs out or you release "
                + "it. Durations: 30m, 4h, 7d or ISO-8601 (PT4H). Allow-listed hosts are refused.");
    }

    @Override
    protected String validate() {
        String a = ipField.getText().strip();
        if (a.isEmpty()) {
            return "Enter the IP address of the host to isolate.";
        }
        if (!GatewayClient.isIpLiteral(a)) {
            return "'" + abbrev(a) + "' is not an IPv4 or IPv6 address.";
        }
        String r = reasonField.getText().strip();
        if (r.isEmpty()) {
            return "Enter a reason: it is kept in the audit and shown to whoever releases the host.";
        }
        if (r.length() > GatewayClient.MAX_REASON_LENGTH) {
            return "The reason is " + r.length() + " characters; at most " + GatewayClient.MAX_REASON_LENGTH + ".";
        }
        String t = ttlField.getText().strip();
        if (!t.isEmpty() && !t.equals(DEFAULT_TTL)) {
            try {
                Durations.parse(t);
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
        }
        return null;
    }

    @Override
    protected void collect() {
        ip = ipField.getText().strip();
        reason = reasonField.getText().strip();
        String t = ttlField.getText().strip();
        ttl = t.isEmpty() || t.equals(DEFAULT_TTL) ? null : Durations.parse(t);
    }

    String ip() {
        return ip;
    }

    String reason() {
        return reason;
    }

    /** {@code null}: the gateway's default. */
    Duration ttl() {
        return ttl;
    }

    private static String abbrev(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }
}
