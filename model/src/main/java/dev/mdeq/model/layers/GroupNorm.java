package dev.mdeq.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/**
 * PyTorch's {@code nn.GroupNorm(groups, channels, eps=1e-5, affine=True)} (DJL has none): the
 * channels of each sample split into {@code groups} consecutive groups, each normalised by its own
 * mean and biased variance over its channels and pixels, then a per-channel affine map ({@code
 * weight} initialised 1, {@code bias} 0).
 *
 * <p>Computed as a layer norm over each reshaped {@code (B, groups, C/groups*H*W)} group, which is
 * the same normalisation with a fused kernel (and fused backward), then the per-channel affine map,
 * in the way that is cheapest for what follows (measured on CIFAR TINY, docs/benchmarks.md):
 * <ul>
 *   <li>recorded with the parameters' gradients (training graphs): an inference-mode batch norm with
 *       mean 0, variance 1 and epsilon 0 ({@code x * weight + bias} exactly), one fused pass whose
 *       backward also gives the parameters' gradients, and one saved array less than a multiply and
 *       an add (an unrolled step: 0.92-1.01x the time, 0.82x the memory);</li>
 *   <li>recorded without them (the adjoint solve's graph, detached weights): multiply and add, whose
 *       backward is one multiply (the batch norm's backward was slower there);</li>
 *   <li>not recorded (solver iterations): multiply and add in place on the fresh normalised array.</li>
 * </ul>
 */
public final class GroupNorm extends LayerBlock {
    /** PyTorch's default epsilon. */
    public static final double EPS = 1e-5;

    private final int groups;
    private final int channels;
    private final Parameter weight;
    private final Parameter bias;
    private final Object weightKey = new Object();
    private final Object biasKey = new Object();

    public GroupNorm(int groups, int channels) {
        if (groups < 1 || channels % groups != 0) {
            throw new IllegalArgumentException("GroupNorm needs the channels (" + channels
                    + ") to be a multiple of the groups (" + groups + ")");
        }
        this.groups = groups;
        this.channels = channels;
        weight = parameter("weight", new Shape(channels), ParameterInit.constant(1));
        bias = parameter("bias", new Shape(channels), ParameterInit.constant(0));
    }

    public int groups() {
        return groups;
    }

    @Override
    public NDArray forward(ForwardContext ctx, NDArray x) {
        Shape shape = x.getShape();
        long perGroup = shape.size() / (shape.get(0) * groups);
        NDArray ones = ctx.constant(1, perGroup, x.getDataType());
        NDArray zeros = ctx.constant(0, perGroup, x.getDataType());
        NDArray normalised = TorchOps.layerNorm(x.reshape(shape.get(0), groups, perGroup), new Shape(perGroup), ones,
                zeros, EPS).reshape(shape);
        NDArray w = ctx.value(weight);
        NDArray b = ctx.value(bias);
        boolean recorded = TorchOps.isGradEnabled();
        if (recorded && (w.hasGradient() || b.hasGradient())) {
            return TorchOps.batchNorm(normalised, ctx.constant(0, channels, x.getDataType()),
                    ctx.constant(1, channels, x.getDataType()), w, b, false, 0.0, 0.0);
        }
        NDArray gamma = ctx.derive(weightKey, new NDArray[] {w}, in -> in[0].reshape(channels, 1, 1));
        NDArray beta = ctx.derive(biasKey, new NDArray[] {b}, in -> in[0].reshape(channels, 1, 1));
        return recorded ? normalised.mul(gamma).add(beta) : normalised.muli(gamma).addi(beta);
    }

    @Override
    public Shape outputShape(Shape input) {
        requireChannels(input, channels);
        return input;
    }
}
