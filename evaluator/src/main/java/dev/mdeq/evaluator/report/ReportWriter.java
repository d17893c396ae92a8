package dev.mdeq.evaluator.report;

import dev.mdeq.evaluator.image.Headless;
import dev.mdeq.evaluator.results.EvalContext;
import dev.mdeq.evaluator.results.EvalLayout;
import dev.mdeq.evaluator.results.EvalTally;
import dev.mdeq.evaluator.results.SampleImage;
import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes an evaluation's report into its run folder: {@code classes.csv}, {@code report.html}
 * and, last, {@code report.json} (so a reader that finds report.json finds the rest). Reads the
 * run's {@code metrics.jsonl} for the training curves and the sample pictures the evaluation
 * wrote, to embed them in the page.
 */
public final class ReportWriter {
    private final ObjectStore runStore;
    private final Clock clock;

    static {
        Headless.ensure();
    }

    /** Writes below {@code runStore}, the run folder. */
    public ReportWriter(ObjectStore runStore) {
        this(runStore, Clock.systemUTC());
    }

    public ReportWriter(ObjectStore runStore, Clock clock) {
        this.runStore = runStore;
        this.clock = clock;
    }

    /**
     * Builds and writes the report.
     *
     * @param context what was evaluated
     * @param tally the (merged) results
     * @param shardWallNanos elapsed time of each shard (one entry when unsharded)
     * @param kernels the native kernel set(s) the evaluation computed with, or null
     * @return the report as written to report.json
     */
    public EvalReport write(EvalContext context, EvalTally tally, List<Long> shardWallNanos, String kernels) {
        String curvesKey = runStore.stat(RunLayout.METRICS).isPresent() ? RunLayout.METRICS : null;
        TrainingCurves curves = curvesKey == null ? TrainingCurves.empty()
                : TrainingCurves.parse(new String(runStore.getBytes(curvesKey), StandardCharsets.UTF_8));
        EvalReport report = ReportBuilder.build(context, tally, shardWallNanos, curves, curvesKey, clock.instant(),
                kernels);

        List<HtmlReport.Picture> pictures = new ArrayList<>();
        for (SampleImage s : tally.samples()) {
            byte[] data = runStore.stat(s.key()).isPresent() ? runStore.getBytes(s.key()) : null;
            String mime = s.key().toLowerCase(Locale.ROOT).endsWith(".jpg") ? "image/jpeg" : "image/png";
            pictures.add(new HtmlReport.Picture(s.item(), s.caption(), mime, data));
        }
        runStore.putBytes(EvalLayout.classesCsv(context.evalId()), classesCsv(report).getBytes(StandardCharsets.UTF_8));
        runStore.putBytes(RunLayout.reportHtml(context.evalId()),
                HtmlReport.render(report, curves, pictures).getBytes(StandardCharsets.UTF_8));
        runStore.putBytes(RunLayout.report(context.evalId()), RunJson.write(report));
        return report;
    }

    /** The per-class table as CSV (empty cells for undefined values). */
    static String classesCsv(EvalReport r) {
        StringBuilder sb = new StringBuilder(
                "index,name,iou_percent,iou_reference_percent,accuracy_percent,truth,predicted,tp,fp,fn\n");
        for (EvalReport.ClassRow c : r.classes()) {
            sb.append(c.index()).append(',').append(csv(c.name())).append(',').append(cell(c.iou())).append(',')
                    .append(cell(c.iouReference())).append(',').append(cell(c.accuracy())).append(',')
                    .append(c.truthPixels()).append(',').append(c.predictedPixels()).append(',')
                    .append(c.truePositives()).append(',').append(c.falsePositives()).append(',')
                    .append(c.falseNegatives()).append('\n');
        }
        return sb.toString();
    }

    private static String cell(Double v) {
        return v == null ? "" : Double.toString(v);
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
