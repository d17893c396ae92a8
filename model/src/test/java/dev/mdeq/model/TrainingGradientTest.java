package dev.mdeq.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.mdeq.config.ConfigLoader;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.model.layers.ArrayValues;
import dev.mdeq.model.layers.DropoutMasks;
import dev.mdeq.model.layers.ForwardContext;
import dev.mdeq.model.layers.TorchOps;
import dev.mdeq.model.CrossEntropy;
import dev.mdeq.model.weights.Npz;
import dev.mdeq.model.weights.StateDict;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Training-step gradients with the training losses (cross-entropy; segmentation with the ignore
 * label), float64, against computations of the test's own: central finite differences of the
 * unrolled (pretraining) loss, and the reference's implicit gradient at an unconverged z* rebuilt
 * from a finite-difference Jacobian of f at f(z*) (MDEQ-SPEC §4.1).
 */
class TrainingGradientTest {
    private static NDManager manager;

    @BeforeAll
    static void open() {
        EquilibriumGradientTest.open();
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
        EquilibriumGradientTest.close();
    }

    /** The unrolled training forward (NUM_LAYERS applications of f, batch statistics) without graph. */
    private static double unrolledLoss(MdeqModel model, NDArray images, Function<NDArray, NDArray> loss) {
        try (NDManager scope = model.manager().newSubManager(); TorchOps.GradMode off = TorchOps.gradMode(false)) {
            NDArray x = scope.create(images.toDoubleArray(), images.getShape());
            NDArray logits = model.net().forward(new ParameterStore(scope, false), new NDList(x), true)
                    .singletonOrThrow();
            return TrainStep.scalar(loss.apply(logits));
        }
    }

    @Test
    void unrolledClassificationGradientMatchesFiniteDifferences() throws Exception {
        NDArray labels = manager.create(new long[] {2, 0});
        Function<NDArray, NDArray> loss = logits -> CrossEntropy.classification(logits, labels);
        ExperimentConfig config = EquilibriumGradientTest.config("TRAIN.PRETRAIN_STEPS", "1");
        try (MdeqModel model = new MdeqModel(config, Device.cpu(), DataType.FLOAT64, 3, new DenseRootFinders(0))) {
            TrainStep step = model.trainStep(EquilibriumGradientTest.images, loss, 0);
            step.logits().close();
            assertEquals(MdeqModel.Mode.UNROLLED, step.mode());
            assertNull(step.forwardStats(), "no solver in the unrolled mode");
            assertEquals(unrolledLoss(model, EquilibriumGradientTest.images, loss), step.loss(), 1e-12);
            EquilibriumGradientTest.assertFiniteDifferences(model, List.of(
                    "fullstage.branches.0.blocks.0.conv1.weight_v", "fullstage.branches.1.blocks.0.conv2.weight_g",
                    "fullstage.branches.0.blocks.0.gn3.bias", "fullstage.fuse_layers.0.1.net.conv.weight",
                    "fullstage.post_fuse_layers.1.conv.weight_v", "downsample.1.weight", "downsample.3.weight",
                    "incre_modules.0.0.conv1.weight", "final_layer.1.weight", "classifier.weight"),
                    () -> unrolledLoss(model, EquilibriumGradientTest.images, loss));
        }
    }

