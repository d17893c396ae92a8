package dev.mdeq.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/**
 * PyTorch's {@code nn.Linear(in, out)}: {@code weight} {@code (out, in)} and {@code bias} {@code
 * (out)}, both with PyTorch's default initialisation U(+-1/sqrt(in)) (the reference leaves its
 * classifier at the default).
 */
public final class Linear extends LayerBlock {
    private final int in;
    private final int out;
    private final Parameter weight;
    private final Parameter bias;

    public Linear(int in, int out) {
        this.in = in;
        this.out = out;
        weight = parameter("weight", new Shape(out, in), ParameterInit.pytorchDefault(in));
        bias = parameter("bias", new Shape(out), ParameterInit.pytorchDefault(in));
    }

    @Override
    public NDArray forward(ForwardContext ctx, NDArray x) {
        return ai.djl.nn.core.Linear.linear(x, ctx.value(weight), ctx.value(bias)).singletonOrThrow();
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.get(input.dimension() - 1) != in) {
            throw new IllegalArgumentException("Linear expects " + in + " input features, got shape " + input);
        }
        return input.slice(0, input.dimension() - 1).add(out);
    }

    @Override
    public long flops(Shape input) {
        return 2L * (input.size() / in) * in * out;
    }
}
