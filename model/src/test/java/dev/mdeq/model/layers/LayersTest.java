package dev.mdeq.model.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.mdeq.model.testing.ManagedTest;
import java.util.Arrays;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

/** The hand-written layers against the same formulas computed in plain Java doubles. */
class LayersTest extends ManagedTest {
    private static double[] random(Random random, int n) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = random.nextGaussian() * 1.5 + 0.3;
        }
        return out;
    }

    private static ForwardContext context(NDManager scope, boolean training) {
        return ForwardContext.create(new ParameterStore(scope, false), scope, training, DropoutMasks.none());
    }

    /**
     * {@code x.grad_fn}'s name. Only for arrays computed with autograd on from recorded inputs:
     * DJL's JNI dereferences a null {@code grad_fn} otherwise, which ends the JVM.
     */
    private static String gradFunctionName(NDArray x) {
        return JniUtils.getGradientFunctionNames((PtNDArray) x);
    }

    private static void setParameter(NamedBlock block, String name, double[] values) {
        Parameter parameter = block.namedParameters().get(name);
        ArrayValues.set(parameter.getArray(), values);
    }

    @Test
    void groupNormMatchesTheFormula() {
        int b = 2;
        int c = 6;
        int h = 3;
        int w = 2;
        int groups = 3;
        Random random = new Random(1);
        double[] x = random(random, b * c * h * w);
        double[] gamma = random(random, c);
        double[] beta = random(random, c);
        GroupNorm norm = new GroupNorm(groups, c);
        norm.initialize(manager, DataType.FLOAT64, new Shape(b, c, h, w));
        setParameter(norm, "weight", gamma);
        setParameter(norm, "bias", beta);

        double[] expected = new double[x.length];
        int perGroup = c / groups * h * w;
        for (int s = 0; s < b; s++) {
            for (int g = 0; g < groups; g++) {
                int start = (s * c + g * (c / groups)) * h * w;
                double mean = 0;
                for (int i = start; i < start + perGroup; i++) {
                    mean += x[i];
                }
                mean /= perGroup;
                double var = 0;
                for (int i = start; i < start + perGroup; i++) {
                    var += (x[i] - mean) * (x[i] - mean);
                }
                var /= perGroup;
                for (int i = start; i < start + perGroup; i++) {
                    int channel = (i / (h * w)) % c;
                    expected[i] = (x[i] - mean) / Math.sqrt(var + 1e-5) * gamma[channel] + beta[channel];
                }
            }
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray out = norm.forward(context(scope, true), scope.create(x, new Shape(b, c, h, w)));
            assertArrayEquals(expected, out.toDoubleArray(), 1e-12);
        }
    }

    /**
     * The fused PyTorch group norm behind {@link GroupNorm} differentiates correctly: gradients of
     * {@code sum(r * norm(x))} with respect to the input, weight and bias against central
     * differences in float64; and without autograd it records nothing.
     */
    @Test
    void groupNormGradientsMatchFiniteDifferences() {
        int b = 2;
        int c = 4;
        int h = 3;
        int w = 3;
        Shape shape = new Shape(b, c, h, w);
        Random random = new Random(3);
        double[] x = random(random, b * c * h * w);
        double[] r = random(random, x.length);
        double[] gamma = random(random, c);
        double[] beta = random(random, c);
        GroupNorm norm = new GroupNorm(2, c);
        norm.initialize(manager, DataType.FLOAT64, shape);
        setParameter(norm, "weight", gamma);
        setParameter(norm, "bias", beta);
        NDArray weight = norm.namedParameters().get("weight").getArray();
        NDArray bias = norm.namedParameters().get("bias").getArray();

        double[] inputGradient;
        double[] weightGradient;
        double[] biasGradient;
        try (NDManager scope = manager.newSubManager(); TorchOps.GradMode on = TorchOps.gradMode(true)) {
            NDArray input = scope.create(x, shape);
            input.setRequiresGradient(true);
            NDArray loss = norm.forward(context(scope, true), input).mul(scope.create(r, shape)).sum();
            TorchOps.backward(loss, loss.onesLike(), false);
            inputGradient = input.getGradient().toDoubleArray();
            weightGradient = weight.getGradient().toDoubleArray();
            biasGradient = bias.getGradient().toDoubleArray();
            TorchOps.zeroGrad(weight);
            TorchOps.zeroGrad(bias);
        }

        try (NDManager scope = manager.newSubManager(); TorchOps.GradMode off = TorchOps.gradMode(false)) {
            DoubleSupplier loss = () -> norm.forward(context(scope, true), scope.create(x, shape))
                    .mul(scope.create(r, shape)).sum().getDouble();
            assertEquals(false, norm.forward(context(scope, true), scope.create(x, shape)).hasGradient(),
                    "no graph without autograd");
            for (int i = 0; i < x.length; i += 5) {
                assertEquals(centralDifference(x, i, () -> { }, loss), inputGradient[i], 1e-6, "d/dx[" + i + "]");
            }
            for (int ch = 0; ch < c; ch++) {
                assertEquals(centralDifference(gamma, ch, () -> setParameter(norm, "weight", gamma), loss),
                        weightGradient[ch], 1e-6, "weight[" + ch + "]");
                assertEquals(centralDifference(beta, ch, () -> setParameter(norm, "bias", beta), loss),
                        biasGradient[ch], 1e-6, "bias[" + ch + "]");
            }
        }
    }

    /**
     * (loss(v + h e_i) - loss(v - h e_i)) / 2h with h = 1e-6; {@code apply} makes a change of
     * {@code values} take effect, and the values are restored afterwards.
     */
    private static double centralDifference(double[] values, int i, Runnable apply, DoubleSupplier loss) {
        double h = 1e-6;
        double saved = values[i];
        values[i] = saved + h;
        apply.run();
        double up = loss.getAsDouble();
        values[i] = saved - h;
        apply.run();
        double down = loss.getAsDouble();
        values[i] = saved;
        apply.run();
        return (up - down) / (2 * h);
    }

    @Test
    void weightNormConvolutionMatchesTheFormula() {
        int in = 2;
        int out = 3;
        int k = 3;
        Random random = new Random(2);
        double[] v = random(random, out * in * k * k);
        double[] g = random(random, out);
        double[] x = random(random, in * 4 * 5);
        WeightNormConv2d conv = new WeightNormConv2d(in, out, k, 2, 1);
        conv.initialize(manager, DataType.FLOAT64, new Shape(1, in, 4, 5));
        setParameter(conv, "weight_g", g);
        setParameter(conv, "weight_v", v);

        double[] weight = new double[v.length];
        int per = in * k * k;
        for (int o = 0; o < out; o++) {
            double norm = 0;
            for (int i = o * per; i < (o + 1) * per; i++) {
                norm += v[i] * v[i];
            }
            norm = Math.sqrt(norm);
            for (int i = o * per; i < (o + 1) * per; i++) {
                weight[i] = v[i] * g[o] / norm;
            }
        }
        // Convolution by hand: stride 2, padding 1, 4x5 input -> 2x3 output.
        int oh = 2;
        int ow = 3;
        double[] expected = new double[out * oh * ow];
        for (int o = 0; o < out; o++) {
            for (int yy = 0; yy < oh; yy++) {
                for (int xx = 0; xx < ow; xx++) {
                    double sum = 0;
                    for (int ci = 0; ci < in; ci++) {
                        for (int dy = 0; dy < k; dy++) {
                            for (int dx = 0; dx < k; dx++) {
                                int iy = yy * 2 - 1 + dy;
                                int ix = xx * 2 - 1 + dx;
                                if (iy >= 0 && iy < 4 && ix >= 0 && ix < 5) {
                                    sum += weight[((o * in + ci) * k + dy) * k + dx] * x[(ci * 4 + iy) * 5 + ix];
                                }
                            }
                        }
                    }
                    expected[(o * oh + yy) * ow + xx] = sum;
                }
            }
        }
        try (NDManager scope = manager.newSubManager()) {
            ForwardContext ctx = context(scope, true);
            assertArrayEquals(weight, conv.effectiveWeight(ctx).toDoubleArray(), 1e-12);
            NDArray y = conv.forward(ctx, scope.create(x, new Shape(1, in, 4, 5)));
            assertEquals(new Shape(1, out, oh, ow), y.getShape());
            assertArrayEquals(expected, y.toDoubleArray(), 1e-12);
        }
    }

    @Test
    void weightNormStartsWithGainEqualToTheNormOfV() {
        WeightNormConv2d conv = new WeightNormConv2d(4, 5, 3, 1, 1);
        conv.initialize(manager, DataType.FLOAT64, new Shape(1, 4, 6, 6));
        conv.initializeValues(new ParameterSeeds(7));
        double[] v = conv.namedParameters().get("weight_v").getArray().toDoubleArray();
        try (NDManager scope = manager.newSubManager()) {
            // g = ||v|| makes the effective weight equal to v (the reference's initial state).
            assertArrayEquals(v, conv.effectiveWeight(context(scope, false)).toDoubleArray(), 1e-12);
        }
        double bound = 1 / Math.sqrt(4 * 9);
        for (double value : v) {
            assertEquals(0, value, bound);
        }
    }

    @Test
    void batchNormTrainsOnBatchStatisticsAndUpdatesRunningOnesWithPyTorchMomentum() {
        int b = 3;
        int c = 2;
        Random random = new Random(3);
        double[] x = random(random, b * c * 2 * 2);
        double[] gamma = random(random, c);
        double[] beta = random(random, c);
        BatchNorm2d norm = new BatchNorm2d(c, 0.1, true);
        norm.initialize(manager, DataType.FLOAT64, new Shape(b, c, 2, 2));
        norm.initializeValues(new ParameterSeeds(0));
        setParameter(norm, "weight", gamma);
        setParameter(norm, "bias", beta);

        double[] mean = new double[c];
        double[] var = new double[c];
        int n = b * 4;
        for (int ch = 0; ch < c; ch++) {
            for (int s = 0; s < b; s++) {
                for (int p = 0; p < 4; p++) {
                    mean[ch] += x[(s * c + ch) * 4 + p] / n;
                }
            }
            for (int s = 0; s < b; s++) {
                for (int p = 0; p < 4; p++) {
                    double d = x[(s * c + ch) * 4 + p] - mean[ch];
                    var[ch] += d * d / n;
                }
            }
        }
        double[] expected = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            int ch = (i / 4) % c;
            expected[i] = (x[i] - mean[ch]) / Math.sqrt(var[ch] + 1e-5) * gamma[ch] + beta[ch];
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray out = norm.forward(context(scope, true), scope.create(x, new Shape(b, c, 2, 2)));
            assertArrayEquals(expected, out.toDoubleArray(), 1e-12);
        }
        double[] runningMean = norm.namedParameters().get("running_mean").getArray().toDoubleArray();
        double[] runningVar = norm.namedParameters().get("running_var").getArray().toDoubleArray();
        for (int ch = 0; ch < c; ch++) {
            assertEquals(0.1 * mean[ch], runningMean[ch], 1e-12);
            assertEquals(0.9 + 0.1 * var[ch] * n / (n - 1), runningVar[ch], 1e-12);
        }
        assertEquals(1, norm.namedParameters().get("num_batches_tracked").getArray().getLong());

        // Evaluation uses the running statistics and counts nothing.
        try (NDManager scope = manager.newSubManager()) {
            NDArray out = norm.forward(context(scope, false), scope.create(x, new Shape(b, c, 2, 2)));
            double[] y = out.toDoubleArray();
            for (int i = 0; i < x.length; i++) {
                int ch = (i / 4) % c;
                assertEquals((x[i] - runningMean[ch]) / Math.sqrt(runningVar[ch] + 1e-5) * gamma[ch] + beta[ch], y[i],
                        1e-12);
            }
        }
        assertEquals(1, norm.namedParameters().get("num_batches_tracked").getArray().getLong());
    }

    @Test
    void batchNormWithoutAffineHasNoWeightAndNormalisesOnly() {
        BatchNorm2d norm = new BatchNorm2d(2, 0.1, false);
        assertEquals(java.util.List.of("running_mean", "running_var", "num_batches_tracked"),
                java.util.List.copyOf(norm.namedParameters().keySet()));
        norm.initialize(manager, DataType.FLOAT64, new Shape(2, 2, 1, 1));
        norm.initializeValues(new ParameterSeeds(0));
        try (NDManager scope = manager.newSubManager()) {
            NDArray out = norm.forward(context(scope, true), scope.create(new double[] {1, 10, 3, 30},
                    new Shape(2, 2, 1, 1)));
            double z = 1 / Math.sqrt(1 + 1e-5);
            assertArrayEquals(new double[] {-z, -1 / Math.sqrt(1 + 1e-5 / 100), z, 1 / Math.sqrt(1 + 1e-5 / 100)},
                    out.toDoubleArray(), 1e-12);
        }
    }

    @Test
    void bilinearAlignCornersMatchesTheFormula() {
        double[] x = {0, 1, 2, 3, 4, 5}; // 2 x 3
        try (NDManager scope = manager.newSubManager()) {
            NDArray out = Interpolation.bilinearAlignCorners(scope.create(x, new Shape(1, 1, 2, 3)), 3, 5);
            double[] y = out.toDoubleArray();
            for (int r = 0; r < 3; r++) {
                for (int q = 0; q < 5; q++) {
                    double sr = r * (2 - 1) / 2.0;
                    double sq = q * (3 - 1) / 4.0;
                    // value(row, col) = 3 * row + col is bilinear, so interpolation reproduces it exactly
                    assertEquals(3 * sr + sq, y[r * 5 + q], 1e-12);
                }
            }
        }
    }

    @Test
    void bilinearHalfPixelMatchesPyTorchsValues() {
        // value(row, col) = 10 * row + col on 2 x 4, resized to 4 x 2 with align_corners=False:
        // rows 2 -> 4 sample 0 (clamped from -0.25), 0.25, 0.75, 1 (1.25 clamped to the last row);
        // columns 4 -> 2 sample 0.5 and 2.5 (no anti-aliasing: the two nearest columns only).
        double[] x = {0, 1, 2, 3, 10, 11, 12, 13};
        double[] rows = {0, 0.25, 0.75, 1};
        double[] cols = {0.5, 2.5};
        try (NDManager scope = manager.newSubManager()) {
            double[] y = Interpolation.bilinear(scope.create(x, new Shape(1, 1, 2, 4)), 4, 2).toDoubleArray();
            for (int r = 0; r < 4; r++) {
                for (int q = 0; q < 2; q++) {
                    assertEquals(10 * rows[r] + cols[q], y[r * 2 + q], 1e-12);
                }
            }
            // shrinking 4 -> 3 samples (d + 0.5) * 4 / 3 - 0.5 = 1/6, 3/2, 17/6 (no average over covered pixels)
            double[] line = Interpolation.bilinear(scope.create(new double[] {0, 4, 0, 4}, new Shape(1, 4)), 1, 3)
                    .toDoubleArray();
            assertArrayEquals(new double[] {4.0 / 6, 2, 4 * 5.0 / 6}, line, 1e-12);
        }
    }

    @Test
    void nearestUpsampleRepeatsPixels() {
        try (NDManager scope = manager.newSubManager()) {
            NDArray out = new NearestUpsample(2).forward(context(scope, false),
                    scope.create(new double[] {1, 2, 3, 4}, new Shape(1, 1, 2, 2)));
            assertArrayEquals(new double[] {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, out.toDoubleArray());
        }
    }

    /**
     * Both ways of upsampling (broadcast without a graph, libtorch's kernel with one) against the
     * formula, factor 4 on a non-square input: each output pixel is its square's input pixel, and
     * each input pixel's gradient is the sum of the seed over its square.
     */
    @Test
    void nearestUpsampleMatchesTheFormulaWithAndWithoutGraph() {
        int n = 2;
        int c = 3;
        int h = 2;
        int w = 5;
        int k = 4;
        Random random = new Random(4);
        double[] x = random.doubles(n * c * h * w).toArray();
        double[] seed = random.doubles(n * c * h * k * w * k).toArray();
        double[] expected = new double[seed.length];
        double[] expectedGradient = new double[x.length];
        for (int plane = 0; plane < n * c; plane++) {
            for (int i = 0; i < h * k; i++) {
                for (int j = 0; j < w * k; j++) {
                    int out = (plane * h * k + i) * w * k + j;
                    int in = (plane * h + i / k) * w + j / k;
                    expected[out] = x[in];
                    expectedGradient[in] += seed[out];
                }
            }
        }
        NearestUpsample up = new NearestUpsample(k);
        try (NDManager scope = manager.newSubManager()) {
            NDArray input = scope.create(x, new Shape(n, c, h, w));
            try (TorchOps.GradMode off = TorchOps.gradMode(false)) {
                assertArrayEquals(expected, up.forward(context(scope, false), input).toDoubleArray());
            }
            try (TorchOps.GradMode on = TorchOps.gradMode(true)) {
                input.setRequiresGradient(true);
                NDArray recorded = up.forward(context(scope, true), input);
                assertArrayEquals(expected, recorded.toDoubleArray());
                TorchOps.backward(recorded, scope.create(seed, recorded.getShape()), false);
                assertArrayEquals(expectedGradient, input.getGradient().toDoubleArray(), 1e-12);
                // In f the input is an intermediate, not a leaf: libtorch's kernel there too
                // (its backward is several times faster than undoing a broadcast).
                NDArray fromLeaf = up.forward(context(scope, true), TorchOps.mul(input, 1.0));
                assertEquals("UpsampleNearest2DBackward0", gradFunctionName(fromLeaf));
                assertArrayEquals(expected, fromLeaf.toDoubleArray());
            }
        }
    }

    @Test
    void reluInPlaceOverwritesItsInputAndBackpropagatesLikeRelu() {
        Random random = new Random(5);
        double[] x = random(random, 2 * 3 * 4);
        double[] seed = random(random, x.length);
        double[] expected = new double[x.length];
        double[] expectedGradient = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            expected[i] = Math.max(x[i], 0);
            expectedGradient[i] = x[i] > 0 ? 3 * seed[i] : 0; // through y = relu(3 x)
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray input = scope.create(x, new Shape(2, 3, 4));
            try (TorchOps.GradMode off = TorchOps.gradMode(false)) {
                NDArray fresh = input.duplicate();
                NDArray out = TorchOps.reluInPlace(fresh);
                assertArrayEquals(expected, out.toDoubleArray());
                assertArrayEquals(expected, fresh.toDoubleArray(), "the input holds the result");
            }
            try (TorchOps.GradMode on = TorchOps.gradMode(true)) {
                NDArray leaf = input.duplicate();
                leaf.setRequiresGradient(true);
                // On a fresh product, as in f; autograd must see the in-place change.
                NDArray out = TorchOps.reluInPlace(TorchOps.mul(leaf, 3));
                assertArrayEquals(Arrays.stream(expected).map(v -> 3 * v).toArray(), out.toDoubleArray(),
                        1e-12);
                TorchOps.backward(out, scope.create(seed, out.getShape()), false);
                assertArrayEquals(expectedGradient, leaf.getGradient().toDoubleArray(), 1e-12);
            }
        }
    }

    @Test
    void dropoutMaskIsDrawnOncePerForwardAndScaled() {
        VariationalDropout drop = new VariationalDropout(0.5);
        try (NDManager scope = manager.newSubManager()) {
            ForwardContext ctx = ForwardContext.create(new ParameterStore(scope, false), scope, true,
                    DropoutMasks.sampled(11));
            NDArray ones = scope.ones(new Shape(4, 8, 2, 2), DataType.FLOAT64);
            double[] first = drop.forward(ctx, ones).toDoubleArray();
            double[] again = drop.forward(ctx, ones.mul(3)).div(3).toDoubleArray();
            double[] detached = drop.forward(ctx.detached(), ones).toDoubleArray();
            assertArrayEquals(first, again, 1e-15);
            assertArrayEquals(first, detached);
            int kept = 0;
            for (int i = 0; i < first.length; i++) {
                assertEquals(first[i], first[(i / 4) * 4], "one value per sample and channel");
                kept += first[i] == 2.0 ? 1 : 0;
                assertEquals(true, first[i] == 0 || first[i] == 2.0);
            }
            assertEquals(true, kept > 0 && kept < first.length);
            // Evaluation applies no mask.
            assertArrayEquals(ones.toDoubleArray(), drop.forward(context(scope, false), ones).toDoubleArray());
        }
    }
}