    /** Segmentation: bilinear resize of the logits to the label size, ignored pixels left out of the mean. */
    @Test
    void unrolledSegmentationGradientMatchesFiniteDifferences() throws Exception {
        Path yaml = Path.of(getClass().getResource("reference/seg_fixture.yaml").toURI());
        ExperimentConfig config = ConfigLoader.load(yaml, List.of("TRAIN.PRETRAIN_STEPS", "1"));
        Random random = new Random(11);
        NDArray images = manager.create(random.doubles(2 * 3 * 32 * 48).map(v -> 2 * v - 1).toArray(),
                new Shape(2, 3, 32, 48));
        long[] values = random.longs(2 * 32 * 48, 0, 19).map(v -> random.nextInt(5) == 0 ? 255 : v).toArray();
        NDArray labels = manager.create(values, new Shape(2, 32, 48));
        NDArray weights = manager.ones(new Shape(19), DataType.FLOAT64);
        Function<NDArray, NDArray> loss = logits -> CrossEntropy.segmentation(logits, labels, weights, 255);
        try (MdeqModel model = new MdeqModel(config, Device.cpu(), DataType.FLOAT64, 4, new DenseRootFinders(0))) {
            // The cross-check's random weights: at the reference's init the stem's pre-activations sit
            // so close to 0 that even h = 1e-7 crosses ReLU kinks.
            model.load(Npz.read(Path.of(getClass().getResource("reference/seg_weights.npz").toURI())),
                    StateDict.Mode.STRICT, "seg_weights.npz");
            TrainStep step = model.trainStep(images, loss, 0);
            step.logits().close();
            assertEquals(MdeqModel.Mode.UNROLLED, step.mode());
            double value = unrolledLoss(model, images, loss);
            assertEquals(value, step.loss(), 1e-12);
            // The ignored pixels do not count: relabelling them changes nothing.
            NDArray relabelled = manager.create(java.util.Arrays.stream(values).map(v -> v == 255 ? 3 : v).toArray(),
                    new Shape(2, 32, 48));
            double withIgnored = unrolledLoss(model, images, l -> CrossEntropy.segmentation(l, relabelled, weights,
                    255));
            assertTrue(Math.abs(withIgnored - value) > 1e-6, "precondition: some pixels are ignored");
            EquilibriumGradientTest.assertFiniteDifferences(model, List.of(
                    "downsample.0.weight", "downsample.4.bias", "fullstage.branches.1.blocks.0.conv1.weight_v",
                    "fullstage.branches.0.blocks.0.gn1.weight", "fullstage.fuse_layers.1.0.net.0.conv.weight",
                    "fullstage.post_fuse_layers.0.gnorm.bias", "last_layer.0.weight", "last_layer.1.bias",
                    "last_layer.3.weight"),
                    () -> unrolledLoss(model, images, loss));
        }
    }

    /**
     * The reference's quirks at a z* that is not a fixed point (3 Broyden steps): the head sees
     * zf = f(z*), and the adjoint equation w = w J_f(zf) + g is taken at zf, not at z*. Rebuilt here
     * with dense finite-difference Jacobians: g = dL/dzf, J at zf, w solved exactly, and the gradient
     * of a parameter of f or the stem as the derivative of w . f(z*) with z* held fixed.
     */
    @Test
    void implicitGradientTakesTheAdjointAtFOfZStar() throws Exception {
        ExperimentConfig config = EquilibriumGradientTest.config("MODEL.F_THRES", "3");
        DenseRootFinders dense = new DenseRootFinders(0);
        RootFinders configured = RootFinders.of(config);
        RootFinders broydenThenExactAdjoint = new WithAdjoint(configured, dense::backward);
        NDArray images = EquilibriumGradientTest.images;
        Function<NDArray, NDArray> loss = EquilibriumGradientTest.LOSS;
        try (MdeqModel model = new MdeqModel(config, Device.cpu(), DataType.FLOAT64, 3, broydenThenExactAdjoint)) {
            EquilibriumGradientTest.makeAttractive(model);
            TrainStep step = model.trainStep(images, loss, -1);
            step.logits().close();
            assertTrue(step.forwardStats().residual() > 1e-4, "precondition: z* is not a fixed point "
                    + step.forwardStats().residual());

            try (NDManager scope = model.manager().newSubManager(); TorchOps.GradMode off = TorchOps.gradMode(false)) {
                Equilibrium at = new Equilibrium(model, scope, images, configured);
                double[] zStar = at.zStar.toDoubleArray();
                double[] zf = at.f(zStar);
                double lossAtZf = at.loss(zf, loss);
                int n = zf.length;
                double h = 1e-6;
                double[] g = new double[n];
                for (int k = 0; k < n; k++) {
                    g[k] = (at.loss(shifted(zf, k, h), loss) - at.loss(shifted(zf, k, -h), loss)) / (2 * h);
                }
                assertEquals(lossAtZf, step.loss(), 1e-12, "the head sees f(z*)");
                double[] wAtZf = adjoint(at, zf, g);
                double[] wAtZStar = adjoint(at, zStar, g);
                double separation = distance(wAtZf, wAtZStar) / norm(wAtZf);
                assertTrue(separation > 1e-3, "precondition: the two adjoints differ, by " + separation);

                for (String key : List.of("fullstage.branches.0.blocks.0.conv1.weight_v",
                        "fullstage.fuse_layers.1.0.net.0.conv.weight", "fullstage.post_fuse_layers.1.gnorm.weight",
                        "downsample.0.weight", "downsample.4.bias")) {
                    Parameter parameter = model.parameters().get(key);
                    double[] gradient = EquilibriumGradientTest.gradient(parameter);
                    double[] values = parameter.getArray().toDoubleArray();
                    int index = 0;
                    for (int i = 1; i < gradient.length; i++) {
                        index = Math.abs(gradient[i]) > Math.abs(gradient[index]) ? i : index;
                    }
                    double original = values[index];
                    double[] rates = new double[2];
                    for (int side = 0; side < 2; side++) {
                        values[index] = original + (side == 0 ? h : -h);
                        ArrayValues.set(parameter.getArray(), values);
                        // Rebuilt after the change: the effective weights and the injection depend on it.
                        Equilibrium moved = new Equilibrium(model, scope, images, null);
                        double[] fz = moved.f(zStar);
                        rates[side] = dot(wAtZf, fz);
                    }
                    values[index] = original;
                    ArrayValues.set(parameter.getArray(), values);
                    double numeric = (rates[0] - rates[1]) / (2 * h);
                    double relative = Math.abs(gradient[index] - numeric) / Math.abs(numeric);
                    assertTrue(relative < 1e-5, key + "[" + index + "]: model " + gradient[index]
                            + ", adjoint at f(z*) " + numeric + ", relative error " + relative);
                }
            }
        }
    }

