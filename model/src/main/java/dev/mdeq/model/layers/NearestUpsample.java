package dev.mdeq.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * {@code nn.Upsample(scale_factor=factor, mode='nearest')} on {@code (N, C, H, W)} arrays.
 *
 * <p>With an integer factor every input pixel becomes a factor x factor square, so the result is
 * the input broadcast along two new axes and reshaped: one copy. (libtorch 2.7.1's CPU {@code
 * upsample_nearest2d} converts input and output to channels-last and back, three extra copies that
 * cost about 6 % of an f evaluation on CIFAR TINY; the backward of the broadcast is the same sum
 * over each square.)
 */
public final class NearestUpsample extends LayerBlock {
    private final int factor;

    public NearestUpsample(int factor) {
        this.factor = factor;
    }

    @Override
    public NDArray forward(ForwardContext ctx, NDArray x) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), s.get(2), 1, s.get(3), 1)
                .broadcast(s.get(0), s.get(1), s.get(2), factor, s.get(3), factor)
                .reshape(outputShape(s));
    }

    @Override
    public Shape outputShape(Shape input) {
        return new Shape(input.get(0), input.get(1), input.get(2) * factor, input.get(3) * factor);
    }
}
