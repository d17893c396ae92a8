package dev.mdeq.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * The shapes of the equilibrium state (one {@code (B, C_i, H_i, W_i)} array per branch) and the
 * mapping to and from the solver's {@code (B, D)} vector, in the reference's order ({@code
 * DEQFunc2d.list2vec}, docs/reference-model.md §3.1): per sample, branch 0 in (C, H, W) row-major order, then
 * branch 1, and so on.
 *
 * @param branches the shape of each branch's state, batch first
 */
public record StateLayout(List<Shape> branches) {

    public StateLayout {
        branches = List.copyOf(branches);
    }

    /** Samples in the batch. */
    public long batch() {
        return branches.get(0).get(0);
    }

    /** D: state elements per sample, summed over the branches. */
    public long perSample() {
        long total = 0;
        for (Shape shape : branches) {
            total += shape.size() / shape.get(0);
        }
        return total;
    }

    /** The state flattened to {@code (B, D)}. */
    public NDArray flatten(List<NDArray> state) {
        NDList parts = new NDList(state.size());
        for (NDArray branch : state) {
            parts.add(branch.reshape(batch(), -1));
        }
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 1);
    }

    /** The per-branch arrays of a {@code (B, D)} vector (views where the engine allows). */
    public List<NDArray> unflatten(NDArray vector) {
        long[] cuts = new long[branches.size() - 1];
        long offset = 0;
        for (int i = 0; i < cuts.length; i++) {
            offset += branches.get(i).size() / batch();
            cuts[i] = offset;
        }
        NDList parts = cuts.length == 0 ? new NDList(vector) : vector.split(cuts, 1);
        List<NDArray> out = new ArrayList<>(branches.size());
        for (int i = 0; i < branches.size(); i++) {
            out.add(parts.get(i).reshape(branches.get(i)));
        }
        return out;
    }

    /** A zero state (the reference's initial guess). */
    public List<NDArray> zeros(NDManager manager, DataType type) {
        List<NDArray> out = new ArrayList<>(branches.size());
        for (Shape shape : branches) {
            out.add(manager.zeros(shape, type));
        }
        return out;
    }
}
