package dev.mdeq.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/**
 * A bias-free convolution with weight normalisation over every dimension but the first ({@code
 * lib/modules/optimizations.py WeightNorm}, dim 0): parameters {@code weight_g} {@code (out, 1, 1,
 * 1)} and {@code weight_v} {@code (out, in, k, k)}, effective weight {@code v * (g / ||v||)}.
 *
 * <p>The effective weight is computed once per model forward ({@link ForwardContext#derive}) and
 * shared by every f evaluation of that forward, as the reference's {@code _reset} does. Initial
 * values follow the reference's pitfall (docs/reference-model.md §1.7): {@code v} keeps PyTorch's default
 * {@code kaiming_uniform_(a=sqrt(5))}, U(+-1/sqrt(fan_in)), and {@code g = ||v||}, so the effective
 * weight starts equal to {@code v}.
 */
public final class WeightNormConv2d extends LayerBlock {
    private final Conv2d.ConvShape geometry;
    private final Parameter gain;
    private final Parameter direction;

    public WeightNormConv2d(int in, int out, int kernel, int stride, int padding) {
        geometry = new Conv2d.ConvShape(in, out, kernel, stride, padding);
        gain = parameter("weight_g", new Shape(out, 1, 1, 1), ParameterInit.constant(1));
        direction = parameter("weight_v", geometry.weightShape(), ParameterInit.pytorchDefault(geometry.fanIn()));
    }

    /** The effective weight {@code v * (g / ||v||)} of this forward. */
    public NDArray effectiveWeight(ForwardContext ctx) {
        return ctx.derive(this, new NDArray[] {ctx.value(gain), ctx.value(direction)},
                in -> compute(in[0], in[1]));
    }

    /** {@code v * (g / ||v||)} with the norm over every dimension but the first. */
    static NDArray compute(NDArray g, NDArray v) {
        long out = v.getShape().get(0);
        NDArray norm = v.reshape(out, -1).norm(new int[] {1}, true).reshape(out, 1, 1, 1);
        return v.mul(g.div(norm));
    }

    @Override
    public NDArray forward(ForwardContext ctx, NDArray x) {
        return geometry.apply(x, effectiveWeight(ctx), null);
    }

    @Override
    public Shape outputShape(Shape input) {
        requireChannels(input, geometry.in());
        return geometry.outputShape(input);
    }

    @Override
    public long flops(Shape input) {
        return geometry.flops(input);
    }

    @Override
    protected void initializeValues(ParameterSeeds seeds, String prefix) {
        super.initializeValues(seeds, prefix);
        double[] v = ArrayValues.get(direction.getArray());
        int out = geometry.out();
        int perOutput = v.length / out;
        double[] g = new double[out];
        for (int o = 0; o < out; o++) {
            double sum = 0;
            for (int i = o * perOutput; i < (o + 1) * perOutput; i++) {
                sum += v[i] * v[i];
            }
            g[o] = Math.sqrt(sum);
        }
        ArrayValues.set(gain.getArray(), g);
    }
}
