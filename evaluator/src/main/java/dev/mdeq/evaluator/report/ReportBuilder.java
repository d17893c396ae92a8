package dev.mdeq.evaluator.report;

import dev.mdeq.config.Task;
import dev.mdeq.metrics.ClassificationMetrics;
import dev.mdeq.metrics.ConfusionMatrix;
import dev.mdeq.metrics.SegmentationMetrics;
import dev.mdeq.evaluator.results.EvalContext;
import dev.mdeq.evaluator.results.EvalTally;
import dev.mdeq.evaluator.results.ImageStats;
import dev.mdeq.evaluator.results.SkippedItem;
import dev.mdeq.runstore.run.RunLayout;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Computes the {@link EvalReport} of an evaluation from its context and (merged) tally. */
public final class ReportBuilder {
    private ReportBuilder() {
    }

    /** How each headline number is computed (written into the report). */
    static Map<String, String> definitions(Task task) {
        Map<String, String> d = new LinkedHashMap<>();
        if (task == Task.SEGMENTATION) {
            d.put("miou", "Cityscapes benchmark (cityscapesScripts evalPixelLevelSemanticLabeling): mean over classes "
                    + "of IoU = tp / (tp + fp + fn); a class with no ground-truth and no predicted pixel has no IoU "
                    + "(listed in absentClasses) and is left out of the mean. Pixels whose ground truth is the ignore "
                    + "label are not counted; predictions that are no class count as false negatives.");
            d.put("miouReference", "MDEQ reference (tools/seg_test.py, HRNet testval; docs/reference-model.md §5): mean over all classes "
                    + "of tp / max(1, pos + res - tp), so an absent class counts as 0. Equal to miou when every class "
                    + "occurs.");
            d.put("pixelAccuracy", "correctly predicted pixels / pixels whose ground truth is an evaluated class");
            d.put("meanClassAccuracy", "mean over classes with ground-truth pixels of tp / pos");
            d.put("meanClassAccuracyReference", "MDEQ reference: mean over all classes of tp / max(1, pos)");
        } else {
            d.put("top1", "samples whose highest-scoring class is the true class / samples");
            d.put("top5", "samples whose true class is among the 5 highest-scoring classes / samples (ties: lower "
                    + "class index ranks first; a sample with a NaN score is wrong)");
            d.put("meanClassAccuracy", "mean over classes with samples of top-1 accuracy within the class");
        }
        d.put("units", "ratios in percent; null = undefined");
        return d;
    }

    /**
     * The report.
     *
     * @param shardWallNanos elapsed time of each shard (one entry when unsharded)
     * @param curves the run's training curves (may be empty)
     * @param curvesKey where the curves were read, or null
     */
    public static EvalReport build(EvalContext ctx, EvalTally tally, List<Long> shardWallNanos, TrainingCurves curves,
            String curvesKey, Instant now, String kernels) {
        List<ImageStats> images = tally.images();
        long decode = 0;
        long inference = 0;
        long metrics = 0;
        long writes = 0;
        for (ImageStats s : images) {
            decode += s.decodeNanos();
            inference += s.inferenceNanos();
            metrics += s.metricsNanos();
            writes += s.writeNanos();
        }
        long wallMax = shardWallNanos.stream().mapToLong(Long::longValue).max().orElse(0);
        long wallSum = shardWallNanos.stream().mapToLong(Long::longValue).sum();
        long samples = tally.sampleCount();
        EvalReport.Timings timings = new EvalReport.Timings(seconds(decode), seconds(inference), seconds(metrics),
                seconds(writes), seconds(wallMax), seconds(wallSum),
                wallSum == 0 ? null : samples / seconds(wallSum));

        Map<SkippedItem.Kind, Long> skipCounts = new EnumMap<>(SkippedItem.Kind.class);
        for (SkippedItem s : tally.skipped()) {
            skipCounts.merge(s.kind(), 1L, Long::sum);
        }
        EvalReport.Skipped skipped = new EvalReport.Skipped(skipCounts, tally.skipped());
        EvalReport.Config config = ctx.configYaml() == null ? null
                : new EvalReport.Config(ctx.configSha256(), ctx.configYaml());
        EvalReport.CurvesInfo curvesInfo = new EvalReport.CurvesInfo(curvesKey, curves.lines(), curves.unreadableLines(),
                List.copyOf(curves.series().keySet()));
        String task = ctx.task().name().toLowerCase(Locale.ROOT);
        String html = RunLayout.reportHtml(ctx.evalId());
        int shards = shardWallNanos.size();

        if (tally.isSegmentation()) {
            ConfusionMatrix m = tally.segmentation();
            SegmentationMetrics s = SegmentationMetrics.of(m, ctx.classNames());
            List<EvalReport.ClassRow> rows = new ArrayList<>();
            for (SegmentationMetrics.ClassScore c : s.classes()) {
                rows.add(new EvalReport.ClassRow(c.index(), c.name(), pct(c.iou()), pct(c.iouReference()),
                        pct(c.accuracy()), c.truthPixels(), c.predictedPixels(), c.truePositives(), c.falsePositives(),
                        c.falseNegatives()));
            }
            return new EvalReport(EvalReport.FORMAT_VERSION, ctx.evalId(), task, ctx.source(), ctx.checkpoint(),
                    ctx.dataset(), samples, pct(s.miou()), pct(s.miouReference()), pct(s.pixelAccuracy()),
                    pct(s.meanClassAccuracy()), pct(s.meanClassAccuracyReference()), null, null, html, now,
                    definitions(ctx.task()), rows, s.absentClasses(),
                    new EvalReport.Pixels(s.evaluatedPixels(), s.ignoredPixels(), s.voidPredictions()),
                    confusion(m, ctx.classNames()), null, config, ctx.options(), ctx.fingerprint(), shards, timings,
                    SolverSummary.of(images), skipped, curvesInfo, images, kernels);
        }
        ClassificationMetrics c = ClassificationMetrics.of(tally.classification(), ctx.classNames());
        ConfusionMatrix m = tally.classification().confusion();
        List<EvalReport.ClassRow> rows = new ArrayList<>();
        List<String> absent = new ArrayList<>();
        for (ClassificationMetrics.ClassAccuracy a : c.classes()) {
            long tp = a.correct();
            long predicted = m.predictedTotal(a.index());
            rows.add(new EvalReport.ClassRow(a.index(), a.name(), null, null, pct(a.accuracy()), a.samples(), predicted,
                    tp, predicted - tp, a.samples() - tp));
            if (a.samples() == 0) {
                absent.add(a.name());
            }
        }
        return new EvalReport(EvalReport.FORMAT_VERSION, ctx.evalId(), task, ctx.source(), ctx.checkpoint(),
                ctx.dataset(), samples, null, null, null, pct(c.meanClassAccuracy()), null, pct(c.top1()),
                pct(c.top5()), html, now, definitions(ctx.task()), rows, absent, null, confusion(m, ctx.classNames()),
                c.invalidSamples(), config, ctx.options(), ctx.fingerprint(), shards, timings,
                SolverSummary.of(images), skipped, curvesInfo, images, kernels);
    }

    private static EvalReport.Confusion confusion(ConfusionMatrix m, List<String> names) {
        List<String> labels = new ArrayList<>(names);
        labels.add("void");
        return new EvalReport.Confusion(labels, m.rows());
    }

    /** A fraction as percent; NaN (undefined) as null. */
    static Double pct(double fraction) {
        return Double.isNaN(fraction) ? null : 100.0 * fraction;
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
