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
import java.util.Locale;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        ModelBench.StepTiming phantom = result.steps().get(1);
        double wholeStep = implicit.total().min() / phantom.total().min();
        double backward = (implicit.total().min() - implicit.forwardSolve())
                / (phantom.total().min() - phantom.forwardSolve());
        assertTrue(text.contains(String.format(Locale.ROOT,
                "phantom against implicit: %.2fx faster, %.2fx after the forward solve", wholeStep, backward)), text);
        assertThrows(IllegalArgumentException.class,
                () -> ModelBench.run(config, "tiny", Device.cpu(), 2, 1, List.of("newton")));

        assertTrue(result.convGflopPerSecond() > 0, "attainable throughput measured");
        assertTrue(result.profiles().isEmpty(), "no profiles unless asked");
        for (ModelBench.StepTiming step : result.steps()) {
            // Linux: /proc/self gives the peak; a training step allocates activations and gradients
            assertTrue(step.peakBytes() > step.addedBytes() && step.addedBytes() > 0, step.toString());
        }
    }

    @Test
    void profilesSplitEachMeasurementByKindOfOperationAndJsonCarriesEveryFigure(@TempDir Path traces)
            throws Exception {
        ExperimentConfig config = Presets.load("demo/cls_mdeq_tiny", List.of("MODEL.F_THRES", "3"));
        ModelBench.Result result = ModelBench.run(config, "tiny", Device.cpu(), 2,
                new ModelBench.Options(1, List.of("implicit", "unrolled"), traces));

        assertEquals(List.of("f", "evaluation", "step-implicit", "step-unrolled"),
                result.profiles().stream().map(ModelBench.Profile::measurement).toList());
        for (ModelBench.Profile p : result.profiles()) {
            assertTrue(Files.size(p.trace()) > 0, p.trace() + " written");
            OpProfile.Breakdown b = p.breakdown();
            double inOps = b.selfSeconds().values().stream().mapToDouble(Double::doubleValue).sum();
            assertTrue(inOps > 0 && inOps <= b.wallSeconds() * 1.001, p.measurement() + ": " + b);
            assertTrue(b.selfSeconds().get(OpProfile.Kind.CONV_FORWARD) > 0, p.measurement() + " runs convolutions");
        }
        OpProfile.Breakdown unrolled = result.profiles().get(3).breakdown();
        assertTrue(unrolled.selfSeconds().get(OpProfile.Kind.CONV_BACKWARD) > 0, "a training step runs backward");
        assertEquals(0.0, result.profiles().get(0).breakdown().selfSeconds().get(OpProfile.Kind.CONV_BACKWARD),
                "f without graph runs no backward");

        JsonNode json = new ObjectMapper().readTree(result.toJson());
        assertEquals(result.f().min(), json.at("/f/min").asDouble(), 0.0);
        assertEquals(result.convGflopPerSecond(), json.get("attainableGflopPerSecond").asDouble(), 0.0);
        assertEquals("implicit", json.at("/steps/0/mode").asText());
        assertEquals(result.steps().get(0).peakBytes(), json.at("/steps/0/peakBytes").asLong());
        assertEquals(result.profiles().get(3).breakdown().outsideSeconds(),
                json.at("/profiles/step-unrolled/selfSeconds/outside").asDouble(), 1e-12);
        assertTrue(result.render().contains("profile: step-implicit"), result.render());
    }
}
