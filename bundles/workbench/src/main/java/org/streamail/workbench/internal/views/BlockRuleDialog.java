package org.streamail.workbench.internal.views;

import java.time.Duration;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Combo;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Text;
import org.streamail.workbench.client.BlockRule;
import org.streamail.workbench.client.GatewayClient;

/**
 * "Add block rule": type, value, reason, expiry. Checks the value's form for the types where the workbench
 * can (an IP or CIDR block, an address, a SHA-256); the gateway checks the rest. UI thread only.
 */
final class BlockRuleDialog extends FormDialog {

    static final String NEVER = "never";
    static final String[] EXPIRIES = {"24h", "7d", "30d", NEVER};

    private Combo typeField;
    private Text valueField;
    private Text reasonField;
    private Combo expiresField;

    private String type;
    private String value;
    private String reason;
    private Duration expires;

    BlockRuleDialog(Shell parent) {
        super(parent, "Add block rule", "Add");
    }

    @Override
    protected void createFields(Composite form) {
        typeField = combo(form, "Type", "blockrule.type", BlockRule.TYPES.toArray(String[]::new), SWT.READ_ONLY);
        valueField = text(form, "Value", "blockrule.value", "", 300);
        reasonField = text(form, "Reason", "blockrule.reason", "", 300);
        expiresField = combo(form, "Expires after", "blockrule.expires", EXPIRIES, SWT.DROP_DOWN);
        hint(form, "SENDER: an address; SENDER_DOMAIN, HELO, URL_DOMAIN: a domain (parents match too); CLIENT_IP: an "
                + "address or CIDR block; ATTACHMENT_HASH: a SHA-256 in hex.");
    }

    @Override
    protected String validate() {
        String t = typeField.getText();
        String v = valueField.getText().strip();
        if (v.isEmpty()) {
            return "Enter the value to block.";
        }
        if (v.length() > 512 || v.chars().anyMatch(Character::isISOControl)) {
            return "The value must be at most 512 characters without control characters.";
        }
        switch (t) {
            case "SENDER" -> {
                if (v.indexOf('@') <= 0 || v.indexOf('@') == v.length() - 1 || v.contains(" ")) {
                    return "A SENDER rule needs an address such as spammer@example.com.";
                }
            }
            case "SENDER_DOMAIN", "HELO", "URL_DOMAIN" -> {
                if (v.contains("@") || v.contains(" ") || v.contains("/")) {
                    return "A " + t + " rule needs a domain name such as example.com.";
                }
            }
            case "CLIENT_IP" -> {
                int slash = v.indexOf('/');
                String ip = slash < 0 ? v : v.substring(0, slash);
                if (!GatewayClient.isIpLiteral(ip) || (slash >= 0 && !v.substring(slash + 1).matches("\\d{1,3}"))) {
                    return "A CLIENT_IP rule needs an IP address or a CIDR block such as 203.0.113.0/24.";
                }
            }
            case "ATTACHMENT_HASH" -> {
                if (!v.matches("[0-9A-Fa-f]{64}")) {
                    return "An ATTACHMENT_HASH rule needs a SHA-256: 64 hexadecimal digits.";
                }
            }
            default -> {
                return "Choose a rule type.";
            }
        }
        if (reasonField.getText().strip().length() > GatewayClient.MAX_REASON_LENGTH) {
            return "The reason must be at most " + GatewayClient.MAX_REASON_LENGTH + " characters.";
        }
        String e = expiresField.getText().strip();
        if (!e.isEmpty() && !e.equals(NEVER)) {
            try {
                Durations.parse(e);
            } catch (IllegalArgumentException ex) {
                return ex.getMessage();
            }
        }
        return null;
    }

    @Override
    protected void collect() {
        type = typeField.getText();
        value = valueField.getText().strip();
        reason = reasonField.getText().strip();
        String e = expiresField.getText().strip();
        expires = e.isEmpty() || e.equals(NEVER) ? null : Durations.parse(e);
    }

    String type() {
        return type;
    }

    String value() {
        return value;
    }

    String reason() {
        return reason;
    }

    /** {@code null}: never. */
    Duration expires() {
        return expires;
    }
}
