package dev.mdeq.model.kernels;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.model.layers.TorchOps;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The native-kernel self-check: 2-D convolutions of the shapes an MDEQ uses, forward, backward to
 * the data and backward to the weights, in float32 (oneDNN's kernels) against the same operations
 * in float64 (which libtorch computes without oneDNN), with every value checked for NaN and Inf.
 * Runs in a fraction of a second; see docs/numerics.md for what it caught and why.
 */
public final class ConvolutionCheck {
    /**
     * Largest accepted error, relative to the largest magnitude of the float64 result. Correct
     * float32 kernels stay below 2e-6 on these shapes (sums of up to 2,048 products); the faulty
     * AVX-512 kernels were 1e-3 off at the model's output.
     */
    public static final double TOLERANCE = 2e-5;

    /** The three computations a convolution layer needs in training. */
    public enum Direction {
        FORWARD("forward"), BACKWARD_DATA("backward-data"), BACKWARD_WEIGHTS("backward-weights");

        private final String label;

        Direction(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * One convolution problem, zero-padded to keep the size at stride 1.
     *
     * @param batch images
     * @param in input channels
     * @param out output channels
     * @param size input height and width
     * @param kernel square kernel size (1 or 3)
     * @param stride stride
     */
    public record Case(int batch, int in, int out, int size, int kernel, int stride) {
        public int padding() {
            return kernel / 2;
        }

        public int outputSize() {
            return (size + 2 * padding() - kernel) / stride + 1;
        }

        /** e.g. {@code conv3x3/2 24->48 @32}. */
        public String label() {
            return "conv" + kernel + "x" + kernel + (stride > 1 ? "/" + stride : "") + " " + in + "->" + out + " @" + size;
        }

        /** oneDNN's problem descriptor of this case, as its verbose mode prints it. */
        public String onednnProblem() {
            int p = padding();
            int o = outputSize();
            return "mb" + batch + "_ic" + in + "oc" + out
                    + "_ih" + size + "oh" + o + "kh" + kernel + "sh" + stride + "dh0ph" + p
                    + "_iw" + size + "ow" + o + "kw" + kernel + "sw" + stride + "dw0pw" + p;
        }
    }

    /**
     * The shapes of the MDEQ's layers: the stem's 3 input channels, the residual blocks' 3x3
     * convolutions into and out of the expansion (24 -> 120 -> 24 in the TINY models), the fusion's
     * stride-2 downsampling and 1x1 upsampling, channel counts that are and are not multiples of
     * the AVX-512 kernels' 16-channel blocks, and the wide channels of the larger models.
     */
    public static final List<Case> MDEQ_CASES = List.of(
            new Case(2, 3, 24, 32, 3, 1),
            new Case(2, 24, 120, 32, 3, 1),
            new Case(2, 120, 24, 16, 3, 1),
            new Case(2, 24, 48, 32, 3, 2),
            new Case(2, 16, 16, 16, 3, 2),
            new Case(2, 48, 24, 16, 1, 1),
            new Case(2, 8, 16, 16, 1, 1),
            new Case(2, 64, 64, 16, 3, 1));

    /** The float32 convolution under test; the default is libtorch's (oneDNN on the CPU). */
    @FunctionalInterface
    public interface Convolution {
        NDArray apply(NDArray input, NDArray weight, int stride, int padding);
    }

    /** libtorch's convolution through DJL, as the model's layers call it. */
    public static final Convolution LIBTORCH = (x, w, stride, padding) -> ai.djl.nn.convolutional.Conv2d.conv2d(
            x, w, null, new Shape(stride, stride), new Shape(padding, padding), new Shape(1, 1), 1).singletonOrThrow();

    private static final long SEED = 20201006L;

    private final List<Case> cases;
    private final Convolution float32;

    public ConvolutionCheck(List<Case> cases, Convolution float32) {
        this.cases = List.copyOf(cases);
        this.float32 = float32;
    }

    /** The check of {@link #MDEQ_CASES} on libtorch's own kernels. */
    public static ConvolutionCheck mdeq() {
        return new ConvolutionCheck(MDEQ_CASES, LIBTORCH);
    }

    /** Runs every case in every direction; arrays live in a sub-manager of {@code parent}. */
    public KernelCheckReport run(NDManager parent) {
        long start = System.nanoTime();
        List<KernelResult> results = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(SEED);
        try (NDManager manager = parent.newSubManager();
                TorchOps.GradMode grad = TorchOps.gradMode(true)) {
            for (Case c : cases) {
                results.addAll(check(manager, c, random));
            }
        }
        return new KernelCheckReport(results, (System.nanoTime() - start) / 1_000_000);
    }

    private List<KernelResult> check(NDManager parent, Case c, SplittableRandom random) {
        try (NDManager manager = parent.newSubManager()) {
            double[] x = normal(random, (long) c.batch() * c.in() * c.size() * c.size(), 1.0);
            double[] w = normal(random, (long) c.out() * c.in() * c.kernel() * c.kernel(),
                    1.0 / Math.sqrt((double) c.in() * c.kernel() * c.kernel()));
            double[] g = normal(random, (long) c.batch() * c.out() * c.outputSize() * c.outputSize(), 1.0);
            Shape xs = new Shape(c.batch(), c.in(), c.size(), c.size());
            Shape ws = new Shape(c.out(), c.in(), c.kernel(), c.kernel());
            Shape gs = new Shape(c.batch(), c.out(), c.outputSize(), c.outputSize());
            double[][] single = run(manager, c, float32, DataType.FLOAT32, x, xs, w, ws, g, gs);
            double[][] reference = run(manager, c, LIBTORCH, DataType.FLOAT64, x, xs, w, ws, g, gs);
            List<KernelResult> out = new ArrayList<>();
            Direction[] directions = Direction.values();
            for (int i = 0; i < directions.length; i++) {
                out.add(KernelResult.compare(c.label(), directions[i], single[i], reference[i], TOLERANCE));
            }
            return out;
        }
    }

    /** Forward output, input gradient and weight gradient of one convolution seeded with {@code g}. */
    private static double[][] run(NDManager manager, Case c, Convolution conv, DataType type,
            double[] x, Shape xs, double[] w, Shape ws, double[] g, Shape gs) {
        NDArray input = manager.create(x, xs).toType(type, false);
        NDArray weight = manager.create(w, ws).toType(type, false);
        NDArray seed = manager.create(g, gs).toType(type, false);
        input.setRequiresGradient(true);
        weight.setRequiresGradient(true);
        NDArray output = conv.apply(input, weight, c.stride(), c.padding());
        TorchOps.backward(output, seed, false);
        return new double[][] {
            values(output), values(input.getGradient()), values(weight.getGradient())
        };
    }

    private static double[] values(NDArray array) {
        return array.toType(DataType.FLOAT64, false).toDoubleArray();
    }

    private static double[] normal(SplittableRandom random, long n, double std) {
        double[] out = new double[Math.toIntExact(n)];
        for (int i = 0; i < out.length; i++) {
            // Box-Muller: reproducible from the seed alone, on any machine
            double u = 1.0 - random.nextDouble();
            double v = random.nextDouble();
            out[i] = std * Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2.0 * Math.PI * v);
        }
        return out;
    }
}
