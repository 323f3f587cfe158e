package org.streamail.workbench.internal.views;

import java.util.regex.Pattern;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Combo;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Text;
import org.streamail.workbench.client.GatewayClient;

/**
 * "New DKIM key": domain, selector, algorithm and (for RSA) size. Checks the form of the domain and the selector so
 * that an obvious typo never reaches the gateway, which checks the rest (a public suffix, a file that exists). UI
 * thread only.
 */
final class DkimKeyDialog extends FormDialog {

    static final String TITLE = "New DKIM key";
    /** Labels of letters, digits and hyphens (a Unicode domain too: the gateway converts it), dots between them. */
    private static final Pattern DOMAIN = Pattern.compile("[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]*[\\p{L}\\p{N}])?"
            + "(?:\\.[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]*[\\p{L}\\p{N}])?)+");
    /** What DNS allows in a selector: letters, digits, hyphens and underscores, dots between labels (RFC 6376). */
    private static final Pattern SELECTOR = Pattern.compile("[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?"
            + "(?:\\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)*");

    private final String initialDomain;
    private final String initialSelector;
    private Text domainField;
    private Text selectorField;
    private Combo algorithmField;
    private Combo bitsField;

    private String domain;
    private String selector;
    private String algorithm;
    private int bits;

    DkimKeyDialog(Shell parent, String initialDomain, String initialSelector) {
        super(parent, TITLE, "Make key");
        this.initialDomain = initialDomain;
        this.initialSelector = initialSelector;
    }

    @Override
    protected void createFields(Composite form) {
        domainField = text(form, "Domain", "dkimkey.domain", initialDomain, 300);
        selectorField = text(form, "Selector", "dkimkey.selector", initialSelector, 300);
        algorithmField = combo(form, "Algorithm", "dkimkey.algorithm",
                GatewayClient.DKIM_ALGORITHMS.toArray(String[]::new), SWT.READ_ONLY);
        bitsField = combo(form, "RSA key size (bits)", "dkimkey.bits",
                GatewayClient.DKIM_RSA_BITS.stream().map(String::valueOf).toArray(String[]::new), SWT.READ_ONLY);
        algorithmField.addListener(SWT.Selection, e -> bitsField.setEnabled(rsa()));
        hint(form, "The gateway writes the private key to etc/dkim/<domain>.<selector>.pem (mode 600) and never "
                + "replaces a file. Publish the DNS record it shows, then add the key to keys in "
                + "etc/org.streamail.dkim.sign.cfg. Ed25519 is not yet verified by every receiver: keep signing with "
                + "RSA.");
    }

    private boolean rsa() {
        return algorithmField.getText().equals("RSA");
    }

    @Override
    protected String validate() {
        String d = domainField.getText().strip();
        if (d.isEmpty()) {
            return "Enter the domain the key signs for (the From domain, or a parent of it), e.g. example.org.";
        }
        if (!fits(d) || !DOMAIN.matcher(d).matches()) {
            return "'" + Visible.cell(abbrev(d)) + "' is not a domain name such as example.org.";
        }
        String s = selectorField.getText().strip();
        if (s.isEmpty()) {
            return "Enter the selector to publish the key under, e.g. s2026.";
        }
        if (!fits(s) || !SELECTOR.matcher(s).matches()) {
            return "'" + Visible.cell(abbrev(s)) + "' is not a selector: letters, digits, hyphens and underscores, "
                    + "dots between labels of at most 63 characters.";
        }
        return null;
    }

    /** Within DNS's bounds: at most 253 characters, labels of at most 63. */
    private static boolean fits(String name) {
        if (name.length() > GatewayClient.MAX_DKIM_NAME_LENGTH) {
            return false;
        }
        for (String label : name.split("\\.")) {
            if (label.length() > 63) {
                return false;
            }
        }
        return true;
    }

    private static String abbrev(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }

    @Override
    protected void collect() {
        domain = domainField.getText().strip();
        selector = selectorField.getText().strip();
        algorithm = algorithmField.getText();
        bits = rsa() ? Integer.parseInt(bitsField.getText()) : 0;
    }

    String domain() {
        return domain;
    }

    String selector() {
        return selector;
    }

    /** {@code RSA} or {@code ED25519}. */
    String algorithm() {
        return algorithm;
    }

    /** The RSA size; 0 for Ed25519. */
    int bits() {
        return bits;
    }
}
