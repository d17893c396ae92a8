package dev.mdeq.model.layers;

import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/** How a parameter's initial values are drawn (the reference's initialisation, docs/reference-model.md §1.7). */
@FunctionalInterface
public interface ParameterInit {

    /** {@code shape.size()} values in row-major order, drawn from {@code random}. */
    double[] sample(Shape shape, RandomGenerator random);

    /** Every value {@code value} (GroupNorm/BatchNorm weight 1, bias 0, running statistics). */
    static ParameterInit constant(double value) {
        return (shape, random) -> {
            double[] out = new double[Math.toIntExact(shape.size())];
            Arrays.fill(out, value);
            return out;
        };
    }

    /** N(0, std^2): the reference's {@code normal_(0, 0.01)} for plain convolutions. */
    static ParameterInit normal(double std) {
        return (shape, random) -> {
            double[] out = new double[Math.toIntExact(shape.size())];
            for (int i = 0; i < out.length; i++) {
                out[i] = random.nextGaussian() * std;
            }
            return out;
        };
    }

    /**
     * U(-bound, bound): PyTorch's default {@code kaiming_uniform_(a=sqrt(5))} has bound
     * {@code 1/sqrt(fan_in)}, as has its default bias init for convolutions and linear maps.
     */
    static ParameterInit uniform(double bound) {
        return (shape, random) -> {
            double[] out = new double[Math.toIntExact(shape.size())];
            for (int i = 0; i < out.length; i++) {
                out[i] = (2 * random.nextDouble() - 1) * bound;
            }
            return out;
        };
    }

    /** PyTorch's default for a weight of fan-in {@code fanIn}: U(+-1/sqrt(fanIn)). */
    static ParameterInit pytorchDefault(long fanIn) {
        return uniform(1 / Math.sqrt(fanIn));
    }
}
