package dev.mdeq.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.mdeq.model.layers.NamedBlock;
import java.util.List;

/** A head as a DJL block: called by {@link MdeqNet} with the states of all branches, not through DJL. */
abstract class HeadBlock extends NamedBlock implements Head {

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        throw new UnsupportedOperationException("the head is called by MdeqNet with the equilibrium states");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {outputShape(List.of(inputShapes))};
    }
}
