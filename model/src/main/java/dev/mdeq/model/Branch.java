package dev.mdeq.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.model.layers.ForwardContext;
import dev.mdeq.model.layers.ModuleList;

/**
 * The residual blocks of one resolution ({@code mdeq_core.BranchNet}): the first block gets the
 * injection, the others chain.
 */
public final class Branch extends InjectedBlock {
    private final ModuleList<BasicBlock> blocks = child("blocks", ModuleList.shared());

    public Branch(int channels, int numBlocks, int expansion, int groups, double dropout, boolean wnorm) {
        for (int k = 0; k < numBlocks; k++) {
            blocks.put(k, new BasicBlock(channels, expansion, groups, dropout, wnorm));
        }
    }

    @Override
    public NDArray forward(ForwardContext ctx, NDArray z, NDArray injection) {
        NDArray out = blocks.get(0).forward(ctx, z, injection);
        for (int k = 1; k < blocks.size(); k++) {
            out = blocks.get(k).forward(ctx, out, null);
        }
        return out;
    }

    public long flops(Shape z) {
        long total = 0;
        for (int k = 0; k < blocks.size(); k++) {
            total += blocks.get(k).flops(z);
        }
        return total;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        blocks.initialize(manager, dataType, inputShapes[0]);
    }
}
