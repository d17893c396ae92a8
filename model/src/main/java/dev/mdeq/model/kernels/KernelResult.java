package dev.mdeq.model.kernels;

/**
 * One convolution in one direction, checked: its float32 result against float64.
 *
 * @param kernel the case's label, e.g. {@code conv3x3 24->120 @32}
 * @param direction forward, backward-data or backward-weights
 * @param relativeError largest absolute difference over the largest float64 magnitude
 *     ({@code NaN} when a value was not finite)
 * @param nonFinite float32 values that were NaN or infinite
 * @param passed finite and within the tolerance
 */
public record KernelResult(String kernel, String direction, double relativeError, long nonFinite, boolean passed) {

    /** Compares a float32 result (widened) with the float64 reference of the same computation. */
    public static KernelResult compare(String kernel, ConvolutionCheck.Direction direction,
            double[] single, double[] reference, double tolerance) {
        if (single.length != reference.length) {
            throw new IllegalArgumentException(kernel + " " + direction.label() + ": " + single.length
                    + " values against " + reference.length + " in the reference");
        }
        long nonFinite = 0;
        double maxDiff = 0;
        double scale = 0;
        for (int i = 0; i < single.length; i++) {
            if (!Double.isFinite(single[i])) {
                nonFinite++;
                continue;
            }
            maxDiff = Math.max(maxDiff, Math.abs(single[i] - reference[i]));
            scale = Math.max(scale, Math.abs(reference[i]));
        }
        double relative = nonFinite > 0 ? Double.NaN : maxDiff / Math.max(scale, Double.MIN_NORMAL);
        return new KernelResult(kernel, direction.label(), relative, nonFinite, nonFinite == 0 && relative <= tolerance);
    }

    /** e.g. {@code conv3x3 24->120 @32 backward-data: relative error 1.2e-03} or {@code ...: 17 NaN/Inf values}. */
    public String describe() {
        String what = nonFinite > 0 ? nonFinite + " NaN/Inf values" : String.format("relative error %.1e", relativeError);
        return kernel + " " + direction + ": " + what;
    }
}
