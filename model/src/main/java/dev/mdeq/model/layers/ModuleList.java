package dev.mdeq.model.layers;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * PyTorch's {@code nn.ModuleList}: blocks under index names that the owner calls itself. An index
 * may be missing (the reference's {@code None} entries, e.g. {@code fuse_layers[i][i]}), and the
 * remaining entries keep their index in the name.
 *
 * @param <B> the kind of block held
 */
public final class ModuleList<B extends NamedBlock> extends NamedBlock {
    private final List<B> items = new ArrayList<>();
    private final boolean perIndex;

    private ModuleList(boolean perIndex) {
        this.perIndex = perIndex;
    }

    /** A list whose entry {@code k} is initialised with input shape {@code k} (one input per branch). */
    public static <B extends NamedBlock> ModuleList<B> perIndex() {
        return new ModuleList<>(true);
    }

    /** A list whose entries are all initialised with the list's input shapes. */
    public static <B extends NamedBlock> ModuleList<B> shared() {
        return new ModuleList<>(false);
    }

    /** Puts {@code block} at {@code index} (indices must grow); returns the block. */
    public B put(int index, B block) {
        child(String.valueOf(index), block);
        while (items.size() < index) {
            items.add(null);
        }
        items.add(block);
        return block;
    }

    /** The block at {@code index} (null where the reference has {@code None}). */
    public B get(int index) {
        return index < items.size() ? items.get(index) : null;
    }

    public int size() {
        return items.size();
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (Pair<String, NamedBlock> pair : namedChildren()) {
            Shape[] shapes = perIndex ? new Shape[] {inputShapes[Integer.parseInt(pair.getKey())]} : inputShapes;
            pair.getValue().initialize(manager, dataType, shapes);
        }
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        throw new UnsupportedOperationException("a ModuleList is not called; its owner calls its entries");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        throw new UnsupportedOperationException("a ModuleList is not called; its owner calls its entries");
    }
}
