package dev.mdeq.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Bilinear resizing as PyTorch's {@code F.interpolate(x, size, mode='bilinear')} computes it, with
 * {@code align_corners=True} (the segmentation head, the segmentation loss and evaluation) or
 * {@code align_corners=False} (half-pixel centres; also what OpenCV's {@code cv2.resize(...,
 * INTER_LINEAR)} computes on float images, which the reference's multi-scale test uses).
 *
 * <p>DJL's PyTorch engine cannot express either exactly (its interpolate turns on anti-aliasing
 * together with its bilinear mode), so they are computed as two matrix products with the
 * separable interpolation matrices: {@code out = A_h · x · A_wᵀ}, which is exactly the bilinear
 * formula and differentiable.
 */
public final class Interpolation {
    private Interpolation() {
    }

    /** Resizes {@code x} {@code (..., H, W)} to {@code (..., height, width)} with aligned corners. */
    public static NDArray bilinearAlignCorners(NDArray x, long height, long width) {
        return resize(x, height, width, true);
    }

    /**
     * Resizes {@code x} {@code (..., H, W)} to {@code (..., height, width)} with half-pixel centres
     * ({@code align_corners=False}), without anti-aliasing when shrinking.
     */
    public static NDArray bilinear(NDArray x, long height, long width) {
        return resize(x, height, width, false);
    }

    private static NDArray resize(NDArray x, long height, long width, boolean alignCorners) {
        Shape shape = x.getShape();
        int dims = shape.dimension();
        long inHeight = shape.get(dims - 2);
        long inWidth = shape.get(dims - 1);
        if (inHeight == height && inWidth == width) {
            return x.duplicate();
        }
        NDArray columnsT = ArrayValues.owned(x.getManager(), matrix(inWidth, width, alignCorners),
                new Shape(width, inWidth), x.getDataType()).transpose();
        NDArray rows = ArrayValues.owned(x.getManager(), matrix(inHeight, height, alignCorners),
                new Shape(height, inHeight), x.getDataType());
        return rows.matMul(x.matMul(columnsT));
    }

    /**
     * The {@code (out, in)} matrix of 1-D linear interpolation. With aligned corners output {@code
     * d} samples input position {@code d * (in - 1) / (out - 1)}; otherwise {@code (d + 0.5) * in /
     * out - 0.5}, clamped to {@code [0, in - 1]} (PyTorch's and OpenCV's rule at the borders).
     */
    static double[] matrix(long in, long out, boolean alignCorners) {
        double[] weights = new double[Math.toIntExact(in * out)];
        double scale = alignCorners ? (out > 1 ? (double) (in - 1) / (out - 1) : 0) : (double) in / out;
        for (int d = 0; d < out; d++) {
            double source = alignCorners ? d * scale : Math.max(0, (d + 0.5) * scale - 0.5);
            int lower = (int) Math.min(Math.floor(source), in - 1);
            int upper = (int) Math.min(lower + 1, in - 1);
            double fraction = source - lower;
            weights[Math.toIntExact(d * in + lower)] += 1 - fraction;
            weights[Math.toIntExact(d * in + upper)] += fraction;
        }
        return weights;
    }
}
