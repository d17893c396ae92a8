package dev.mdeq.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/**
 * PyTorch's {@code nn.GroupNorm(groups, channels, eps=1e-5, affine=True)}: the channels of each
 * sample split into {@code groups} consecutive groups, each normalised by its own mean and biased
 * variance over its channels and pixels, then a per-channel affine map ({@code weight} initialised
 * 1, {@code bias} 0).
 *
 * <p>DJL has no group norm, so this calls PyTorch's own fused {@code torch.group_norm} through a
 * TorchScript function ({@link TorchScriptFunction}, {@code group_norm.pt}): one pass forward, and
 * a backward that recomputes the normalised values from the input and the saved statistics instead
 * of keeping them, as the reference's layer does. The epsilon, PyTorch's default 1e-5, is written
 * in that function. Built from DJL's layer norm plus an affine map, this layer kept one more
 * full-size array per norm in every training graph (docs/benchmarks.md, "Second round").
 */
public final class GroupNorm extends LayerBlock {
    /** {@code torch.group_norm(x, len(groups), weight, bias, 1e-5)}. */
    private static final TorchScriptFunction FUNCTION = new TorchScriptFunction("group_norm.pt");

    private final int groups;
    private final int channels;
    private final Parameter weight;
    private final Parameter bias;

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
        // The group count travels as the length of a cached array (the function takes tensors only).
        NDArray groupCount = ctx.constant(0, groups, x.getDataType());
        return FUNCTION.apply(x, groupCount, ctx.value(weight), ctx.value(bias));
    }

    @Override
    public Shape outputShape(Shape input) {
        requireChannels(input, channels);
        return input;
    }
}
