package dev.mdeq.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mdeq.config.ConfigLoader;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.model.layers.ArrayValues;
import dev.mdeq.model.layers.DropoutMasks;
import dev.mdeq.model.testing.MemoryChurn;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Gradients through the equilibrium on a tiny float64 model, against independent computations:
 * central finite differences of the loss at a fixed point solved to machine precision (dense
 * Newton, no solver package involved), and the limit of phantom gradients.
 *
 * <p>The random tiny model gets post-fusion GroupNorm gains of 0.1 and biases of order 1 (instead
 * of 1 and 0) so that its fixed point is attractive, as a trained MDEQ's is: f's last GroupNorm
 * then scales the Jacobian by 0.1 while the biases keep z* away from 0, where the GroupNorms'
 * scale invariance would amplify it. At the reference's random initialisation f has no fixed point
 * a solver reaches (docs/reference-model.md §3.3), and phantom gradients converge to the implicit one only where
 * the damped iteration is stable.
 */
class EquilibriumGradientTest {
    private static NDManager manager;
    static NDArray images;
    private static NDArray weights;

    @BeforeAll
    static void open() {
        if (manager != null) {
            return;
        }
        manager = NDManager.newBaseManager();
        Random random = new Random(1);
        images = manager.create(random.doubles(2 * 3 * 4 * 4).map(v -> 2 * v - 1).toArray(), new Shape(2, 3, 4, 4));
        weights = manager.create(random.doubles(2 * 3).map(v -> 2 * v - 1).toArray(), new Shape(2, 3));
    }

    @AfterAll
    static void close() {
        manager.close();
        manager = null;
    }

    static ExperimentConfig config(String... overrides) throws Exception {
        Path yaml = Path.of(EquilibriumGradientTest.class.getResource("gradient_tiny.yaml").toURI());
        return ConfigLoader.load(yaml, List.of(overrides));
    }

    /** A smooth loss of the logits: sum(logits * R) for a fixed random R. */
    static final Function<NDArray, NDArray> LOSS = logits -> logits.mul(weights).sum();

    /** A loss for any batch and type (no fixed weights). */
    static final Function<NDArray, NDArray> LOSS_ANY = logits -> logits.square().mean();

    /** Parameters of f (weight norm g and v, GroupNorm, fusion), of the stem and of the head. */
    private static final List<String> CHECKED = List.of(
            "fullstage.branches.0.blocks.0.conv1.weight_v",
            "fullstage.branches.1.blocks.0.conv2.weight_g",
            "fullstage.branches.1.blocks.0.gn2.weight",
            "fullstage.fuse_layers.1.0.net.0.conv.weight",
            "fullstage.post_fuse_layers.0.gnorm.bias",
            "downsample.0.weight",
            "downsample.4.bias",
            "classifier.weight",
            "incre_modules.1.0.conv2.weight");

    static double[] gradient(Parameter parameter) {
        try (NDArray grad = parameter.getArray().getGradient()) {
            return grad.toDoubleArray();
        }
    }

    @Test
    void implicitGradientMatchesCentralFiniteDifferences() throws Exception {
        DenseRootFinders solves = new DenseRootFinders(20);
        try (MdeqModel model = new MdeqModel(config(), Device.cpu(), DataType.FLOAT64, 3, solves)) {
            makeAttractive(model);
            TrainStep step = model.trainStep(images, LOSS, 0);
            step.logits().close();
            assertEquals(MdeqModel.Mode.EQUILIBRIUM, step.mode());
            assertEquals(1, solves.backwardCalls);
            assertTrue(solves.lastResidual < 1e-10, "adjoint solved exactly: " + solves.lastResidual);
            assertFiniteDifferences(model, CHECKED, tightLoss(model, solves, DropoutMasks::none));
        }
    }

