package dev.mdeq.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.mdeq.model.layers.ForwardContext;
import dev.mdeq.model.layers.NamedBlock;
import java.util.List;

/**
 * A head as a DJL block. {@link MdeqNet} calls {@link Head#forward} with the equilibrium states; as
 * a {@code Block} it takes the same states, one array per branch, and returns the output.
 */
abstract class HeadBlock extends NamedBlock implements Head {

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        ForwardContext ctx = ForwardContext.forCall(params, parameterStore, inputs.head().getManager(), training);
        return new NDList(forward(ctx, inputs));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {outputShape(List.of(inputShapes))};
    }
}
