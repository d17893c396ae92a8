package dev.mdeq.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/**
 * PyTorch's {@code nn.Conv2d} (square kernel, no groups): parameters {@code weight} {@code (out,
 * in, k, k)} and optionally {@code bias}, both initialised N(0, 0.01) as the reference's {@code
 * init_weights} does for every plain convolution.
 */
public final class Conv2d extends LayerBlock {
    /** The reference's init for plain convolutions: {@code normal_(0, 0.01)}. */
    public static final double INIT_STD = 0.01;

    private final ConvShape geometry;
    private final Parameter weight;
    private final Parameter bias;

    /**
     * @param in input channels
     * @param out output channels
     * @param kernel kernel size (square)
     * @param stride stride
     * @param padding zero padding on every side
     * @param withBias whether the convolution has a bias
     */
    public Conv2d(int in, int out, int kernel, int stride, int padding, boolean withBias) {
        geometry = new ConvShape(in, out, kernel, stride, padding);
        weight = parameter("weight", geometry.weightShape(), ParameterInit.normal(INIT_STD));
        bias = withBias ? parameter("bias", new Shape(out), ParameterInit.normal(INIT_STD)) : null;
    }

    /** A 3x3 convolution with padding 1, as the reference's {@code conv3x3}. */
    public static Conv2d conv3x3(int in, int out, int stride, boolean withBias) {
        return new Conv2d(in, out, 3, stride, 1, withBias);
    }

    /** A 1x1 convolution without padding. */
    public static Conv2d conv1x1(int in, int out, boolean withBias) {
        return new Conv2d(in, out, 1, 1, 0, withBias);
    }

    @Override
    public NDArray forward(ForwardContext ctx, NDArray x) {
        return geometry.apply(x, ctx.value(weight), bias == null ? null : ctx.value(bias));
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

    public ConvShape geometry() {
        return geometry;
    }

    /**
     * Channels, kernel, stride and padding of a 2-D convolution, with what follows from them.
     *
     * @param in input channels
     * @param out output channels
     * @param kernel square kernel size
     * @param stride stride
     * @param padding zero padding
     */
    public record ConvShape(int in, int out, int kernel, int stride, int padding) {

        public Shape weightShape() {
            return new Shape(out, in, kernel, kernel);
        }

        /** Inputs per output element, PyTorch's fan-in. */
        public long fanIn() {
            return (long) in * kernel * kernel;
        }

        /** This convolution of {@code x} ({@code bias} may be null). */
        public NDArray apply(NDArray x, NDArray weight, NDArray bias) {
            return ai.djl.nn.convolutional.Conv2d.conv2d(x, weight, bias, new Shape(stride, stride),
                    new Shape(padding, padding), new Shape(1, 1), 1).singletonOrThrow();
        }

        public Shape outputShape(Shape input) {
            long h = (input.get(2) + 2L * padding - kernel) / stride + 1;
            long w = (input.get(3) + 2L * padding - kernel) / stride + 1;
            return new Shape(input.get(0), out, h, w);
        }

        /** FLOPs of the forward convolution of {@code input} (2 per multiply-add). */
        public long flops(Shape input) {
            Shape output = outputShape(input);
            return 2L * output.size() * fanIn();
        }
    }
}
