package org.streamail.workbench.internal.views;

import org.eclipse.jface.dialogs.Dialog;
import org.eclipse.jface.dialogs.IDialogConstants;
import org.eclipse.swt.SWT;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Text;
import org.streamail.workbench.client.NewDkimKey;
import org.streamail.workbench.client.ScreenText;

/**
 * What the gateway answered for a new DKIM key: the file it wrote, the DNS record to publish and the {@code keys}
 * line to configure afterwards, each in a selectable field with a button that copies it. UI thread only.
 */
final class NewDkimKeyDialog extends Dialog {

    static final String TITLE = "DKIM key made";

    private final NewDkimKey key;

    NewDkimKeyDialog(Shell parent, NewDkimKey key) {
        super(parent);
        this.key = key;
    }

    @Override
    protected void configureShell(Shell shell) {
        super.configureShell(shell);
        shell.setText(TITLE);
    }

    @Override
    protected boolean isResizable() {
        return true;
    }

    @Override
    protected Control createDialogArea(Composite parent) {
        Composite area = (Composite) super.createDialogArea(parent);
        Composite form = new Composite(area, SWT.NONE);
        form.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));
        form.setLayout(new GridLayout(2, false));

        line(form, "The gateway wrote " + Visible.cell(key.file()) + " (" + Visible.cell(key.signatureAlgorithm())
                + ", " + key.bits() + " bits, mode 600) for " + Visible.cell(key.domain()) + ", selector "
                + Visible.cell(key.selector()) + ".");
        line(form, "1. Publish this DNS record (TXT at " + Visible.cell(key.record().name()) + "). Until it is "
                + "published, receivers cannot verify signatures made with this key:");
        Text record = field(form, "dkimnew.record", key.record().zoneLine(), 150);
        Ui.button(form, "Copy record", "dkimnew.copyRecord", () -> Ui.copy(getShell().getDisplay(),
                key.record().zoneLine())).setLayoutData(new GridData(SWT.LEFT, SWT.TOP, false, false));
        record.setFocus();

        line(form, "2. Then add the key to etc/org.streamail.dkim.sign.cfg (and set enabled = true):"
                + (key.replaces().isEmpty() ? "" : " it replaces the key of " + Visible.cell(key.domain())
                        + " with selector " + Visible.cell(key.replaces()) + ": change it once the new record is "
                        + "published, and keep the old record a few days for mail still on its way."));
        String keysLine = "keys = " + key.keys();
        field(form, "dkimnew.keys", keysLine, 60);
        Ui.button(form, "Copy keys line", "dkimnew.copyKeys", () -> Ui.copy(getShell().getDisplay(), keysLine))
                .setLayoutData(new GridData(SWT.LEFT, SWT.TOP, false, false));
        return area;
    }

    /** A wrapped line of explanation across both columns. */
    private static void line(Composite form, String text) {
        Label l = new Label(form, SWT.WRAP);
        l.setText(text);
        GridData gd = new GridData(SWT.FILL, SWT.TOP, true, false, 2, 1);
        gd.widthHint = 640;
        l.setLayoutData(gd);
    }

    /** A read-only, selectable, wrapped field: the administrator may copy part of it by hand too. */
    private static Text field(Composite form, String name, String value, int heightHint) {
        Text t = Ui.name(new Text(form, SWT.BORDER | SWT.MULTI | SWT.READ_ONLY | SWT.WRAP | SWT.V_SCROLL), name);
        t.setText(ScreenText.shown(value)); // one value, however long: no line break or bidi control acts
        GridData gd = new GridData(SWT.FILL, SWT.FILL, true, true);
        gd.widthHint = 540;
        gd.heightHint = heightHint;
        t.setLayoutData(gd);
        return t;
    }

    @Override
    protected void createButtonsForButtonBar(Composite parent) {
        createButton(parent, IDialogConstants.OK_ID, IDialogConstants.CLOSE_LABEL, true);
    }
}
