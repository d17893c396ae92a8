package dev.mdeq.model.layers;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A {@link NamedBlock} with one input and one output. DJL's {@code forward} runs it within the
 * {@link ForwardContext} found in the params ({@link ForwardContext#asParams()}), or else within a
 * fresh context of its own (no dropout masks) whose derived arrays belong to the input's manager.
 */
public abstract class LayerBlock extends NamedBlock implements Layer {

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        ForwardContext ctx = ForwardContext.forCall(params, parameterStore, inputs.head().getManager(), training);
        return new NDList(forward(ctx, inputs.singletonOrThrow()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {outputShape(inputShapes[0])};
    }
}
