package dev.mdeq.metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * The segmentation scores of a confusion matrix, as fractions (0..1), in two conventions:
 *
 * <ul>
 *   <li>Cityscapes benchmark (cityscapesScripts {@code evalPixelLevelSemanticLabeling}): IoU_c =
 *       tp / (tp + fp + fn); a class with no ground-truth and no predicted pixel has an undefined
 *       IoU (NaN) and is left out of the mean ({@link #miou}); likewise a class with no
 *       ground-truth pixel has no accuracy and is left out of {@link #meanClassAccuracy}.</li>
 *   <li>The MDEQ reference (HRNet-style {@code testval}, docs/reference-model.md §5): IoU_c =
 *       tp / max(1, pos + res - tp), mean over all classes, so an absent class counts as 0
 *       ({@link #miouReference}); mean class accuracy = mean of tp / max(1, pos) over all classes.</li>
 * </ul>
 *
 * The two agree whenever every class occurs (the full Cityscapes val set). fp counts only pixels
 * with an evaluated truth; predictions that are no class (void) count as fn of their true class.
 *
 * @param classes one row per class
 * @param miou benchmark mean IoU over the classes with a defined IoU (NaN when none)
 * @param miouReference reference mean IoU over all classes
 * @param pixelAccuracy correct / evaluated pixels (NaN when nothing was evaluated)
 * @param meanClassAccuracy benchmark-style mean of per-class accuracy over classes with ground truth
 * @param meanClassAccuracyReference reference mean of tp / max(1, pos) over all classes
 * @param evaluatedPixels pixels whose truth is an evaluated class
 * @param ignoredPixels pixels whose truth is the ignore label
 * @param voidPredictions evaluated pixels predicted as no class
 * @param absentClasses names of the classes with undefined IoU (no truth, no prediction)
 */
public record SegmentationMetrics(
        List<ClassScore> classes,
        double miou,
        double miouReference,
        double pixelAccuracy,
        double meanClassAccuracy,
        double meanClassAccuracyReference,
        long evaluatedPixels,
        long ignoredPixels,
        long voidPredictions,
        List<String> absentClasses) {

    /**
     * The scores of one class.
     *
     * @param index class index (train id)
     * @param name class name
     * @param truthPixels pos: evaluated pixels of this class in the ground truth
     * @param predictedPixels res: evaluated pixels predicted as this class
     * @param truePositives tp
     * @param falsePositives fp = res - tp
     * @param falseNegatives fn = pos - tp
     * @param iou tp / (tp + fp + fn), NaN when the denominator is 0
     * @param iouReference tp / max(1, tp + fp + fn)
     * @param accuracy tp / pos, NaN when pos is 0
     */
    public record ClassScore(int index, String name, long truthPixels, long predictedPixels, long truePositives,
            long falsePositives, long falseNegatives, double iou, double iouReference, double accuracy) {
    }

    /** Scores a matrix; {@code names} has one name per class. */
    public static SegmentationMetrics of(ConfusionMatrix m, List<String> names) {
        int k = m.numClasses();
        if (names.size() != k) {
            throw new IllegalArgumentException(names.size() + " class names for a " + k + "-class matrix");
        }
        List<ClassScore> classes = new ArrayList<>(k);
        List<String> absent = new ArrayList<>();
        double iouSum = 0;
        int iouCount = 0;
        double iouRefSum = 0;
        double accSum = 0;
        int accCount = 0;
        double accRefSum = 0;
        long voidPredictions = 0;
        for (int c = 0; c < k; c++) {
            long tp = m.truePositives(c);
            long pos = m.truthTotal(c);
            long res = m.predictedTotal(c);
            long fp = res - tp;
            long fn = pos - tp;
            long union = tp + fp + fn;
            double iou = union == 0 ? Double.NaN : (double) tp / union;
            double iouRef = (double) tp / Math.max(1, union);
            double acc = pos == 0 ? Double.NaN : (double) tp / pos;
            classes.add(new ClassScore(c, names.get(c), pos, res, tp, fp, fn, iou, iouRef, acc));
            if (Double.isNaN(iou)) {
                absent.add(names.get(c));
            } else {
                iouSum += iou;
                iouCount++;
            }
            if (!Double.isNaN(acc)) {
                accSum += acc;
                accCount++;
            }
            iouRefSum += iouRef;
            accRefSum += (double) tp / Math.max(1, pos);
            voidPredictions += m.count(c, m.voidColumn());
        }
        long evaluated = m.total();
        return new SegmentationMetrics(List.copyOf(classes),
                iouCount == 0 ? Double.NaN : iouSum / iouCount,
                iouRefSum / k,
                evaluated == 0 ? Double.NaN : (double) m.correct() / evaluated,
                accCount == 0 ? Double.NaN : accSum / accCount,
                accRefSum / k,
                evaluated, m.ignored(), voidPredictions, List.copyOf(absent));
    }

    /** Class names 0..k-1 as "class 0", "class 1", ... for data sets without names. */
    public static List<String> numberedNames(int k) {
        List<String> names = new ArrayList<>(k);
        for (int c = 0; c < k; c++) {
            names.add("class " + c);
        }
        return names;
    }
}
