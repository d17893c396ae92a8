package dev.mdeq.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/** ReLU, as a child so that sequences keep the reference's indices ({@code downsample.3.weight}). */
public final class Relu extends LayerBlock {
    private final boolean inPlace;

    /** A ReLU that returns a new array ({@code nn.ReLU(False)}). */
    public Relu() {
        this(false);
    }

    private Relu(boolean inPlace) {
        this.inPlace = inPlace;
    }

    /**
     * A ReLU that overwrites its input ({@code nn.ReLU(inplace=True)}, {@link TorchOps#reluInPlace}):
     * only where nothing else reads the input.
     */
    public static Relu inPlace() {
        return new Relu(true);
    }

    @Override
    public NDArray forward(ForwardContext ctx, NDArray x) {
        return inPlace ? TorchOps.reluInPlace(x) : Activation.relu(x);
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }
}
