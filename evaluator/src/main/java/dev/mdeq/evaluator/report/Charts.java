package dev.mdeq.evaluator.report;

import dev.mdeq.evaluator.image.Headless;
import dev.mdeq.metrics.ConfusionMatrix;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.statistics.HistogramDataset;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The report's charts, rendered with JFreeChart to PNG bytes (headless). */
public final class Charts {
    private static final Color BAR = new Color(0x3b6ea8);
    private static final Color GRID = new Color(0xdddddd);
    /** Confusion matrices up to this many classes get their cell values printed. */
    private static final int ANNOTATE_CELLS_UP_TO = 25;

    static {
        Headless.ensure();
    }

    private Charts() {
    }

    /**
     * A horizontal bar per class (e.g. IoU in percent); NaN values get no bar.
     *
     * @param colours a colour per class, or null for one colour
     */
    public static byte[] perClassBars(String title, String valueLabel, List<String> names, double[] values,
            Paint[] colours, int width) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (int c = 0; c < names.size(); c++) {
            data.addValue(Double.isNaN(values[c]) ? null : values[c], valueLabel, names.get(c));
        }
        JFreeChart chart = ChartFactory.createBarChart(title, null, valueLabel, data, PlotOrientation.HORIZONTAL,
                false, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        style(chart);
        plot.getRangeAxis().setRange(0, 100);
        BarRenderer renderer = new BarRenderer() {
            @Override
            public Paint getItemPaint(int row, int column) {
                return colours == null ? BAR : colours[column];
            }
        };
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setDrawBarOutline(true);
        renderer.setDefaultOutlinePaint(Color.DARK_GRAY);
        plot.setRenderer(renderer);
        return png(chart, width, 80 + 22 * names.size());
    }

