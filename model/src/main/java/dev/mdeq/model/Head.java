package dev.mdeq.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.model.layers.ForwardContext;
import java.util.List;

/** What turns the equilibrium states of all branches into the model's output. */
public interface Head {

    /** The output (class logits {@code (B, classes)}, or segmentation logits at 1/4 resolution). */
    NDArray forward(ForwardContext ctx, List<NDArray> z);

    /** The output shape for states of the given shapes. */
    Shape outputShape(List<Shape> z);

    /** FLOPs of one application (convolutions and linear maps). */
    long flops(List<Shape> z);
}
