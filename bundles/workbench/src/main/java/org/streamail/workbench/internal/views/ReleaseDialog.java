package org.streamail.workbench.internal.views;

import java.util.List;
import java.util.Optional;
import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.swt.SWT;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Combo;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Shell;

/**
 * The Release… confirmation for a message still held for more than one recipient: the same question as for one
 * (title "Release message", buttons Release and Cancel), with a choice under it between all of them (the
 * default) and one, picked from the recipients not released yet. The choice is read when a button is pressed,
 * since the widgets are gone after closing. UI thread only.
 */
final class ReleaseDialog extends MessageDialog {

    static final String TITLE = "Release message";

    private final List<String> heldFor;
    private Button all;
    private Button one;
    private Combo recipient;
    private String chosen;

    /** @param heldFor the recipients the message is still held for (at least two), as the gateway spells them */
    ReleaseDialog(Shell parent, String message, List<String> heldFor) {
        super(parent, TITLE, null, message, MessageDialog.CONFIRM, 0, "Release", "Cancel");
        this.heldFor = List.copyOf(heldFor);
    }

    @Override
    protected Control createCustomArea(Composite parent) {
        Composite choice = new Composite(parent, SWT.NONE);
        choice.setLayoutData(new GridData(SWT.FILL, SWT.TOP, true, false));
        choice.setLayout(new GridLayout(2, false));
        all = Ui.name(new Button(choice, SWT.RADIO), "quarantine.release.all");
        all.setText("To all " + heldFor.size() + " recipients it is held for");
        all.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false, 2, 1));
        all.setSelection(true);
        one = Ui.name(new Button(choice, SWT.RADIO), "quarantine.release.one");
        one.setText("Only to");
        recipient = Ui.name(new Combo(choice, SWT.READ_ONLY), "quarantine.release.recipient");
        // an envelope address is the sender's text: shown, not obeyed; the index maps back to the real one
        recipient.setItems(heldFor.stream().map(Visible::cell).toArray(String[]::new));
        recipient.select(0);
        recipient.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        recipient.setEnabled(false);
        all.addListener(SWT.Selection, e -> recipient.setEnabled(one.getSelection()));
        one.addListener(SWT.Selection, e -> recipient.setEnabled(one.getSelection()));
        return choice;
    }

    @Override
    protected void buttonPressed(int buttonId) {
        int picked = recipient.getSelectionIndex();
        chosen = buttonId == 0 && one.getSelection() && picked >= 0 ? heldFor.get(picked) : null;
        super.buttonPressed(buttonId);
    }

    /** After {@link #open()} returned 0 (Release): the one recipient chosen, or empty for all of them. */
    Optional<String> recipient() {
        return Optional.ofNullable(chosen);
    }
}