    /** w solving w (I - J_f(point)) = g per sample, J by central differences. */
    private static double[] adjoint(Equilibrium at, double[] point, double[] g) {
        int batch = (int) at.layout.batch();
        int d = (int) at.layout.perSample();
        double h = 1e-6;
        // transposed[b][j][i] = d f_i / d z_j, so that (I - transposed) w = g is w (I - J) = g.
        double[][][] transposed = new double[batch][d][d];
        for (int j = 0; j < d; j++) {
            double[] plus = point.clone();
            double[] minus = point.clone();
            for (int b = 0; b < batch; b++) {
                plus[b * d + j] += h;
                minus[b * d + j] -= h;
            }
            double[] fp = at.f(plus);
            double[] fm = at.f(minus);
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < d; i++) {
                    transposed[b][j][i] = (fp[b * d + i] - fm[b * d + i]) / (2 * h);
                }
            }
        }
        return DenseRootFinders.newtonStep(transposed, g, batch, d);
    }

    /** f, the head and the solver's z* of one training forward (batch statistics, no dropout), without graph. */
    private static final class Equilibrium {
        final MdeqModel model;
        final NDManager scope;
        final ForwardContext ctx;
        final NDArray x0;
        final StateLayout layout;
        final NDArray zStar;

        Equilibrium(MdeqModel model, NDManager scope, NDArray images, RootFinders solves) {
            this.model = model;
            this.scope = scope;
            ctx = ForwardContext.create(new ParameterStore(scope, false), scope, true, DropoutMasks.none());
            x0 = model.net().inject(ctx, scope.create(images.toDoubleArray(), images.getShape()));
            layout = model.net().layout(x0.getShape());
            zStar = solves == null ? null : solves.forward(z -> layout.flatten(model.net().f(ctx, layout.unflatten(z),
                    x0)), scope.zeros(new Shape(layout.batch(), layout.perSample()), DataType.FLOAT64)).state();
        }

        double[] f(double[] z) {
            NDArray state = scope.create(z, new Shape(layout.batch(), layout.perSample()));
            return layout.flatten(model.net().f(ctx, layout.unflatten(state), x0)).toDoubleArray();
        }

        double loss(double[] z, Function<NDArray, NDArray> loss) {
            NDArray state = scope.create(z, new Shape(layout.batch(), layout.perSample()));
            return TrainStep.scalar(loss.apply(model.net().head(ctx, layout.unflatten(state))));
        }
    }

    private static double[] shifted(double[] values, int index, double by) {
        double[] out = values.clone();
        out[index] += by;
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    private static double distance(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return Math.sqrt(sum);
    }
}
