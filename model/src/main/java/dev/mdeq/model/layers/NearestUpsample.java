package dev.mdeq.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** {@code nn.Upsample(scale_factor=factor, mode='nearest')} on {@code (N, C, H, W)} arrays. */
public final class NearestUpsample extends LayerBlock {
    private final int factor;

    public NearestUpsample(int factor) {
        this.factor = factor;
    }

    @Override
    public NDArray forward(ForwardContext ctx, NDArray x) {
        Shape shape = x.getShape();
        return TorchOps.upsampleNearest(x, shape.get(2) * factor, shape.get(3) * factor);
    }

    @Override
    public Shape outputShape(Shape input) {
        return new Shape(input.get(0), input.get(1), input.get(2) * factor, input.get(3) * factor);
    }
}
