package dev.mdeq.evaluator.report;

import dev.mdeq.metrics.ConfusionMatrix;
import dev.mdeq.evaluator.results.ImageStats;
import dev.mdeq.evaluator.results.SkippedItem;
import dev.mdeq.data.CityscapesLabels;
import java.awt.Color;
import java.awt.Paint;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code report.html}: the report for people, one self-contained file (styles inline, charts and
 * sample pictures as data URIs), so it opens from a file or an object-store download without
 * network access.
 */
public final class HtmlReport {
    /** Curves drawn first, in this order, when the run logged them. */
    private static final List<String> PREFERRED_CURVES = List.of("loss", "metric", "lr");
    private static final int MAX_CURVES = 8;
    private static final int WORST_IMAGES = 10;
    private static final int MAX_BAR_CLASSES = 60;
    private static final int MAX_HEATMAP_CLASSES = 100;

    private HtmlReport() {
    }

    /**
     * A picture of a sample item.
     *
     * @param item the item's name
     * @param caption what it shows
     * @param mime {@code image/png} or {@code image/jpeg}
     * @param data the encoded picture, or null when it could not be read (the page says so)
     */
    public record Picture(String item, String caption, String mime, byte[] data) {
    }

    /** Renders the page. */
    public static String render(EvalReport r, TrainingCurves curves, List<Picture> samples) {
        StringBuilder h = new StringBuilder(1 << 16);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Evaluation ")
                .append(esc(r.evalId())).append("</title>\n<style>").append(CSS).append("</style></head><body>\n");
        h.append("<h1>Evaluation <code>").append(esc(r.evalId())).append("</code></h1>\n");
        header(h, r);
        summary(h, r);
        notes(h, r);
        classes(h, r);
        confusion(h, r);
        samples(h, samples);
        curves(h, r, curves);
        solver(h, r);
        timings(h, r);
        worstImages(h, r);
        skipped(h, r);
        definitions(h, r);
        config(h, r);
        h.append("<footer>written ").append(esc(String.valueOf(r.createdAt())))
                .append(" by mdeq &middot; every number is also in <code>report.json</code></footer>\n</body></html>\n");
        return h.toString();
    }

