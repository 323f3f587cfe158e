package org.streamail.workbench.internal.views;

import org.eclipse.jface.dialogs.Dialog;
import org.eclipse.jface.dialogs.IDialogConstants;
import org.eclipse.swt.SWT;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Combo;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Text;

/**
 * A modal form whose OK button stays disabled while {@link #validate()} finds a problem, which a line under
 * the fields states; so nothing invalid is ever sent to the gateway. Subclasses add fields in
 * {@link #createFields} and copy the values out in {@link #collect()} (the widgets are gone after closing).
 * UI thread only.
 */
abstract class FormDialog extends Dialog {

    private final String title;
    private final String okLabel;
    private Label error;

    FormDialog(Shell parent, String title, String okLabel) {
        super(parent);
        this.title = title;
        this.okLabel = okLabel;
    }

    /** Adds the fields to {@code form}, a two-column grid (label, field). */
    protected abstract void createFields(Composite form);

    /** The first problem with the input, for the user; {@code null} when it can be sent. */
    protected abstract String validate();

    /** Copies the valid input into fields of the dialog; called just before it closes with OK. */
    protected abstract void collect();

    @Override
    protected void configureShell(Shell shell) {
        super.configureShell(shell);
        shell.setText(title);
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
        createFields(form);
        error = Ui.name(new Label(form, SWT.WRAP), "dialog.error");
        GridData ed = new GridData(SWT.FILL, SWT.TOP, true, false, 2, 1);
        ed.widthHint = 420;
        error.setLayoutData(ed);
        error.setForeground(parent.getDisplay().getSystemColor(SWT.COLOR_DARK_RED));
        return area;
    }

    @Override
    protected void createButtonsForButtonBar(Composite parent) {
        createButton(parent, IDialogConstants.OK_ID, okLabel, true);
        createButton(parent, IDialogConstants.CANCEL_ID, IDialogConstants.CANCEL_LABEL, false);
        revalidate();
    }

    /** Re-checks the input; call on every change of a field. */
    protected final void revalidate() {
        Button ok = getButton(IDialogConstants.OK_ID);
        if (ok == null || error == null) {
            return; // still being built
        }
        String problem = validate();
        error.setText(problem == null ? "" : problem);
        ok.setEnabled(problem == null);
    }

    @Override
    protected void okPressed() {
        if (validate() != null) {
            revalidate();
            return;
        }
        collect();
        super.okPressed();
    }

    protected final Text text(Composite form, String label, String name, String initial, int widthHint) {
        new Label(form, SWT.NONE).setText(label);
        Text t = Ui.name(new Text(form, SWT.BORDER | SWT.SINGLE), name);
        GridData gd = new GridData(SWT.FILL, SWT.CENTER, true, false);
        gd.widthHint = widthHint;
        t.setLayoutData(gd);
        t.setText(initial == null ? "" : initial);
        t.addListener(SWT.Modify, e -> revalidate());
        return t;
    }

    /** An editable combo: pick a suggestion or type. */
    protected final Combo combo(Composite form, String label, String name, String[] items, int style) {
        new Label(form, SWT.NONE).setText(label);
        Combo c = Ui.name(new Combo(form, SWT.BORDER | style), name);
        c.setItems(items);
        c.select(0);
        c.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        c.addListener(SWT.Modify, e -> revalidate());
        c.addListener(SWT.Selection, e -> revalidate());
        return c;
    }

    /** A hint line under the fields, spanning both columns. */
    protected final void hint(Composite form, String text) {
        Label l = new Label(form, SWT.WRAP);
        l.setText(text);
        GridData gd = new GridData(SWT.FILL, SWT.TOP, true, false, 2, 1);
        gd.widthHint = 420;
        l.setLayoutData(gd);
    }
}
