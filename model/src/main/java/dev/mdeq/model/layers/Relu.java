package dev.mdeq.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/** ReLU, as a child so that sequences keep the reference's indices ({@code downsample.3.weight}). */
public final class Relu extends LayerBlock {

    @Override
    public NDArray forward(ForwardContext ctx, NDArray x) {
        return Activation.relu(x);
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }
}
