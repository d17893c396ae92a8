package dev.mdeq.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** A block with one input and one output, run within a {@link ForwardContext}. */
public interface Layer {

    /** Applies the layer to {@code x}. */
    NDArray forward(ForwardContext ctx, NDArray x);

    /** The output shape for an input of shape {@code input} ({@code (B, C, H, W)} for images). */
    Shape outputShape(Shape input);

    /**
     * Floating-point operations of one application to an input of shape {@code input}, counted as
     * 2 per multiply-add of convolutions and linear maps (normalisation, activations and additions
     * are not counted, as in the reference's FLOP figures).
     */
    default long flops(Shape input) {
        return 0;
    }
}