    /**
     * The confusion matrix as a heatmap of row-normalised counts (each true class's row sums to 1),
     * truth on the vertical axis, prediction (and the void column) on the horizontal one.
     */
    public static byte[] confusionHeatmap(ConfusionMatrix m, List<String> names, int size) {
        int k = m.numClasses();
        int cols = k + 1;
        double[] xs = new double[k * cols];
        double[] ys = new double[k * cols];
        double[] zs = new double[k * cols];
        for (int t = 0; t < k; t++) {
            long row = m.truthTotal(t);
            for (int p = 0; p < cols; p++) {
                int i = t * cols + p;
                xs[i] = p;
                ys[i] = t;
                zs[i] = row == 0 ? 0 : (double) m.count(t, p) / row;
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("confusion", new double[][] {xs, ys, zs});
        String[] xLabels = new String[cols];
        for (int p = 0; p < k; p++) {
            xLabels[p] = names.get(p);
        }
        xLabels[k] = "void";
        SymbolAxis xAxis = new SymbolAxis("predicted", xLabels);
        xAxis.setVerticalTickLabels(true);
        xAxis.setGridBandsVisible(false);
        SymbolAxis yAxis = new SymbolAxis("truth", names.toArray(String[]::new));
        yAxis.setInverted(true);
        yAxis.setGridBandsVisible(false);
        Font tickFont = new Font(Font.SANS_SERIF, Font.PLAIN, k > 40 ? 7 : 11);
        xAxis.setTickLabelFont(tickFont);
        yAxis.setTickLabelFont(tickFont);
        XYBlockRenderer renderer = new XYBlockRenderer();
        PaintScale scale = new BlueScale();
        renderer.setPaintScale(scale);
        XYPlot plot = new XYPlot(data, xAxis, yAxis, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        if (k <= ANNOTATE_CELLS_UP_TO) {
            Font cellFont = new Font(Font.SANS_SERIF, Font.PLAIN, 9);
            for (int i = 0; i < zs.length; i++) {
                if (zs[i] >= 0.005) {
                    XYTextAnnotation a = new XYTextAnnotation(String.format("%.0f", 100 * zs[i]), xs[i], ys[i]);
                    a.setFont(cellFont);
                    a.setTextAnchor(TextAnchor.CENTER);
                    a.setPaint(zs[i] > 0.5 ? Color.WHITE : Color.BLACK);
                    plot.addAnnotation(a);
                }
            }
        }
        JFreeChart chart = new JFreeChart("Confusion matrix (% of each true class)", JFreeChart.DEFAULT_TITLE_FONT,
                plot, false);
        NumberAxis legendAxis = new NumberAxis("fraction of the true class");
        legendAxis.setRange(0, 1);
        PaintScaleLegend legend = new PaintScaleLegend(scale, legendAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setMargin(new RectangleInsets(10, 10, 10, 10));
        legend.setStripWidth(12);
        chart.addSubtitle(legend);
        chart.setBackgroundPaint(Color.WHITE);
        return png(chart, size + 120, size);
    }

    /** A line chart of (x, y) points; {@code points} come from {@link TrainingCurves}. */
    public static byte[] line(String title, String xLabel, String yLabel, List<double[]> points, int width,
            int height) {
        XYSeries series = new XYSeries(yLabel, false, true);
        for (double[] p : points) {
            series.add(p[0], p[1]);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, new XYSeriesCollection(series),
                PlotOrientation.VERTICAL, false, false, false);
        style(chart);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, points.size() <= 50);
        renderer.setSeriesPaint(0, BAR);
        renderer.setSeriesStroke(0, new BasicStroke(1.5f));
        plot.setRenderer(renderer);
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        return png(chart, width, height);
    }

    /** A histogram of values in {@code bins} equal bins (one bin per value for a small range of integers). */
    public static byte[] histogram(String title, String xLabel, double[] values, int bins, int width, int height) {
        HistogramDataset data = new HistogramDataset();
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        boolean integers = true;
        for (double v : values) {
            integers &= v == Math.rint(v);
        }
        if (integers && max - min < 4 * bins) {
            // One bin per integer (solver steps), centred on it: no empty gaps between bins.
            bins = (int) (max - min) + 1;
            min -= 0.5;
            max += 0.5;
        } else if (min == max) {
            min -= 0.5;
            max += 0.5;
        }
        data.addSeries(xLabel, values, bins, min, max);
        JFreeChart chart = ChartFactory.createHistogram(title, xLabel, "count", data, PlotOrientation.VERTICAL,
                false, false, false);
        style(chart);
        XYBarRenderer renderer = (XYBarRenderer) chart.getXYPlot().getRenderer();
        renderer.setSeriesPaint(0, BAR);
        renderer.setShadowVisible(false);
        renderer.setBarPainter(new org.jfree.chart.renderer.xy.StandardXYBarPainter());
        return png(chart, width, height);
    }

    private static void style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        if (chart.getPlot() instanceof CategoryPlot plot) {
            plot.setBackgroundPaint(Color.WHITE);
            plot.setRangeGridlinePaint(GRID);
            CategoryAxis axis = plot.getDomainAxis();
            axis.setCategoryLabelPositions(CategoryLabelPositions.STANDARD);
            axis.setMaximumCategoryLabelWidthRatio(0.4f);
        } else if (chart.getPlot() instanceof XYPlot plot) {
            plot.setBackgroundPaint(Color.WHITE);
            plot.setDomainGridlinePaint(GRID);
            plot.setRangeGridlinePaint(GRID);
        }
    }

    static byte[] png(JFreeChart chart, int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ChartUtils.writeChartAsPNG(out, chart, width, height);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render chart '" + chart.getTitle().getText() + "'", e);
        }
        return out.toByteArray();
    }

    /** White (0) to dark blue (1). */
    private static final class BlueScale implements PaintScale {
        @Override
        public double getLowerBound() {
            return 0;
        }

        @Override
        public double getUpperBound() {
            return 1;
        }

        @Override
        public Paint getPaint(double value) {
            double v = Math.max(0, Math.min(1, value));
            int r = (int) Math.round(255 - v * (255 - 8));
            int g = (int) Math.round(255 - v * (255 - 48));
            int b = (int) Math.round(255 - v * (255 - 107));
            return new Color(r, g, b);
        }
    }
}
