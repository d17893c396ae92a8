package dev.mdeq.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * The reference's {@code VariationalHidDropout2d(rate)} with spatial masks: in training, the input
 * is multiplied by a {@code (B, C, 1, 1)} mask of {@code bernoulli(1 - rate) / (1 - rate)} that is
 * drawn once per model forward (see {@link DropoutMasks}) and reused by every f evaluation and the
 * backward of that forward. In evaluation (or with rate 0) it is the identity.
 *
 * <p>Deviation, on purpose: the reference also draws masks in evaluation (they consume PyTorch's
 * global generator but are never applied); here evaluation draws nothing, so evaluating never
 * changes the masks a training run sees.
 */
public final class VariationalDropout extends LayerBlock {
    private final double rate;

    public VariationalDropout(double rate) {
        if (rate < 0 || rate >= 1) {
            throw new IllegalArgumentException("dropout rate must be in [0, 1), got " + rate);
        }
        this.rate = rate;
    }

    public double rate() {
        return rate;
    }

    @Override
    public NDArray forward(ForwardContext ctx, NDArray x) {
        if (!ctx.training() || rate == 0 || !ctx.masks().active()) {
            return x;
        }
        Shape shape = x.getShape();
        return x.mul(ctx.masks().mask(ctx, this, shape.get(0), shape.get(1), x.getDataType()));
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }
}
