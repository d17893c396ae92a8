package dev.mdeq.model.kernels;

import java.util.Comparator;
import java.util.List;

/**
 * What the self-check found: every kernel's result and how long the check took.
 *
 * @param results one per convolution case and direction
 * @param millis wall time of the check
 */
public record KernelCheckReport(List<KernelResult> results, long millis) {
    public KernelCheckReport {
        results = List.copyOf(results);
    }

    public boolean passed() {
        return !results.isEmpty() && results.stream().allMatch(KernelResult::passed);
    }

    public List<KernelResult> failures() {
        return results.stream().filter(r -> !r.passed()).toList();
    }

    /** The result furthest from float64 (non-finite first). */
    public KernelResult worst() {
        return results.stream()
                .max(Comparator.comparingDouble(r -> r.nonFinite() > 0 ? Double.POSITIVE_INFINITY : r.relativeError()))
                .orElseThrow();
    }

    /** One phrase: {@code 24 kernels within 1e-05 of float64 (worst 4.1e-07)} or the failures. */
    public String summary() {
        if (passed()) {
            return String.format("%d kernels within %.0e of float64 (worst %.1e)", results.size(),
                    ConvolutionCheck.TOLERANCE, worst().relativeError());
        }
        List<KernelResult> failures = failures();
        String first = failures.stream().limit(2).map(KernelResult::describe).reduce((a, b) -> a + "; " + b).orElse("");
        return failures.size() + " of " + results.size() + " kernels wrong (" + first
                + (failures.size() > 2 ? "; " + (failures.size() - 2) + " more" : "") + ")";
    }
}
