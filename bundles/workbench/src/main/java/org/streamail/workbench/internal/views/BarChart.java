package org.streamail.workbench.internal.views;

import java.util.List;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.graphics.GC;
import org.eclipse.swt.graphics.Point;
import org.eclipse.swt.graphics.Rectangle;
import org.eclipse.swt.widgets.Canvas;
import org.eclipse.swt.widgets.Composite;

/**
 * A stacked bar chart drawn with GC: one bar per label, one colour per series, a legend and a y-axis
 * maximum. Drawn by hand rather than with a charting library (e.g. Eclipse SWTChart): the dashboard needs
 * little, and every extra bundle would have to be pinned against SWT 3.129. UI thread only.
 */
final class BarChart extends Canvas {

    private String title = "";
    private List<String> labels = List.of();
    private List<String> series = List.of();
    private int[][] values = new int[0][0];
    private Color[] colors = new Color[0];

    BarChart(Composite parent) {
        super(parent, SWT.DOUBLE_BUFFERED);
        addPaintListener(e -> paint(e.gc));
    }

    /** {@code values[label][series]}; {@code colors} one per series. */
    void setData(String title, List<String> labels, List<String> series, int[][] values, Color[] colors) {
        this.title = title;
        this.labels = List.copyOf(labels);
        this.series = List.copyOf(series);
        this.values = values;
        this.colors = colors;
        redraw();
    }

    private void paint(GC gc) {
        Rectangle area = getClientArea();
        gc.setBackground(getDisplay().getSystemColor(SWT.COLOR_LIST_BACKGROUND));
        gc.fillRectangle(area);
        gc.setForeground(getDisplay().getSystemColor(SWT.COLOR_LIST_FOREGROUND));
        int lineHeight = gc.getFontMetrics().getHeight();
        gc.drawText(title, area.x + 6, area.y + 4, true);

        // legend on the title line, right-aligned
        int x = area.x + area.width - 8;
        for (int s = series.size() - 1; s >= 0; s--) {
            Point size = gc.textExtent(series.get(s));
            x -= size.x;
            gc.drawText(series.get(s), x, area.y + 4, true);
            x -= lineHeight + 4;
            gc.setBackground(colors[s]);
            gc.fillRectangle(x, area.y + 4 + 2, lineHeight - 4, lineHeight - 4);
            x -= 10;
        }

        int max = 0;
        for (int[] row : values) {
            int sum = 0;
            for (int v : row) {
                sum += v;
            }
            max = Math.max(max, sum);
        }
        int left = area.x + 8 + gc.textExtent(String.valueOf(Math.max(max, 1))).x + 4;
        int top = area.y + lineHeight + 12;
        int bottom = area.y + area.height - lineHeight - 8;
        int right = area.x + area.width - 8;
        if (bottom - top < 10 || right - left < 10 || labels.isEmpty()) {
            return;
        }
        gc.setForeground(getDisplay().getSystemColor(SWT.COLOR_WIDGET_NORMAL_SHADOW));
        gc.drawLine(left, top, left, bottom);
        gc.drawLine(left, bottom, right, bottom);
        gc.setForeground(getDisplay().getSystemColor(SWT.COLOR_LIST_FOREGROUND));
        gc.drawText(String.valueOf(max), area.x + 6, top - lineHeight / 2, true);
        gc.drawText("0", area.x + 6, bottom - lineHeight / 2, true);
        if (max == 0) {
            gc.drawText("no messages in this period", left + 10, (top + bottom) / 2, true);
            return;
        }
        int n = labels.size();
        double slot = (right - left) / (double) n;
        int barWidth = Math.max(2, (int) (slot * 0.7));
        // show at most ~12 labels so they do not overlap
        int labelEvery = Math.max(1, (int) Math.ceil(n / 12.0));
        for (int i = 0; i < n; i++) {
            int bx = left + (int) (i * slot + (slot - barWidth) / 2);
            int y = bottom;
            for (int s = 0; s < series.size(); s++) {
                int v = i < values.length && s < values[i].length ? values[i][s] : 0;
                int h = (int) Math.round((bottom - top) * (v / (double) max));
                if (h > 0) {
                    gc.setBackground(colors[s]);
                    gc.fillRectangle(bx, y - h, barWidth, h);
                    y -= h;
                }
            }
            if (i % labelEvery == 0) {
                String l = labels.get(i);
                Point size = gc.textExtent(l);
                gc.drawText(l, bx + barWidth / 2 - size.x / 2, bottom + 4, true);
            }
        }
    }
}
