package dev.mdeq.trainer.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Bilinear resizing with {@code align_corners=True} ({@code F.interpolate(x, size, mode='bilinear',
 * align_corners=True)}), which the segmentation head and the segmentation loss/evaluation use.
 *
 * <p>DJL's PyTorch engine cannot express it (its interpolate turns on anti-aliasing together with
 * align_corners), so it is computed as two matrix products with the separable interpolation
 * matrices: {@code out = A_h · x · A_wᵀ}, which is exactly the bilinear formula and differentiable.
 */
public final class Interpolation {
    private Interpolation() {
    }

    /** Resizes {@code x} {@code (..., H, W)} to {@code (..., height, width)}. */
    public static NDArray bilinearAlignCorners(NDArray x, long height, long width) {
        Shape shape = x.getShape();
        int dims = shape.dimension();
        long inHeight = shape.get(dims - 2);
        long inWidth = shape.get(dims - 1);
        if (inHeight == height && inWidth == width) {
            return x.duplicate();
        }
        NDArray columnsT = x.getManager().create(matrix(inWidth, width), new Shape(width, inWidth))
                .toType(x.getDataType(), false).transpose();
        NDArray rows = x.getManager().create(matrix(inHeight, height), new Shape(height, inHeight))
                .toType(x.getDataType(), false);
        return rows.matMul(x.matMul(columnsT));
    }

    /**
     * The {@code (out, in)} matrix of 1-D linear interpolation with aligned corners: output {@code
     * d} samples input position {@code d * (in - 1) / (out - 1)}.
     */
    static double[] matrix(long in, long out) {
        double[] weights = new double[Math.toIntExact(in * out)];
        double scale = out > 1 ? (double) (in - 1) / (out - 1) : 0;
        for (int d = 0; d < out; d++) {
            double source = d * scale;
            int lower = (int) Math.min(Math.floor(source), in - 1);
            int upper = (int) Math.min(lower + 1, in - 1);
            double fraction = source - lower;
            weights[Math.toIntExact(d * in + lower)] += 1 - fraction;
            weights[Math.toIntExact(d * in + upper)] += fraction;
        }
        return weights;
    }
}
