package dev.mdeq.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.model.layers.TorchOps;
import dev.mdeq.model.weights.RawTensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Adam and SGD against float64 re-computations of PyTorch's update rules, written out here
 * independently of the implementation, over several steps with changing gradients and rates.
 */
class OptimizerTest {
    private static final double[] LRS = {0.01, 0.02, 0.005, 0.013, 0.008};
    private static final Map<String, Shape> SHAPES = Map.of("conv.weight", new Shape(2, 3), "gn.bias", new Shape(4));

    private NDManager manager;
    private Map<String, double[]> initial;
    private List<Map<String, double[]>> gradients;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        Random random = new Random(42);
        initial = new LinkedHashMap<>();
        initial.put("conv.weight", ParameterFixture.rounded(randoms(random, 6, 1.0)));
        initial.put("gn.bias", ParameterFixture.rounded(randoms(random, 4, 1.0)));
        gradients = new java.util.ArrayList<>();
        for (int step = 0; step < LRS.length; step++) {
            Map<String, double[]> g = new LinkedHashMap<>();
            g.put("conv.weight", ParameterFixture.rounded(randoms(random, 6, 0.5)));
            g.put("gn.bias", ParameterFixture.rounded(randoms(random, 4, 0.5)));
            gradients.add(g);
        }
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void adamWithWeightDecayMatchesFloat64Recomputation() {
        double wd = 0.05;
        Map<String, double[]> expected = adamReference(wd, LRS.length);
        Map<String, double[]> actual = run(() -> new Adam(wd), LRS.length);
        assertClose(expected, actual, 2e-6);
    }

    @Test
    void adamWithoutWeightDecayMatchesFloat64Recomputation() {
        assertClose(adamReference(0.0, LRS.length), run(() -> new Adam(0.0), LRS.length), 2e-6);
    }

    @Test
    void sgdWithMomentumMatchesFloat64Recomputation() {
        assertClose(sgdReference(0.9, 1e-3, false), run(() -> new Sgd(0.9, 1e-3, false), LRS.length), 2e-6);
    }

    @Test
    void sgdWithNesterovMatchesFloat64Recomputation() {
        assertClose(sgdReference(0.9, 5e-4, true), run(() -> new Sgd(0.9, 5e-4, true), LRS.length), 2e-6);
    }

    @Test
    void plainSgdMatchesFloat64RecomputationAndKeepsNoBuffers() {
        try (Optimizer sgd = new Sgd(0.0, 0.0, false)) {
            Map<String, NDArray> parameters = ParameterFixture.parameters(manager, initial, SHAPES);
            for (int step = 0; step < LRS.length; step++) {
                ParameterFixture.setGradients(parameters, gradients.get(step));
                sgd.step(parameters, LRS[step]);
            }
            assertClose(sgdReference(0.0, 0.0, false), snapshot(parameters), 2e-6);
            assertEquals(List.of(Optimizer.STEP_KEY), List.copyOf(sgd.state().keySet()));
        }
    }

    @Test
    void stepWorksWhileAutogradIsRecordingOnTheCallingThread() {
        Map<String, NDArray> parameters = ParameterFixture.parameters(manager, initial, SHAPES);
        ParameterFixture.setGradients(parameters, gradients.get(0));
        try (TorchOps.GradMode on = TorchOps.gradMode(true); Optimizer adam = new Adam(0.0)) {
            adam.step(parameters, 0.01);
            assertTrue(TorchOps.isGradEnabled(), "the caller's mode is restored");
        }
        assertTrue(Math.abs(ParameterFixture.values(parameters.get("gn.bias"))[0] - initial.get("gn.bias")[0]) > 1e-3);
    }