    private static void header(StringBuilder h, EvalReport r) {
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("task", r.task());
        rows.put("source", r.source());
        rows.put("checkpoint", r.checkpoint());
        rows.put("data set", r.dataset());
        rows.put("samples", String.valueOf(r.samples()));
        rows.put("shards merged", String.valueOf(r.shards()));
        r.options().forEach((k, v) -> rows.put(k, v));
        if (r.kernels() != null) {
            rows.put("native kernels", r.kernels());
        }
        rows.put("fingerprint", r.fingerprint());
        h.append("<table class=\"kv\">");
        rows.forEach((k, v) -> h.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(v))
                .append("</td></tr>"));
        h.append("</table>\n");
    }

    private static void summary(StringBuilder h, EvalReport r) {
        h.append("<div class=\"cards\">");
        if ("segmentation".equals(r.task())) {
            card(h, "mIoU (Cityscapes benchmark)", r.miou());
            card(h, "mIoU (MDEQ reference formula)", r.miouReference());
            card(h, "pixel accuracy", r.pixelAccuracy());
            card(h, "mean class accuracy", r.meanClassAccuracy());
        } else {
            card(h, "top-1", r.top1());
            card(h, "top-5", r.top5());
            card(h, "mean class accuracy", r.meanClassAccuracy());
        }
        h.append("</div>\n");
    }

    private static void card(StringBuilder h, String label, Double value) {
        h.append("<div class=\"card\"><div class=\"v\">").append(value == null ? "n/a" : fmt(value))
                .append(value == null ? "" : " %").append("</div><div class=\"l\">").append(esc(label))
                .append("</div></div>");
    }

    private static void notes(StringBuilder h, EvalReport r) {
        List<String> notes = new ArrayList<>();
        if (!r.absentClasses().isEmpty()) {
            notes.add(("segmentation".equals(r.task())
                    ? "Classes with no ground-truth and no predicted pixel (IoU undefined, left out of the benchmark "
                            + "mIoU, counted as 0 by the reference formula): "
                    : "Classes without samples (left out of the mean class accuracy): ")
                    + String.join(", ", r.absentClasses()));
        }
        long skipped = r.skipped().items().size();
        if (skipped > 0) {
            notes.add(skipped + " input(s) were skipped and are not in these numbers: see <a href=\"#skipped\">Skipped "
                    + "inputs</a>.");
        }
        if (r.pixels() != null && r.pixels().voidPredictions() > 0) {
            notes.add(r.pixels().voidPredictions() + " evaluated pixels were predicted as no class (void); they count "
                    + "as errors.");
        }
        if (r.invalidSamples() != null && r.invalidSamples() > 0) {
            notes.add(r.invalidSamples() + " samples had NaN scores and count as wrong.");
        }
        for (String note : notes) {
            h.append("<p class=\"note\">").append(note.contains("<a ") ? note : esc(note)).append("</p>\n");
        }
    }

    private static void classes(StringBuilder h, EvalReport r) {
        boolean seg = "segmentation".equals(r.task());
        h.append("<h2>Per class</h2>\n");
        List<EvalReport.ClassRow> rows = r.classes();
        if (rows.size() <= MAX_BAR_CLASSES) {
            List<String> names = rows.stream().map(EvalReport.ClassRow::name).toList();
            double[] values = new double[rows.size()];
            for (int i = 0; i < values.length; i++) {
                Double v = seg ? rows.get(i).iou() : rows.get(i).accuracy();
                values[i] = v == null ? Double.NaN : v;
            }
            Paint[] colours = seg && names.equals(CityscapesLabels.NAMES) ? cityscapesColours() : null;
            img(h, Charts.perClassBars(seg ? "IoU per class (benchmark)" : "Accuracy per class",
                    seg ? "IoU %" : "accuracy %", names, values, colours, 720), "per-class chart");
        }
        h.append("<table class=\"grid\"><tr><th>#</th><th>class</th>");
        if (seg) {
            h.append("<th>IoU %</th><th>IoU % (reference)</th><th>accuracy %</th><th>truth px</th><th>predicted px</th>"
                    + "<th>tp</th><th>fp</th><th>fn</th>");
        } else {
            h.append("<th>accuracy %</th><th>samples</th><th>correct</th><th>predicted as</th>");
        }
        h.append("</tr>\n");
        for (EvalReport.ClassRow c : rows) {
            h.append("<tr><td>").append(c.index()).append("</td><td>").append(esc(c.name())).append("</td>");
            if (seg) {
                h.append(num(c.iou())).append(num(c.iouReference())).append(num(c.accuracy()))
                        .append(td(c.truthPixels())).append(td(c.predictedPixels())).append(td(c.truePositives()))
                        .append(td(c.falsePositives())).append(td(c.falseNegatives()));
            } else {
                h.append(num(c.accuracy())).append(td(c.truthPixels())).append(td(c.truePositives()))
                        .append(td(c.predictedPixels()));
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
        if (r.pixels() != null) {
            h.append("<p>Evaluated pixels: ").append(r.pixels().evaluated()).append("; ignored (ground truth = ignore "
                    + "label): ").append(r.pixels().ignored()).append("; predicted as no class: ")
                    .append(r.pixels().voidPredictions()).append(".</p>\n");
        }
    }

    private static void confusion(StringBuilder h, EvalReport r) {
        List<String> names = r.classes().stream().map(EvalReport.ClassRow::name).toList();
        h.append("<h2>Confusion matrix</h2>\n");
        if (names.size() > MAX_HEATMAP_CLASSES) {
            h.append("<p>").append(names.size()).append(" classes: too many for a readable heatmap; the counts are in "
                    + "<code>report.json</code> (<code>confusionMatrix</code>).</p>\n");
            return;
        }
        ConfusionMatrix m = ConfusionMatrix.of(r.confusionMatrix().rows(), 0);
        img(h, Charts.confusionHeatmap(m, names, Math.max(500, Math.min(1000, 40 * names.size()))), "confusion matrix");
        h.append("<p class=\"small\">Rows: true class; columns: predicted class (last column: predicted as no class). "
                + "Cells: percent of the true class's pixels/samples.</p>\n");
    }

    private static void samples(StringBuilder h, List<Picture> samples) {
        if (samples.isEmpty()) {
            return;
        }
        h.append("<h2>Samples</h2>\n");
        Map<String, List<Picture>> byItem = new LinkedHashMap<>();
        for (Picture p : samples) {
            byItem.computeIfAbsent(p.item(), k -> new ArrayList<>()).add(p);
        }
        for (Map.Entry<String, List<Picture>> e : byItem.entrySet()) {
            h.append("<div class=\"sample\"><h3>").append(esc(e.getKey())).append("</h3><div class=\"pics\">");
            for (Picture p : e.getValue()) {
                h.append("<figure>");
                if (p.data() == null) {
                    h.append("<div class=\"missing\">picture not found</div>");
                } else {
                    h.append("<img alt=\"").append(esc(p.caption())).append("\" src=\"data:").append(p.mime())
                            .append(";base64,").append(Base64.getEncoder().encodeToString(p.data())).append("\">");
                }
                h.append("<figcaption>").append(esc(p.caption())).append("</figcaption></figure>");
            }
            h.append("</div></div>\n");
        }
    }

    private static void curves(StringBuilder h, EvalReport r, TrainingCurves curves) {
        h.append("<h2>Training curves</h2>\n");
        if (curves.series().isEmpty()) {
            h.append("<p>No training curves: ").append(r.trainingCurves().key() == null
                    ? "the run folder has no <code>metrics.jsonl</code>."
                    : "<code>metrics.jsonl</code> has no numeric fields.").append("</p>\n");
            return;
        }
        List<String> order = new ArrayList<>();
        for (String f : PREFERRED_CURVES) {
            if (curves.series().containsKey(f)) {
                order.add(f);
            }
        }
        for (String f : curves.series().keySet()) {
            if (!order.contains(f)) {
                order.add(f);
            }
        }
        h.append("<div class=\"pics\">");
        for (String f : order.subList(0, Math.min(MAX_CURVES, order.size()))) {
            img(h, Charts.line(f, curves.xAxis(), f, curves.series().get(f), 460, 280), f);
        }
        h.append("</div>\n<p class=\"small\">From ").append(esc(r.trainingCurves().key())).append(": ")
                .append(curves.lines()).append(" lines");
        if (curves.unreadableLines() > 0) {
            h.append(", ").append(curves.unreadableLines()).append(" unreadable lines left out");
        }
        if (order.size() > MAX_CURVES) {
            h.append("; further fields not drawn: ").append(esc(String.join(", ", order.subList(MAX_CURVES, order.size()))));
        }
        h.append(".</p>\n");
    }

    private static void solver(StringBuilder h, EvalReport r) {
        h.append("<h2>Equilibrium solver</h2>\n");
        SolverSummary s = r.solver();
        if (s == null) {
            h.append("<p>No solver statistics (").append("predictions".equals(r.source())
                    ? "existing predictions were scored; no model ran" : "none were recorded").append(").</p>\n");
            return;
        }
        h.append("<table class=\"grid\"><tr><th></th><th>mean</th><th>median</th><th>min</th><th>max</th></tr>\n");
        statsRow(h, "forward steps", s.steps());
        statsRow(h, "final residual (absolute)", s.absResidual());
        statsRow(h, "final residual (relative)", s.relResidual());
        h.append("</table>\n<p>").append(s.solves()).append(" solves; ").append(s.notConverged())
                .append(" did not meet the tolerance; ").append(s.nonFinite()).append(" with a non-finite residual. Stop "
                        + "reasons: ").append(esc(s.stopReasons().toString())).append(".</p>\n");
        double[] steps = r.images().stream().flatMap(i -> i.solves().stream()).mapToDouble(x -> x.steps()).toArray();
        if (steps.length > 1) {
            img(h, Charts.histogram("Forward solver steps", "steps", steps, 20, 560, 280), "solver steps");
        }
    }

    private static void statsRow(StringBuilder h, String label, SolverSummary.Stats s) {
        h.append("<tr><th>").append(esc(label)).append("</th>");
        if (s == null) {
            h.append("<td colspan=\"4\">not measured</td>");
        } else {
            h.append(td(s.mean())).append(td(s.median())).append(td(s.min())).append(td(s.max()));
        }
        h.append("</tr>\n");
    }

    private static void timings(StringBuilder h, EvalReport r) {
        EvalReport.Timings t = r.timings();
        h.append("<h2>Timings</h2>\n<table class=\"grid\"><tr><th>decode s</th><th>inference s</th><th>metrics s</th>"
                + "<th>writes s</th><th>elapsed s</th><th>shard-seconds</th><th>samples / s</th></tr><tr>")
                .append(td(t.decodeSeconds())).append(td(t.inferenceSeconds())).append(td(t.metricsSeconds()))
                .append(td(t.writeSeconds())).append(td(t.wallSeconds())).append(td(t.shardSecondsTotal()))
                .append(t.imagesPerSecond() == null ? "<td>n/a</td>" : td(t.imagesPerSecond()))
                .append("</tr></table>\n");
    }

    private static void worstImages(StringBuilder h, EvalReport r) {
        List<ImageStats> scored = r.images().stream().filter(i -> i.evaluated() > 0)
                .sorted(Comparator.comparingDouble(ImageStats::accuracy).thenComparing(ImageStats::name))
                .limit(WORST_IMAGES).toList();
        if (scored.isEmpty() || !"segmentation".equals(r.task())) {
            return;
        }
        h.append("<h2>Lowest pixel accuracy</h2>\n<table class=\"grid\"><tr><th>image</th><th>pixel accuracy %</th>"
                + "<th>evaluated px</th></tr>\n");
        for (ImageStats i : scored) {
            h.append("<tr><td>").append(esc(i.name())).append("</td>").append(num(100 * i.accuracy()))
                    .append(td(i.evaluated())).append("</tr>\n");
        }
        h.append("</table>\n");
    }

    private static void skipped(StringBuilder h, EvalReport r) {
        h.append("<h2 id=\"skipped\">Skipped inputs</h2>\n");
        if (r.skipped().items().isEmpty()) {
            h.append("<p>None.</p>\n");
            return;
        }
        h.append("<p>");
        r.skipped().counts().forEach((k, v) -> h.append(esc(k.name().toLowerCase(Locale.ROOT).replace('_', ' ')))
                .append(": ").append(v).append(". "));
        h.append("</p>\n<table class=\"grid\"><tr><th>input</th><th>kind</th><th>reason</th></tr>\n");
        for (SkippedItem s : r.skipped().items()) {
            h.append("<tr><td>").append(esc(s.name())).append("</td><td>").append(esc(s.kind().name()))
                    .append("</td><td>").append(esc(s.reason())).append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private static void definitions(StringBuilder h, EvalReport r) {
        h.append("<h2>Definitions</h2>\n<dl>");
        r.definitions().forEach((k, v) -> h.append("<dt>").append(esc(k)).append("</dt><dd>").append(esc(v))
                .append("</dd>"));
        h.append("</dl>\n");
    }

    private static void config(StringBuilder h, EvalReport r) {
        if (r.config() == null) {
            return;
        }
        h.append("<h2>Config</h2>\n<details><summary>config.yaml (sha256 ").append(esc(r.config().sha256()))
                .append(")</summary><pre>").append(esc(r.config().yaml())).append("</pre></details>\n");
    }

    private static void img(StringBuilder h, byte[] png, String alt) {
        h.append("<img class=\"chart\" alt=\"").append(esc(alt)).append("\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(png)).append("\">\n");
    }

    private static Paint[] cityscapesColours() {
        Paint[] p = new Paint[CityscapesLabels.NUM_CLASSES];
        for (int c = 0; c < p.length; c++) {
            p[c] = new Color(CityscapesLabels.rgb(c));
        }
        return p;
    }

    private static String num(Double v) {
        return v == null ? "<td class=\"na\">n/a</td>" : "<td>" + fmt(v) + "</td>";
    }

    private static String td(long v) {
        return "<td>" + v + "</td>";
    }

    private static String td(double v) {
        return "<td>" + (Double.isFinite(v) ? String.format(Locale.ROOT, "%.4g", v) : "n/a") + "</td>";
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /** HTML-escapes text (null as empty). */
    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static final String CSS = """
            body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;\
            color:#222;padding:0 1em}
            h1{font-size:1.6em}h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}
            table{border-collapse:collapse;margin:.6em 0}th,td{padding:.25em .6em;text-align:right}
            table.kv th{text-align:left;color:#555;font-weight:normal}table.kv td{text-align:left;font-family:monospace}
            table.grid th{background:#f3f3f3}table.grid td,table.grid th{border:1px solid #ddd}
            table.grid td:nth-child(2){text-align:left}td.na{color:#999}
            .cards{display:flex;gap:1em;flex-wrap:wrap;margin:1em 0}
            .card{border:1px solid #ccd;border-radius:6px;padding:.8em 1.2em;min-width:10em}
            .card .v{font-size:1.8em;font-weight:bold;color:#234}.card .l{color:#555}
            .note{background:#fff7e0;border-left:4px solid #e0b000;padding:.5em .8em}
            .pics{display:flex;flex-wrap:wrap;gap:.8em}figure{margin:0}figure img{max-width:340px;border:1px solid #ccc}
            figcaption{font-size:.85em;color:#555}img.chart{max-width:100%;margin:.4em 0}
            .missing{width:340px;height:100px;background:#eee;color:#777;display:flex;align-items:center;\
            justify-content:center}
            .small{font-size:.85em;color:#555}pre{background:#f7f7f7;padding:1em;overflow:auto;font-size:.85em}
            footer{margin-top:3em;color:#888;font-size:.85em}dt{font-weight:bold;margin-top:.5em}
            """;
}
