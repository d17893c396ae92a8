package dev.mdeq.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.model.layers.Conv2d;
import dev.mdeq.model.layers.ForwardContext;
import dev.mdeq.model.layers.GroupNorm;
import dev.mdeq.model.layers.LayerBlock;
import dev.mdeq.model.layers.TorchOps;
import dev.mdeq.model.layers.VariationalDropout;
import dev.mdeq.model.layers.WeightNormConv2d;

/**
 * The residual block of each branch of f ({@code mdeq_core.BasicBlock}, docs/reference-model.md §1.2):
 * <pre>
 * out = relu(gn1(conv1(z)))
 * out = gn2(drop(conv2(out)) + injection)
 * out = gn3(relu(out + z))          // ReLU before the last GroupNorm
 * </pre>
 * conv1: 3x3, C to E*C; conv2: 3x3, E*C to C; both bias-free and weight-normalised when {@code
 * WNORM}. The injection is added only in the first block of a branch (null elsewhere, and for
 * branches other than 0, whose injection the reference fills with zeros).
 */
public final class BasicBlock extends InjectedBlock {
    private final int channels;
    private final LayerBlock conv1;
    private final GroupNorm gn1;
    private final LayerBlock conv2;
    private final GroupNorm gn2;
    private final GroupNorm gn3;
    private final VariationalDropout drop;

    public BasicBlock(int channels, int expansion, int groups, double dropout, boolean wnorm) {
        this.channels = channels;
        int inner = expansion * channels;
        conv1 = child("conv1", conv3x3(channels, inner, wnorm));
        gn1 = child("gn1", new GroupNorm(groups, inner));
        conv2 = child("conv2", conv3x3(inner, channels, wnorm));
        gn2 = child("gn2", new GroupNorm(groups, channels));
        gn3 = child("gn3", new GroupNorm(groups, channels));
        drop = child("drop", new VariationalDropout(dropout));
    }

    private static LayerBlock conv3x3(int in, int out, boolean wnorm) {
        return wnorm ? new WeightNormConv2d(in, out, 3, 1, 1) : Conv2d.conv3x3(in, out, 1, false);
    }

    /** Applies the block to state {@code z} with {@code injection} (null: none). */
    @Override
    public NDArray forward(ForwardContext ctx, NDArray z, NDArray injection) {
        // The ReLUs and sums work in place on arrays only this block holds (fresh outputs of
        // convolutions, norms and dropout, whose backward passes do not need them), as the
        // reference's nn.ReLU(inplace=True) and `out += residual`: no allocation, and with
        // autograd one array fewer kept per ReLU.
        NDArray out = TorchOps.reluInPlace(gn1.forward(ctx, conv1.forward(ctx, z)));
        out = drop.forward(ctx, conv2.forward(ctx, out));
        if (injection != null) {
            out = out.addi(injection);
        }
        out = gn2.forward(ctx, out);
        return gn3.forward(ctx, TorchOps.reluInPlace(out.addi(z)));
    }

    /** FLOPs of one application to a state of shape {@code z}. */
    public long flops(Shape z) {
        return conv1.flops(z) + conv2.flops(conv1.outputShape(z));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape z = inputShapes[0];
        Shape inner = conv1.outputShape(z);
        conv1.initialize(manager, dataType, z);
        gn1.initialize(manager, dataType, inner);
        conv2.initialize(manager, dataType, inner);
        gn2.initialize(manager, dataType, z);
        gn3.initialize(manager, dataType, z);
        drop.initialize(manager, dataType, z);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        if (inputShapes[0].get(1) != channels) {
            throw new IllegalArgumentException("BasicBlock expects " + channels + " channels, got " + inputShapes[0]);
        }
        return new Shape[] {inputShapes[0]};
    }
}
