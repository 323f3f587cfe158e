package org.streamail.workbench.internal.views;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.eclipse.jface.viewers.ColumnLabelProvider;
import org.eclipse.jface.viewers.TableViewer;
import org.eclipse.jface.viewers.TableViewerColumn;
import org.eclipse.jface.viewers.Viewer;
import org.eclipse.jface.viewers.ViewerComparator;
import org.eclipse.swt.SWT;
import org.eclipse.swt.dnd.Clipboard;
import org.eclipse.swt.dnd.TextTransfer;
import org.eclipse.swt.dnd.Transfer;
import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Table;
import org.eclipse.swt.widgets.TableColumn;
import org.eclipse.swt.widgets.Text;
import org.eclipse.swt.widgets.Widget;
import org.streamail.workbench.client.ScreenText;

/** Small widget helpers shared by the built-in views. UI thread only. */
final class Ui {

    /** Key of the widget data naming a widget, so tests (and accessibility tools) can find it. */
    static final String NAME = "streamail.name";
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    private Ui() {
    }

    static <W extends Widget> W name(W widget, String name) {
        widget.setData(NAME, name);
        return widget;
    }

    static String time(Instant i) {
        return i == null ? "" : TIME.format(i);
    }

    static String join(List<String> values) {
        return String.join(", ", values);
    }

    static String score(double s) {
        return String.format(Locale.ROOT, "%.1f", s);
    }

    static Text labelledText(Composite parent, String label, String name, int widthHint, int style) {
        new Label(parent, SWT.NONE).setText(label);
        Text t = new Text(parent, SWT.BORDER | SWT.SINGLE | style);
        GridData gd = new GridData(SWT.FILL, SWT.CENTER, widthHint <= 0, false);
        if (widthHint > 0) {
            gd.widthHint = widthHint;
        }
        t.setLayoutData(gd);
        return name(t, name);
    }

    /** A titled group filling the parent's width (and height when {@code grab}), with a grid layout. */
    static org.eclipse.swt.widgets.Group group(Composite parent, String title, int columns, boolean grab) {
        org.eclipse.swt.widgets.Group g = new org.eclipse.swt.widgets.Group(parent, SWT.NONE);
        g.setText(title);
        g.setLayoutData(new GridData(SWT.FILL, grab ? SWT.FILL : SWT.TOP, true, grab));
        g.setLayout(new org.eclipse.swt.layout.GridLayout(columns, false));
        return g;
    }

    /** A label for messages to the user; {@code error} colours it dark red. */
    static void message(Label label, String text, boolean error) {
        label.setText(text);
        label.setForeground(error ? label.getDisplay().getSystemColor(SWT.COLOR_DARK_RED) : null);
        label.getParent().layout(true, true);
    }

    static Button button(Composite parent, String text, String name, Runnable action) {
        Button b = new Button(parent, SWT.PUSH);
        b.setText(text);
        b.addListener(SWT.Selection, e -> action.run());
        return name(b, name);
    }

    /**
     * Puts {@code text} on the clipboard as plain text, with every character {@link ScreenText#hidden} shown as its
     * code point: what the gateway sent is pasted where the administrator puts it (a DNS console, a terminal), and a
     * line break or a bidi control inside it must not act there.
     */
    static void copy(Display display, String text) {
        Clipboard clipboard = new Clipboard(display);
        try {
            clipboard.setContents(new Object[] {ScreenText.shown(text)}, new Transfer[] {TextTransfer.getInstance()});
        } finally {
            clipboard.dispose();
        }
    }

    /** A sorted table filling its cell of a grid layout (a group's, say), growing with it both ways. */
    static <T> SortedTable<T> filledTable(Composite parent, String name) {
        SortedTable<T> table = new SortedTable<>(parent, name);
        table.viewer.getTable().setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));
        return table;
    }

    /** A table viewer whose columns sort by header click (toggling the direction). */
    static final class SortedTable<T> {
        final TableViewer viewer;
        private Comparator<T> comparator;
        private boolean descending;
        private final List<Comparator<T>> comparators = new java.util.ArrayList<>();

        SortedTable(Composite parent, String name) {
            viewer = new TableViewer(parent, SWT.SINGLE | SWT.FULL_SELECTION | SWT.BORDER | SWT.V_SCROLL
                    | SWT.H_SCROLL);
            Table table = viewer.getTable();
            table.setHeaderVisible(true);
            table.setLinesVisible(true);
            name(table, name);
            viewer.setContentProvider(org.eclipse.jface.viewers.ArrayContentProvider.getInstance());
            viewer.setComparator(new ViewerComparator() {
                @Override
                @SuppressWarnings("unchecked")
                public int compare(Viewer v, Object a, Object b) {
                    if (comparator == null) {
                        return 0;
                    }
                    int c = comparator.compare((T) a, (T) b);
                    return descending ? -c : c;
                }
            });
        }

        /** Adds a column; {@code sortKey} null means "sort by the text". */
        <K extends Comparable<K>> SortedTable<T> column(String title, int width, Function<T, String> text,
                Function<T, K> sortKey) {
            return column(title, width, text, sortKey, null);
        }

        /** Adds a column whose cells get {@code background} (may return {@code null}: the default). */
        <K extends Comparable<K>> SortedTable<T> column(String title, int width, Function<T, String> text,
                Function<T, K> sortKey, Function<T, Color> background) {
            TableViewerColumn col = new TableViewerColumn(viewer, SWT.NONE);
            TableColumn c = col.getColumn();
            c.setText(title);
            c.setWidth(width);
            c.setMoveable(true);
            col.setLabelProvider(new ColumnLabelProvider() {
                @Override
                @SuppressWarnings("unchecked")
                public String getText(Object element) {
                    // gateway and message text: one line, control and bidi characters shown, huge values cut
                    return Visible.cell(text.apply((T) element));
                }

                @Override
                @SuppressWarnings("unchecked")
                public Color getBackground(Object element) {
                    return background == null ? null : background.apply((T) element);
                }
            });
            Comparator<T> cmp = sortKey == null
                    ? Comparator.comparing(t -> String.valueOf(text.apply(t)), String.CASE_INSENSITIVE_ORDER)
                    : Comparator.comparing(sortKey, Comparator.nullsFirst(Comparator.naturalOrder()));
            c.addListener(SWT.Selection, e -> sortBy(c, cmp));
            comparators.add(cmp);
            return this;
        }

        /** Sorts by the column at {@code index} (in the order added), e.g. newest first on a time column. */
        void sort(int index, boolean descendingOrder) {
            Table table = viewer.getTable();
            comparator = comparators.get(index);
            descending = descendingOrder;
            table.setSortColumn(table.getColumn(index));
            table.setSortDirection(descending ? SWT.DOWN : SWT.UP);
            viewer.refresh();
        }

        void sortBy(TableColumn column, Comparator<T> cmp) {
            Table table = viewer.getTable();
            if (table.getSortColumn() == column) {
                descending = !descending;
            } else {
                descending = false;
            }
            comparator = cmp;
            table.setSortColumn(column);
            table.setSortDirection(descending ? SWT.DOWN : SWT.UP);
            viewer.refresh();
        }

        @SuppressWarnings("unchecked")
        T selected() {
            Object o = viewer.getStructuredSelection().getFirstElement();
            return (T) o;
        }
    }
}
