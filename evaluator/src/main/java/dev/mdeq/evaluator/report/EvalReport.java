package dev.mdeq.evaluator.report;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.mdeq.evaluator.results.ImageStats;
import dev.mdeq.evaluator.results.SkippedItem;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The content of {@code report.json}. Ratios are in percent (0..100); a number that is undefined
 * (e.g. the IoU of a class absent from truth and prediction) is null. The headline fields have the
 * names and meaning of {@link dev.mdeq.runstore.run.ReportSummary}, which the operator reads.
 *
 * @param formatVersion version of this layout
 * @param evalId the evaluation's id
 * @param task {@code segmentation} or {@code classification}
 * @param source {@code model} or {@code predictions}
 * @param checkpoint the checkpoint (or prediction location) evaluated
 * @param dataset the data set (or ground-truth location)
 * @param samples images (segmentation) or samples (classification) scored
 * @param miou Cityscapes-benchmark mean IoU (classes with undefined IoU left out)
 * @param miouReference the MDEQ reference's mean IoU (tp / max(1, union), over all classes)
 * @param pixelAccuracy correct / evaluated pixels
 * @param meanClassAccuracy mean per-class accuracy over the classes present (segmentation and classification)
 * @param meanClassAccuracyReference the reference's mean of tp / max(1, pos) over all classes
 * @param top1 top-1 accuracy (classification)
 * @param top5 top-5 accuracy (classification)
 * @param reportHtml key of the HTML report, relative to the run folder
 * @param createdAt when the report was written
 * @param definitions how each headline number is computed, in words
 * @param classes the per-class table
 * @param absentClasses classes with undefined IoU (segmentation) or without samples (classification)
 * @param pixels pixel counts (segmentation)
 * @param confusionMatrix the confusion matrix with its labels
 * @param invalidSamples classification samples with a NaN score (counted wrong)
 * @param config the experiment config
 * @param options settings that change the numbers
 * @param fingerprint SHA-256 of the evaluation's inputs (shards of one evaluation share it)
 * @param shards how many shards were merged into this report (1: unsharded)
 * @param timings where the time went
 * @param solver forward-solver statistics (null when there were no solves)
 * @param skipped inputs left out, by kind, and their names and reasons
 * @param trainingCurves what was read from the run's metrics.jsonl
 * @param images per-image statistics, sorted by name
 * @param kernels the native kernel set(s) the model evaluation computed with (docs/numerics.md), null when
 *     no model ran (scored prediction files)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record EvalReport(
        int formatVersion,
        String evalId,
        String task,
        String source,
        String checkpoint,
        String dataset,
        Long samples,
        Double miou,
        Double miouReference,
        Double pixelAccuracy,
        Double meanClassAccuracy,
        Double meanClassAccuracyReference,
        Double top1,
        Double top5,
        String reportHtml,
        Instant createdAt,
        Map<String, String> definitions,
        List<ClassRow> classes,
        List<String> absentClasses,
        Pixels pixels,
        Confusion confusionMatrix,
        Long invalidSamples,
        Config config,
        Map<String, String> options,
        String fingerprint,
        int shards,
        Timings timings,
        SolverSummary solver,
        Skipped skipped,
        CurvesInfo trainingCurves,
        List<ImageStats> images,
        String kernels) {

    public static final int FORMAT_VERSION = 1;

    /**
     * One class. Segmentation fills the pixel counts and IoUs; classification fills samples/correct.
     *
     * @param index class index (train id)
     * @param name class name
     * @param iou benchmark IoU in percent (null when undefined)
     * @param iouReference reference IoU in percent
     * @param accuracy tp / truth in percent (null without truth)
     * @param truthPixels pixels (or samples) of the class in the truth
     * @param predictedPixels pixels (or samples) predicted as the class
     * @param truePositives tp
     * @param falsePositives fp
     * @param falseNegatives fn
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ClassRow(int index, String name, Double iou, Double iouReference, Double accuracy,
            long truthPixels, long predictedPixels, long truePositives, long falsePositives, long falseNegatives) {
    }

    /**
     * @param evaluated pixels whose truth is an evaluated class
     * @param ignored pixels with the ignore label in the truth
     * @param voidPredictions evaluated pixels predicted as no class
     */
    public record Pixels(long evaluated, long ignored, long voidPredictions) {
    }

    /**
     * @param labels column labels: the class names, then {@code void}
     * @param rows one row per true class: counts per predicted class, then the void column
     */
    public record Confusion(List<String> labels, long[][] rows) {
    }

    /**
     * @param sha256 SHA-256 of the yaml
     * @param yaml the resolved config
     */
    public record Config(String sha256, String yaml) {
    }

    /**
     * Seconds spent, summed over images (decode, inference, metrics, writes) and elapsed.
     *
     * @param decodeSeconds reading and decoding inputs
     * @param inferenceSeconds model forward passes
     * @param metricsSeconds accumulating metrics
     * @param writeSeconds writing predictions and samples
     * @param wallSeconds elapsed time of the evaluation (the longest shard when sharded)
     * @param shardSecondsTotal elapsed time summed over shards
     * @param imagesPerSecond samples per elapsed second (per shard-second when sharded)
     */
    public record Timings(double decodeSeconds, double inferenceSeconds, double metricsSeconds, double writeSeconds,
            double wallSeconds, double shardSecondsTotal, Double imagesPerSecond) {
    }

    /**
     * @param counts skipped inputs by kind
     * @param items every skipped input with its reason
     */
    public record Skipped(Map<SkippedItem.Kind, Long> counts, List<SkippedItem> items) {
    }

    /**
     * @param key where the curves were read ({@code metrics.jsonl} of the run), null if absent
     * @param lines JSON lines read
     * @param unreadableLines lines that were not JSON objects (left out)
     * @param fields the numeric fields found
     */
    public record CurvesInfo(String key, int lines, int unreadableLines, List<String> fields) {
    }
}
