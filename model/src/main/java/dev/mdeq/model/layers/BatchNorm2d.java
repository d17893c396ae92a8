package dev.mdeq.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/**
 * PyTorch's {@code nn.BatchNorm2d(channels, eps=1e-5, momentum, affine)}: training mode normalises
 * with the batch statistics and updates {@code running_mean} / {@code running_var} (unbiased) with
 * {@code momentum} in PyTorch's convention and counts {@code num_batches_tracked}; evaluation uses
 * the running statistics. {@code weight} 1 and {@code bias} 0 when affine; {@code affine=false}
 * (the classification head's Bottlenecks) has no weight and bias.
 *
 * <p>Momentum is given as PyTorch writes it (0.1 classification, 0.01 segmentation). DJL's own
 * {@code BatchNorm} counts momentum the other way round (weight of the old value: 0.9 / 0.99).
 */
public final class BatchNorm2d extends LayerBlock {
    /** PyTorch's default epsilon. */
    public static final double EPS = 1e-5;

    private final int channels;
    private final double momentum;
    private final Parameter weight;
    private final Parameter bias;
    private final Parameter runningMean;
    private final Parameter runningVar;
    private final Parameter batchesTracked;

    /**
     * @param channels number of channels
     * @param momentum PyTorch momentum: weight of the new batch statistic in the running average
     * @param affine whether the layer has a learned weight and bias
     */
    public BatchNorm2d(int channels, double momentum, boolean affine) {
        this.channels = channels;
        this.momentum = momentum;
        Shape shape = new Shape(channels);
        weight = affine ? parameter("weight", shape, ParameterInit.constant(1)) : null;
        bias = affine ? parameter("bias", shape, ParameterInit.constant(0)) : null;
        runningMean = buffer("running_mean", shape, ParameterInit.constant(0), null);
        runningVar = buffer("running_var", shape, ParameterInit.constant(1), null);
        batchesTracked = buffer("num_batches_tracked", new Shape(), ParameterInit.constant(0), DataType.INT64);
    }

    public double momentum() {
        return momentum;
    }

    @Override
    public NDArray forward(ForwardContext ctx, NDArray x) {
        NDArray gamma = weight != null ? ctx.value(weight) : ctx.constant(1, channels, x.getDataType());
        NDArray beta = bias != null ? ctx.value(bias) : ctx.constant(0, channels, x.getDataType());
        NDArray out = TorchOps.batchNorm(x, runningMean.getArray(), runningVar.getArray(), gamma, beta, ctx.training(),
                momentum, EPS);
        if (ctx.training()) {
            NDArray counter = batchesTracked.getArray();
            counter.set(new long[] {counter.getLong() + 1});
        }
        return out;
    }

    @Override
    public Shape outputShape(Shape input) {
        requireChannels(input, channels);
        return input;
    }
}
