package dev.mdeq.evaluator.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.mdeq.evaluator.results.ImageStats;
import dev.mdeq.evaluator.results.SolverRun;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Forward-solver statistics over every solve of an evaluation.
 *
 * @param solves number of solves
 * @param steps solver iterations per solve
 * @param absResidual final absolute residual per solve (finite values only)
 * @param relResidual final relative residual per solve (finite values only; null if never measured)
 * @param notConverged solves that stopped at the step limit without meeting the tolerance
 * @param nonFinite solves without a finite absolute residual (diverged)
 * @param stopReasons solves by why they stopped ({@code unknown} when not recorded)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SolverSummary(long solves, Stats steps, Stats absResidual, Stats relResidual, long notConverged,
        long nonFinite, Map<String, Long> stopReasons) {

    /**
     * Summary statistics of a list of numbers.
     *
     * @param mean arithmetic mean
     * @param median middle value (mean of the two middle values for an even count)
     * @param min smallest
     * @param max largest
     * @param count how many values
     */
    public record Stats(double mean, double median, double min, double max, long count) {
        /** Statistics of the values, or null when there are none. */
        public static Stats of(double[] values) {
            if (values.length == 0) {
                return null;
            }
            double[] sorted = values.clone();
            Arrays.sort(sorted);
            double sum = 0;
            for (double v : sorted) {
                sum += v;
            }
            int n = sorted.length;
            double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
            return new Stats(sum / n, median, sorted[0], sorted[n - 1], n);
        }
    }

    /** The summary of the images' solves, or null when there were none. */
    public static SolverSummary of(List<ImageStats> images) {
        List<SolverRun> runs = new ArrayList<>();
        for (ImageStats image : images) {
            runs.addAll(image.solves());
        }
        if (runs.isEmpty()) {
            return null;
        }
        double[] steps = new double[runs.size()];
        double[] abs = new double[runs.size()];
        double[] rel = new double[runs.size()];
        int absCount = 0;
        int relCount = 0;
        long notConverged = 0;
        long nonFinite = 0;
        Map<String, Long> reasons = new TreeMap<>();
        for (int i = 0; i < runs.size(); i++) {
            SolverRun r = runs.get(i);
            steps[i] = r.steps();
            if (r.absResidual() != null) {
                abs[absCount++] = r.absResidual();
            } else {
                nonFinite++;
            }
            if (r.relResidual() != null) {
                rel[relCount++] = r.relResidual();
            }
            if (!r.converged()) {
                notConverged++;
            }
            reasons.merge(r.stopReason() == null ? "unknown" : r.stopReason(), 1L, Long::sum);
        }
        return new SolverSummary(runs.size(), Stats.of(steps), Stats.of(Arrays.copyOf(abs, absCount)),
                Stats.of(Arrays.copyOf(rel, relCount)), notConverged, nonFinite, reasons);
    }
}