    /**
     * With dropout, the masks of a training forward are shared by every f evaluation, including
     * the adjoint solve's graph: the implicit gradient then matches finite differences of the loss
     * under those same masks (a different mask in the backward would break the match).
     */
    @Test
    void implicitGradientWithDropoutUsesTheForwardsMasks() throws Exception {
        DenseRootFinders solves = new DenseRootFinders(20);
        try (MdeqModel model = new MdeqModel(config("MODEL.DROPOUT", "0.3"), Device.cpu(), DataType.FLOAT64, 3,
                solves)) {
            makeAttractive(model);
            model.trainStep(images, LOSS, 0).logits().close();
            DropoutMasks masks = DropoutMasks.sampled(model.maskSeed(0));
            double withMasks = model.equilibriumLoss(images, LOSS, masks);
            double withoutMasks = model.equilibriumLoss(images, LOSS, DropoutMasks.none());
            assertTrue(Math.abs(withMasks - withoutMasks) > 1e-6, "the masks change the loss");
            assertFiniteDifferences(model, List.of("fullstage.branches.1.blocks.0.conv2.weight_v",
                    "fullstage.branches.0.blocks.0.conv1.weight_g", "fullstage.fuse_layers.0.1.net.conv.weight",
                    "downsample.0.weight", "classifier.bias"),
                    tightLoss(model, solves, () -> DropoutMasks.sampled(model.maskSeed(0))));
        }
    }

    /** The equilibrium loss under the given masks, its fixed point checked to be solved tightly. */
    private static DoubleSupplier tightLoss(MdeqModel model, DenseRootFinders solves, Supplier<DropoutMasks> masks) {
        return () -> {
            double value = model.equilibriumLoss(images, LOSS, masks.get());
            assertTrue(solves.lastResidual < 1e-12, "fixed point solved tightly: " + solves.lastResidual);
            return value;
        };
    }

    /**
     * Central differences (h = 1e-6) of {@code loss} at the largest gradient entry of each parameter
     * against the gradient the last training step left there; relative error <= 1e-4.
     */
    static void assertFiniteDifferences(MdeqModel model, List<String> keys, DoubleSupplier loss) {
        Map<String, Parameter> parameters = model.parameters();
        // Small enough not to cross a ReLU kink (1e-5 does for one entry with dropout), large enough for float64.
        double h = 1e-6;
        for (String key : keys) {
            Parameter parameter = parameters.get(key);
            double[] implicitGradient = gradient(parameter);
            int index = 0;
            for (int i = 1; i < implicitGradient.length; i++) {
                index = Math.abs(implicitGradient[i]) > Math.abs(implicitGradient[index]) ? i : index;
            }
            double implicit = implicitGradient[index];
            double[] values = parameter.getArray().toDoubleArray();
            double original = values[index];
            values[index] = original + h;
            ArrayValues.set(parameter.getArray(), values);
            double plus = loss.getAsDouble();
            values[index] = original - h;
            ArrayValues.set(parameter.getArray(), values);
            double minus = loss.getAsDouble();
            values[index] = original;
            ArrayValues.set(parameter.getArray(), values);
            double numeric = (plus - minus) / (2 * h);
            double relative = Math.abs(implicit - numeric) / Math.max(Math.abs(numeric), 1e-6);
            assertTrue(relative <= 1e-4, key + "[" + index + "]: gradient " + implicit
                    + ", finite differences " + numeric + ", relative error " + relative);
            assertTrue(Math.abs(numeric) > 1e-8, key + ": a zero gradient checks nothing");
        }
    }

    /** Phantom gradients are truncated Neumann series of the implicit one: they converge to it. */
    @Test
    void phantomGradientWithManyStepsApproachesTheImplicitGradient() throws Exception {
        DenseRootFinders solves = new DenseRootFinders(20);
        Map<String, double[]> implicit = gradients(config(), solves);
        double previous = Double.POSITIVE_INFINITY;
        for (int steps : new int[] {1, 5, 30}) {
            Map<String, double[]> phantom = gradients(config("DEQ.GRAD", "phantom", "DEQ.PHANTOM_STEPS",
                    String.valueOf(steps), "DEQ.PHANTOM_DAMPING", "0.8"), solves);
            double error = relativeDistance(phantom, implicit);
            assertTrue(error < previous, steps + " steps: distance " + error + " did not shrink from " + previous);
            previous = error;
        }
        assertTrue(previous < 1e-6, "30 damped steps: relative distance to the implicit gradient " + previous);
    }