    @Test
    void nesterovWithoutMomentumIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Sgd(0.0, 0.0, true));
    }

    @Test
    void savedStateContinuesBitForBitLikeAnUninterruptedRun() {
        for (Supplier<Optimizer> factory : List.<Supplier<Optimizer>>of(() -> new Adam(0.01),
                () -> new Sgd(0.9, 1e-4, true))) {
            Map<String, double[]> uninterrupted = run(factory, LRS.length);

            Map<String, NDArray> parameters = ParameterFixture.parameters(manager, initial, SHAPES);
            Map<String, RawTensor> saved;
            Map<String, double[]> savedParameters;
            try (Optimizer first = factory.get()) {
                for (int step = 0; step < 2; step++) {
                    ParameterFixture.setGradients(parameters, gradients.get(step));
                    first.step(parameters, LRS[step]);
                }
                saved = first.state();
                savedParameters = snapshot(parameters);
            }
            Map<String, NDArray> restored = ParameterFixture.parameters(manager, savedParameters, SHAPES);
            try (Optimizer second = factory.get()) {
                second.loadState(saved, restored);
                assertEquals(2, second.stepCount());
                for (int step = 2; step < LRS.length; step++) {
                    ParameterFixture.setGradients(restored, gradients.get(step));
                    second.step(restored, LRS[step]);
                }
            }
            Map<String, double[]> resumed = snapshot(restored);
            uninterrupted.forEach((name, values) -> assertArrayEquals(values, resumed.get(name), 0.0, name));
        }
    }

    @Test
    void stateNamesEveryMomentOfEveryParameter() {
        try (Optimizer adam = new Adam(0.0)) {
            Map<String, NDArray> parameters = ParameterFixture.parameters(manager, initial, SHAPES);
            ParameterFixture.setGradients(parameters, gradients.get(0));
            adam.step(parameters, 0.1);
            assertEquals(List.of("step", "conv.weight.exp_avg", "conv.weight.exp_avg_sq", "gn.bias.exp_avg",
                    "gn.bias.exp_avg_sq"), List.copyOf(adam.state().keySet()));
            RawTensor expAvg = adam.state().get("conv.weight.exp_avg");
            assertArrayEquals(new long[] {2, 3}, expAvg.shape());
            // after one step exp_avg = (1 - beta1) * g
            double[] g = gradients.get(0).get("conv.weight");
            double[] m = expAvg.toDoubleArray();
            for (int i = 0; i < g.length; i++) {
                assertEquals(0.1 * g[i], m[i], 1e-7);
            }
        }
    }

    @Test
    void loadStateRejectsUnknownParametersAndWrongShapes() {
        Map<String, NDArray> parameters = ParameterFixture.parameters(manager, initial, SHAPES);
        Map<String, RawTensor> unknown = new LinkedHashMap<>();
        unknown.put(Optimizer.STEP_KEY, RawTensor.ofLongs(new long[0], new long[] {3}));
        unknown.put("head.weight.exp_avg", RawTensor.ofFloats(new long[] {2}, new float[2]));
        try (Optimizer adam = new Adam(0.0)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> adam.loadState(unknown, parameters));
            assertTrue(e.getMessage().contains("head.weight.exp_avg"), e.getMessage());

            Map<String, RawTensor> wrongShape = new LinkedHashMap<>();
            wrongShape.put(Optimizer.STEP_KEY, RawTensor.ofLongs(new long[0], new long[] {3}));
            wrongShape.put("gn.bias.exp_avg", RawTensor.ofFloats(new long[] {5}, new float[5]));
            e = assertThrows(IllegalArgumentException.class, () -> adam.loadState(wrongShape, parameters));
            assertTrue(e.getMessage().contains("gn.bias.exp_avg") && e.getMessage().contains("(5,)"), e.getMessage());
        }
    }

    private Map<String, double[]> run(Supplier<Optimizer> factory, int steps) {
        Map<String, NDArray> parameters = ParameterFixture.parameters(manager, initial, SHAPES);
        try (Optimizer optimizer = factory.get()) {
            for (int step = 0; step < steps; step++) {
                ParameterFixture.setGradients(parameters, gradients.get(step));
                optimizer.step(parameters, LRS[step]);
            }
        }
        return snapshot(parameters);
    }

    private Map<String, double[]> adamReference(double wd, int steps) {
        Map<String, double[]> out = new LinkedHashMap<>();
        initial.forEach((name, start) -> {
            double[] p = start.clone();
            double[] m = new double[p.length];
            double[] v = new double[p.length];
            for (int t = 1; t <= steps; t++) {
                double[] g = gradients.get(t - 1).get(name);
                double bc1 = 1 - Math.pow(0.9, t);
                double bc2 = 1 - Math.pow(0.999, t);
                for (int i = 0; i < p.length; i++) {
                    double gi = g[i] + wd * p[i];
                    m[i] = 0.9 * m[i] + 0.1 * gi;
                    v[i] = 0.999 * v[i] + 0.001 * gi * gi;
                    p[i] -= LRS[t - 1] / bc1 * m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + 1e-8);
                }
            }
            out.put(name, p);
        });
        return out;
    }

    private Map<String, double[]> sgdReference(double momentum, double wd, boolean nesterov) {
        Map<String, double[]> out = new LinkedHashMap<>();
        initial.forEach((name, start) -> {
            double[] p = start.clone();
            double[] buf = null;
            for (int t = 0; t < LRS.length; t++) {
                double[] g = gradients.get(t).get(name);
                double[] d = new double[p.length];
                for (int i = 0; i < p.length; i++) {
                    d[i] = g[i] + wd * p[i];
                }
                if (momentum != 0) {
                    if (buf == null) {
                        buf = d.clone();
                    } else {
                        for (int i = 0; i < p.length; i++) {
                            buf[i] = momentum * buf[i] + d[i];
                        }
                    }
                    for (int i = 0; i < p.length; i++) {
                        d[i] = nesterov ? d[i] + momentum * buf[i] : buf[i];
                    }
                }
                for (int i = 0; i < p.length; i++) {
                    p[i] -= LRS[t] * d[i];
                }
            }
            out.put(name, p);
        });
        return out;
    }

    private static Map<String, double[]> snapshot(Map<String, NDArray> parameters) {
        Map<String, double[]> out = new LinkedHashMap<>();
        parameters.forEach((name, array) -> out.put(name, ParameterFixture.values(array)));
        return out;
    }

    private void assertClose(Map<String, double[]> expected, Map<String, double[]> actual, double tolerance) {
        expected.forEach((name, values) -> {
            double[] got = actual.get(name);
            double[] start = initial.get(name);
            for (int i = 0; i < values.length; i++) {
                // the parameters must have moved, so a no-op optimizer cannot pass
                assertTrue(Math.abs(values[i] - start[i]) > 1e-4, name + "[" + i + "] did not move");
                assertEquals(values[i], got[i], tolerance, name + "[" + i + "]");
            }
        });
    }

    private static double[] randoms(Random random, int n, double scale) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = scale * random.nextGaussian();
        }
        return out;
    }
}
