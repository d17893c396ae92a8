package dev.mdeq.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.mdeq.model.layers.ForwardContext;
import dev.mdeq.model.layers.NamedBlock;

/**
 * A part of f that maps a branch's state, plus the injection where it enters, to a new state
 * ({@link BasicBlock}, {@link Branch}). As a DJL block its inputs are {@code (z)} or
 * {@code (z, injection)}.
 */
abstract class InjectedBlock extends NamedBlock {

    /** The new state of the branch; {@code injection} may be null (it enters only the first block). */
    public abstract NDArray forward(ForwardContext ctx, NDArray z, NDArray injection);

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        ForwardContext ctx = ForwardContext.forCall(params, parameterStore, inputs.head().getManager(), training);
        return new NDList(forward(ctx, inputs.get(0), inputs.size() > 1 ? inputs.get(1) : null));
    }
}
