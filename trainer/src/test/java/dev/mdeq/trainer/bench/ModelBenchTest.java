package dev.mdeq.trainer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.Presets;
import dev.mdeq.model.MdeqModel;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link ModelBench} on the tiny preset: what it counts agrees with the model's own statistics. */
class ModelBenchTest {

    @Test
    void countsAndSplitsAgreeWithTheModelsOwnStatistics() {
        ExperimentConfig config = Presets.load("demo/cls_mdeq_tiny", List.of("MODEL.F_THRES", "4", "MODEL.B_THRES", "4"));
        ModelBench.Result result = ModelBench.run(config, "tiny", Device.cpu(), 2, 2, ModelBench.MODES);

        assertEquals(new Shape(2, 3, 32, 32), result.input());
        int solveEvaluations;
        try (MdeqModel model = MdeqModel.create(config, Device.cpu(), DataType.FLOAT32, 0);
                NDManager manager = NDManager.newBaseManager();
                MdeqModel.Evaluation e = model.evaluate(manager.randomNormal(result.input()),
                        MdeqModel.Mode.EQUILIBRIUM, false)) {
            solveEvaluations = e.solverStats().fEvaluations();
        }
        assertEquals(solveEvaluations, result.evaluationFEvaluations());
        assertTrue(result.f().min() > 0 && result.f().min() <= result.f().median());
        assertEquals(ModelBench.MODES, result.steps().stream().map(ModelBench.StepTiming::mode).toList());
        for (ModelBench.StepTiming step : result.steps()) {
            assertTrue(step.total().min() > 0 && step.total().min() <= step.total().median(), step.toString());
            assertTrue(step.forwardSolve() + step.adjointSolve() <= step.total().min() + 1e-9, step.toString());
            assertTrue(step.gflopPerSecond() > 0, step.toString());
        }
        ModelBench.StepTiming implicit = result.steps().get(0);
        assertTrue(implicit.fEvaluations() > 0 && implicit.vjps() > 0, "implicit: a forward and an adjoint solve");
        assertEquals(implicit.fEvaluations() + 2 + 2.0 * implicit.vjps() + 2, implicit.fEquivalents());
        ModelBench.StepTiming jfb = result.steps().get(2);
        assertTrue(jfb.fEvaluations() > 0, jfb.toString());
        assertEquals(0, jfb.vjps(), "JFB solves no adjoint system");
        ModelBench.StepTiming unrolled = result.steps().get(3);
        assertEquals(0, unrolled.fEvaluations(), "the unrolled step runs no solver");
        assertEquals(3.0 * config.model().numLayers(), unrolled.fEquivalents());

        String text = result.render();
        assertTrue(text.contains("one f evaluation") && text.contains("training step, implicit")
                && text.contains("training step, unrolled"), text);
        assertTrue(text.lines().allMatch(line -> line.length() < 80), "fits an 80-column terminal:\n" + text);
        assertThrows(IllegalArgumentException.class,
                () -> ModelBench.run(config, "tiny", Device.cpu(), 2, 1, List.of("newton")));
    }
}
