package dev.mdeq.metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * Classification scores, as fractions (0..1).
 *
 * @param samples samples counted
 * @param top1 samples whose best-ranked class is the truth / samples (NaN when there are none)
 * @param top5 samples whose truth is among the 5 best-ranked classes / samples (from scores with
 *     at most 5 classes, every valid sample)
 * @param classes per-class accuracy (recall)
 * @param meanClassAccuracy mean of the per-class accuracies over the classes that have samples
 * @param invalidSamples samples with a NaN score (counted wrong)
 */
public record ClassificationMetrics(long samples, double top1, double top5, List<ClassAccuracy> classes,
        double meanClassAccuracy, long invalidSamples) {

    /**
     * @param index class index
     * @param name class name
     * @param samples samples of this class
     * @param correct of them predicted right (top-1)
     * @param accuracy correct / samples, NaN when there are none
     */
    public record ClassAccuracy(int index, String name, long samples, long correct, double accuracy) {
    }

    public static ClassificationMetrics of(ClassificationCounts counts, List<String> names) {
        ConfusionMatrix m = counts.confusion();
        int k = m.numClasses();
        if (names.size() != k) {
            throw new IllegalArgumentException(names.size() + " class names for " + k + " classes");
        }
        List<ClassAccuracy> classes = new ArrayList<>(k);
        double sum = 0;
        int present = 0;
        for (int c = 0; c < k; c++) {
            long n = m.truthTotal(c);
            long tp = m.truePositives(c);
            double acc = n == 0 ? Double.NaN : (double) tp / n;
            classes.add(new ClassAccuracy(c, names.get(c), n, tp, acc));
            if (n > 0) {
                sum += acc;
                present++;
            }
        }
        long samples = counts.samples();
        long top5Correct = counts.correctAtK(ClassificationCounts.MAX_RANK);
        return new ClassificationMetrics(samples,
                samples == 0 ? Double.NaN : (double) counts.correctAtK(1) / samples,
                samples == 0 ? Double.NaN : (double) top5Correct / samples,
                List.copyOf(classes),
                present == 0 ? Double.NaN : sum / present,
                counts.invalidSamples());
    }
}
