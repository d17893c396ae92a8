package dev.mdeq.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.model.solver.StopReason;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The model with the solver package's solvers (the configuration's Broyden). */
class SolverIntegrationTest {

    @BeforeAll
    static void open() {
        EquilibriumGradientTest.open();
    }

    @AfterAll
    static void close() {
        EquilibriumGradientTest.close();
    }

    private static Map<String, double[]> gradients(MdeqModel model) {
        Map<String, double[]> out = new LinkedHashMap<>();
        model.trainableParameters().forEach((key, parameter) -> out.put(key, EquilibriumGradientTest.gradient(parameter)));
        return out;
    }

    @Test
    void broydenImplicitGradientMatchesTheExactDenseSolution() throws Exception {
        ExperimentConfig config = EquilibriumGradientTest.config("MODEL.F_THRES", "80", "DEQ.F_EPS", "1e-13",
                "DEQ.B_EPS", "1e-13");
        Map<String, double[]> exact = EquilibriumGradientTest.gradients(config, new DenseRootFinders(20));
        try (MdeqModel model = MdeqModel.create(config, Device.cpu(), DataType.FLOAT64, 3)) {
            EquilibriumGradientTest.makeAttractive(model);
            TrainStep step = model.trainStep(EquilibriumGradientTest.images, EquilibriumGradientTest.LOSS, 0);
            step.logits().close();
            assertEquals("broyden", step.forwardStats().solver());
            assertEquals(StopReason.TOLERANCE, step.forwardStats().stopReason(), step.forwardStats().toString());
            assertEquals(StopReason.TOLERANCE, step.backwardStats().stopReason(), step.backwardStats().toString());
            double distance = EquilibriumGradientTest.relativeDistance(gradients(model), exact);
            assertTrue(distance < 1e-8, "Broyden vs exact implicit gradient: relative distance " + distance);
        }
    }

    /**
     * At random initialisation the adjoint Broyden solve often never beats its zero start
     * (docs/reference-model.md §4.1): the reference then returns zero, so f, the injection and the stem get no
     * gradient at all; {@code BACKWARD_FALLBACK: best} returns the best later iterate instead.
     */
    @Test
    void backwardFallbackDecidesWhatHappensWhenNoIterateImproves() throws Exception {
        Map<String, Map<String, double[]>> byFallback = new LinkedHashMap<>();
        for (String fallback : new String[] {"reference", "best"}) {
            ExperimentConfig config = EquilibriumGradientTest.config("MODEL.F_THRES", "6", "DEQ.BACKWARD_FALLBACK",
                    fallback);
            try (MdeqModel model = MdeqModel.create(config, Device.cpu(), DataType.FLOAT64, 3)) {
                TrainStep step = model.trainStep(EquilibriumGradientTest.images, EquilibriumGradientTest.LOSS, 0);
                step.logits().close();
                assertEquals(0, step.backwardStats().lowestStep(), "precondition: no backward iterate improved "
                        + step.backwardStats().absTrace());
                byFallback.put(fallback, gradients(model));
            }
        }
        Map<String, double[]> reference = byFallback.get("reference");
        Map<String, double[]> best = byFallback.get("best");
        for (String key : reference.keySet()) {
            double referenceNorm = norm(reference.get(key));
            double bestNorm = norm(best.get(key));
            boolean headPart = key.startsWith("incre_modules") || key.startsWith("downsamp_modules")
                    || key.startsWith("final_layer") || key.startsWith("classifier");
            if (headPart) {
                assertTrue(referenceNorm > 0, key + ": the head is trained either way");
                assertEquals(referenceNorm, bestNorm, 1e-12 * referenceNorm, key);
            } else {
                assertEquals(0, referenceNorm, key + ": reference semantics give f, injection and stem zero gradient");
            }
        }
        assertTrue(norm(best.get("fullstage.branches.0.blocks.0.conv1.weight_v")) > 0, "best gives f a gradient");
        assertTrue(norm(best.get("downsample.0.weight")) > 0, "best gives the stem a gradient");
    }

    @Test
    void twentyBroydenTrainingStepsLeaveNoArraysBehind() throws Exception {
        ExperimentConfig config = EquilibriumGradientTest.config("MODEL.F_THRES", "5", "TRAIN.PRETRAIN_STEPS", "3",
                "MODEL.DROPOUT", "0.1");
        try (NDManager caller = NDManager.newBaseManager();
                MdeqModel model = MdeqModel.create(config, Device.cpu(), DataType.FLOAT32, 2)) {
            NDArray images = caller.randomNormal(new Shape(2, 3, 4, 4));
            int baseline = -1;
            for (int step = 0; step < 20; step++) {
                model.trainStep(images, EquilibriumGradientTest.LOSS_ANY, step).logits().close();
                model.zeroGradients();
                int live = model.manager().getManagedArrays().size() + caller.getManagedArrays().size();
                if (step == 4) {
                    baseline = live;
                } else if (step > 4) {
                    assertEquals(baseline, live, "live arrays after step " + step);
                }
            }
        }
    }

    private static double norm(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v * v;
        }
        return Math.sqrt(sum);
    }

}
