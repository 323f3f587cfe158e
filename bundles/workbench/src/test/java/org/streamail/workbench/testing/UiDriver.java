package org.streamail.workbench.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.GC;
import org.eclipse.swt.graphics.Image;
import org.eclipse.swt.graphics.ImageData;
import org.eclipse.swt.graphics.ImageLoader;
import org.eclipse.swt.graphics.Point;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Event;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Widget;

/**
 * Drives SWT widgets from a test thread: every widget access is marshalled to the UI thread with
 * {@code syncExec}, clicks are delivered as real {@code SWT.Selection} events, waits poll with a deadline.
 */
public final class UiDriver {

    private final Display display;

    public UiDriver(Display display) {
        this.display = display;
    }

    public <T> T sync(Supplier<T> s) {
        AtomicReference<T> out = new AtomicReference<>();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        display.syncExec(() -> {
            try {
                out.set(s.get());
            } catch (RuntimeException e) {
                failure.set(e);
            }
        });
        if (failure.get() != null) {
            throw failure.get();
        }
        return out.get();
    }

    public void run(Runnable r) {
        sync(() -> {
            r.run();
            return null;
        });
    }

    /** Waits until {@code condition} (evaluated on the UI thread) holds. */
    public void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!sync(condition::getAsBoolean)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    /** The widget named {@code name} (widget data {@code streamail.name}) under {@code root}, or fails. */
    public static <T extends Widget> T find(Composite root, String name, Class<T> type) {
        T found = findOrNull(root, name, type);
        if (found == null) {
            throw new AssertionError("no " + type.getSimpleName() + " named " + name);
        }
        return found;
    }

    private static <T extends Widget> T findOrNull(Composite root, String name, Class<T> type) {
        for (Control c : root.getChildren()) {
            if (name.equals(c.getData("streamail.name")) && type.isInstance(c)) {
                return type.cast(c);
            }
            if (c instanceof Composite comp) {
                T t = findOrNull(comp, name, type);
                if (t != null) {
                    return t;
                }
            }
        }
        return null;
    }

    /** A button by its label, under {@code root}. */
    public static Button button(Composite root, String label) {
        for (Control c : root.getChildren()) {
            if (c instanceof Button b && b.getText().replace("&", "").equals(label)) {
                return b;
            }
            if (c instanceof Composite comp) {
                Button b = button(comp, label);
                if (b != null) {
                    return b;
                }
            }
        }
        return null;
    }

    /** Clicks a button as a user would: a Selection event on the UI thread. Returns at once. */
    public void clickLater(Button b) {
        display.asyncExec(() -> {
            if (!b.isDisposed()) {
                Event e = new Event();
                e.widget = b;
                b.notifyListeners(SWT.Selection, e);
            }
        });
    }

    /** Waits for a visible dialog shell titled {@code title} and returns it. */
    public Shell awaitDialog(String title, Duration timeout) {
        AtomicReference<Shell> dialog = new AtomicReference<>();
        await("dialog \"" + title + "\"", timeout, () -> {
            for (Shell s : display.getShells()) {
                if (!s.isDisposed() && title.equals(s.getText()) && s.isVisible()) {
                    dialog.set(s);
                    return true;
                }
            }
            return false;
        });
        return dialog.get();
    }

    /** Presses the button {@code label} of an open dialog and waits for the dialog to close. */
    public void press(Shell dialog, String label, Duration timeout) {
        Button b = sync(() -> button(dialog, label));
        if (b == null) {
            throw new AssertionError("dialog \"" + sync(dialog::getText) + "\" has no button " + label);
        }
        if (!sync(b::isEnabled)) {
            throw new AssertionError("button " + label + " of dialog \"" + sync(dialog::getText) + "\" is disabled");
        }
        clickLater(b);
        await("the dialog to close", timeout, dialog::isDisposed);
    }

    /** Waits for a dialog shell titled {@code title} and presses its button {@code label}. */
    public void answerDialog(String title, String label, Duration timeout) {
        press(awaitDialog(title, timeout), label, timeout);
    }

    /** The text of every label under {@code root}, joined by newlines (dialog messages live in labels). */
    public static String labels(Composite root) {
        StringBuilder b = new StringBuilder();
        for (Control c : root.getChildren()) {
            if (c instanceof org.eclipse.swt.widgets.Label l) {
                b.append(l.getText()).append('\n');
            } else if (c instanceof Composite comp) {
                b.append(labels(comp));
            }
        }
        return b.toString();
    }

    /**
     * Writes a PNG of {@code shell} to {@code file} and returns the number of distinct colours in it (a blank
     * or black capture has one or two).
     */
    public int screenshot(Shell shell, Path file) throws java.io.IOException {
        Files.createDirectories(file.getParent());
        ImageData data = sync(() -> {
            shell.layout(true, true);
            shell.redraw();
            shell.update();
            while (display.readAndDispatch()) {
                // flush pending paints so the capture shows the current state
            }
            Point size = shell.getSize();
            Image image = new Image(display, size.x, size.y);
            try {
                GC gc = new GC(shell);
                try {
                    gc.copyArea(image, 0, 0);
                } finally {
                    gc.dispose();
                }
                ImageData d = image.getImageData();
                if (colours(d) < 8) {
                    // some X servers give nothing for copyArea of an unmapped region: let the widgets paint
                    GC igc = new GC(image);
                    try {
                        shell.print(igc);
                    } finally {
                        igc.dispose();
                    }
                    d = image.getImageData();
                }
                return d;
            } finally {
                image.dispose();
            }
        });
        ImageLoader loader = new ImageLoader();
        loader.data = new ImageData[] {data};
        loader.save(file.toString(), SWT.IMAGE_PNG);
        return colours(data);
    }

    public static int colours(ImageData d) {
        Set<Integer> seen = new HashSet<>();
        for (int y = 0; y < d.height; y += 2) {
            for (int x = 0; x < d.width; x += 2) {
                seen.add(d.getPixel(x, y));
                if (seen.size() > 4096) {
                    return seen.size();
                }
            }
        }
        return seen.size();
    }
}