    /** Post-fusion GroupNorm gains 0.1 and biases of order 1: the fixed point becomes attractive. */
    static void makeAttractive(MdeqModel model) {
        Random random = new Random(5);
        model.parameters().forEach((key, parameter) -> {
            boolean gain = key.matches("fullstage\\.post_fuse_layers\\.\\d+\\.gnorm\\.weight");
            boolean bias = key.matches("fullstage\\.post_fuse_layers\\.\\d+\\.gnorm\\.bias");
            if (gain || bias) {
                double[] values = parameter.getArray().toDoubleArray();
                for (int i = 0; i < values.length; i++) {
                    values[i] = gain ? 0.1 * values[i] : random.nextGaussian();
                }
                ArrayValues.set(parameter.getArray(), values);
            }
        });
    }

    /**
     * Regression: the damped phantom steps multiply by the damping factor, and the backward needs
     * that factor again. A factor passed as a Java number became an array in Java memory that was
     * freed right after the forward, so the backward read whatever reused it (here: zeros, which cut
     * the chain of steps; in the suite, now and then, a gradient off by 3e-5 to 8e-3).
     */
    @Test
    void phantomGradientSurvivesMemoryRecycledBetweenForwardAndBackward() throws Exception {
        DenseRootFinders solves = new DenseRootFinders(20);
        Map<String, double[]> implicit = gradients(config(), solves);
        Function<NDArray, NDArray> recyclingLoss = logits -> {
            MemoryChurn.recycle();
            return LOSS.apply(logits);
        };
        Map<String, double[]> phantom = gradients(config("DEQ.GRAD", "phantom", "DEQ.PHANTOM_STEPS", "30",
                "DEQ.PHANTOM_DAMPING", "0.8"), solves, recyclingLoss);
        double distance = relativeDistance(phantom, implicit);
        assertTrue(distance < 1e-6, "30 damped steps: relative distance to the implicit gradient " + distance);
    }

    @Test
    void jacobianFreeBackpropIsOneUndampedPhantomStep() throws Exception {
        DenseRootFinders solves = new DenseRootFinders(20);
        Map<String, double[]> jfb = gradients(config("DEQ.GRAD", "jfb"), solves);
        Map<String, double[]> oneStep = gradients(config("DEQ.GRAD", "phantom", "DEQ.PHANTOM_STEPS", "1",
                "DEQ.PHANTOM_DAMPING", "1.0"), solves);
        assertEquals(0, relativeDistance(jfb, oneStep), 1e-14);
        assertTrue(relativeDistance(jfb, gradients(config(), solves)) > 1e-3, "JFB differs from the exact gradient");
    }

    /** Gradients of every trainable parameter after one step; models built from the same seed share z*. */
    static Map<String, double[]> gradients(ExperimentConfig config, DenseRootFinders solves) {
        return gradients(config, solves, LOSS);
    }

    static Map<String, double[]> gradients(ExperimentConfig config, DenseRootFinders solves,
            Function<NDArray, NDArray> loss) {
        try (MdeqModel model = new MdeqModel(config, Device.cpu(), DataType.FLOAT64, 3, solves)) {
            makeAttractive(model);
            model.trainStep(images, loss, 0).logits().close();
            Map<String, double[]> out = new LinkedHashMap<>();
            model.trainableParameters().forEach((key, parameter) -> out.put(key, gradient(parameter)));
            return out;
        }
    }

    static double relativeDistance(Map<String, double[]> a, Map<String, double[]> b) {
        double diff = 0;
        double norm = 0;
        for (String key : b.keySet()) {
            double[] x = a.get(key);
            double[] y = b.get(key);
            for (int i = 0; i < y.length; i++) {
                diff += (x[i] - y[i]) * (x[i] - y[i]);
                norm += y[i] * y[i];
            }
        }
        return Math.sqrt(diff / norm);
    }
}
