package dev.mdeq.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.mdeq.model.layers.Conv2d;
import dev.mdeq.model.layers.ForwardContext;
import dev.mdeq.model.layers.GroupNorm;
import dev.mdeq.model.layers.LayerBlock;
import dev.mdeq.model.layers.ModuleList;
import dev.mdeq.model.layers.NamedBlock;
import dev.mdeq.model.layers.NearestUpsample;
import dev.mdeq.model.layers.Relu;
import dev.mdeq.model.layers.Sequential;
import dev.mdeq.model.layers.WeightNormConv2d;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * f_theta, the multiscale equilibrium layer ({@code mdeq_core.MDEQModule}, state-dict prefix
 * {@code fullstage}, docs/reference-model.md §1.2): per branch a residual block (the injection enters branch 0
 * only), then multiscale fusion {@code y_i = sum_j F_ij(b_j)} (j ascending; identity for j = i,
 * 1x1 conv + GroupNorm + nearest upsampling from coarser branches, chains of stride-2 3x3 conv +
 * GroupNorm with ReLU between from finer ones), then per branch ReLU, 1x1 (weight-normalised)
 * conv and GroupNorm with half the groups.
 *
 * <p>{@link #forward(ForwardContext, List, NDArray)} may be called any number of times within one
 * {@link ForwardContext}: the weight-normalised weights and dropout masks are those of the context.
 */
public final class MultiscaleLayer extends NamedBlock {
    private final List<Integer> channels;
    private final ModuleList<Branch> branches = child("branches", ModuleList.perIndex());
    private final ModuleList<ModuleList<Sequential>> fuseLayers;
    private final ModuleList<Sequential> postFuseLayers;

    public MultiscaleLayer(Architecture arch) {
        channels = arch.channels();
        int n = channels.size();
        int groups = arch.groups();
        for (int i = 0; i < n; i++) {
            branches.put(i, new Branch(channels.get(i), arch.blocks().get(i), arch.expansion(), groups, arch.dropout(),
                    arch.wnorm()));
        }
        // The reference has no fuse layers with a single branch (fuse_layers = None).
        fuseLayers = n > 1 ? child("fuse_layers", ModuleList.shared()) : null;
        if (fuseLayers != null) {
            for (int i = 0; i < n; i++) {
                ModuleList<Sequential> row = fuseLayers.put(i, ModuleList.perIndex());
                for (int j = 0; j < n; j++) {
                    if (j != i) {
                        row.put(j, j > i ? upsample(j, i, groups) : downsample(j, i, groups));
                    }
                }
            }
        }
        postFuseLayers = child("post_fuse_layers", ModuleList.perIndex());
        for (int i = 0; i < n; i++) {
            int c = channels.get(i);
            LayerBlock conv = arch.wnorm() ? new WeightNormConv2d(c, c, 1, 1, 0) : Conv2d.conv1x1(c, c, false);
            postFuseLayers.put(i, new Sequential()
                    .add("relu", Relu.inPlace()) // on the fresh fusion sum
                    .add("conv", conv)
                    .add("gnorm", new GroupNorm(groups / 2, c)));
        }
    }

    /** {@code UpsampleModule}: branch j (coarser) into branch i: 1x1 conv, GroupNorm, nearest x2^(j-i). */
    private Sequential upsample(int j, int i, int groups) {
        return new Sequential().add("net", new Sequential()
                .add("conv", Conv2d.conv1x1(channels.get(j), channels.get(i), false))
                .add("gnorm", new GroupNorm(groups, channels.get(i)))
                .add("upsample", new NearestUpsample(1 << (j - i))));
    }

    /**
     * {@code DownsampleModule}: branch j (finer) into branch i: i-j stride-2 3x3 convs with
     * GroupNorm, ReLU after all but the last; intermediate stages keep branch j's channels.
     */
    private Sequential downsample(int j, int i, int groups) {
        Sequential net = new Sequential();
        int in = channels.get(j);
        for (int k = 0; k < i - j; k++) {
            boolean last = k == i - j - 1;
            int out = last ? channels.get(i) : in;
            Sequential stage = new Sequential()
                    .add("conv", new Conv2d(in, out, 3, 2, 1, false))
                    .add("gnorm", new GroupNorm(groups, out));
            if (!last) {
                stage.add("relu", Relu.inPlace()); // on the norm's fresh output
            }
            net.add(String.valueOf(k), stage);
        }
        return new Sequential().add("net", net);
    }

    /**
     * One application of f: the new state of every branch from states {@code z} and the
     * injection {@code x0} of branch 0 (the other branches' injections are zero).
     */
    public List<NDArray> forward(ForwardContext ctx, List<NDArray> z, NDArray x0) {
        int n = channels.size();
        if (z.size() != n) {
            throw new IllegalArgumentException("f takes one state per branch (" + n + "), got " + z.size());
        }
        List<NDArray> blocks = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            blocks.add(branches.get(i).forward(ctx, z.get(i), i == 0 ? x0 : null));
        }
        if (fuseLayers == null) {
            return blocks;
        }
        List<NDArray> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            // The sum accumulates in place once it is an array of its own: never into branch i's
            // block output, which the other rows read too.
            NDArray y = null;
            for (int j = 0; j < n; j++) {
                NDArray term = i == j ? blocks.get(j) : fuseLayers.get(i).get(j).forward(ctx, blocks.get(j));
                if (y == null) {
                    y = term;
                } else if (y == blocks.get(i)) {
                    y = y.add(term);
                } else {
                    y.addi(term);
                }
            }
            out.add(postFuseLayers.get(i).forward(ctx, y));
        }
        return out;
    }

    /** FLOPs of one application of f to states of the given shapes (one per branch). */
    public long flops(List<Shape> z) {
        int n = channels.size();
        long total = 0;
        for (int i = 0; i < n; i++) {
            total += branches.get(i).flops(z.get(i));
        }
        if (fuseLayers == null) {
            return total;
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i != j) {
                    total += fuseLayers.get(i).get(j).flops(z.get(j));
                }
            }
            total += postFuseLayers.get(i).flops(z.get(i));
        }
        return total;
    }

    /** The residual blocks of every branch (for per-part summaries). */
    public ModuleList<Branch> branches() {
        return branches;
    }

    /** The fusion layers ({@code fuse_layers}; null with a single branch). */
    public ModuleList<ModuleList<Sequential>> fuseLayers() {
        return fuseLayers;
    }

    public ModuleList<Sequential> postFuseLayers() {
        return postFuseLayers;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        branches.initialize(manager, dataType, inputShapes);
        if (fuseLayers != null) {
            fuseLayers.initialize(manager, dataType, inputShapes);
        }
        postFuseLayers.initialize(manager, dataType, inputShapes);
    }

    /** DJL entry: inputs {@code (z_0, ..., z_{n-1}, x_0)}. */
    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        ForwardContext ctx = ForwardContext.forCall(params, parameterStore, inputs.head().getManager(), training);
        int n = channels.size();
        return new NDList(forward(ctx, inputs.subList(0, n), inputs.get(n)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return Arrays.copyOf(inputShapes, channels.size());
    }
}
