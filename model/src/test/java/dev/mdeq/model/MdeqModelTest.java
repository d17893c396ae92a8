package dev.mdeq.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.mdeq.config.ConfigLoader;
import dev.mdeq.config.DeqConfig;
import dev.mdeq.config.ExperimentConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import dev.mdeq.model.solver.SolveResult;
import dev.mdeq.model.solver.StepObserver;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MdeqModelTest {

    private static ExperimentConfig config(String... overrides) throws Exception {
        Path yaml = Path.of(MdeqModelTest.class.getResource("gradient_tiny.yaml").toURI());
        return ConfigLoader.load(yaml, List.of(overrides));
    }

    private static final Function<NDArray, NDArray> LOSS = logits -> logits.square().mean();

    @Test
    void pretrainsUnrolledForPretrainStepsThenSwitchesToTheEquilibrium() throws Exception {
        IterationRootFinders solves = new IterationRootFinders(3);
        try (NDManager manager = NDManager.newBaseManager();
                MdeqModel model = new MdeqModel(config("TRAIN.PRETRAIN_STEPS", "3"), Device.cpu(), DataType.FLOAT32, 1,
                        solves)) {
            NDArray images = manager.randomNormal(new Shape(2, 3, 4, 4));
            for (long step = 0; step < 3; step++) {
                TrainStep result = model.trainStep(images, LOSS, step);
                assertEquals(MdeqModel.Mode.UNROLLED, result.mode(), "step " + step);
                assertNull(result.forwardStats());
                assertEquals(0, solves.forwardCalls, "no solve while pretraining");
            }
            TrainStep deq = model.trainStep(images, LOSS, 3);
            assertEquals(MdeqModel.Mode.EQUILIBRIUM, deq.mode());
            assertEquals(DeqConfig.GradMode.IMPLICIT, deq.grad());
            assertNotNull(deq.forwardStats());
            assertNotNull(deq.backwardStats());
            assertEquals(1, solves.forwardCalls);
            assertEquals(1, solves.backwardCalls);
            // Validation passes step -1: always the equilibrium.
            assertEquals(MdeqModel.Mode.EQUILIBRIUM, model.trainStep(images, LOSS, -1).mode());
            assertEquals(true, model.pretraining(2));
            assertEquals(false, model.pretraining(3));
        }
    }

    @Test
    void unrolledEvaluationIsTheReferencesDefaultForward() throws Exception {
        try (NDManager manager = NDManager.newBaseManager();
                MdeqModel model = new MdeqModel(config(), Device.cpu(), DataType.FLOAT64, 1, new IterationRootFinders(3))) {
            NDArray images = manager.randomNormal(0, 1, new Shape(2, 3, 4, 4), DataType.FLOAT64);
            MdeqModel.Evaluation unrolled = model.evaluate(images, MdeqModel.Mode.UNROLLED, true);
            NDArray viaDjl = model.net().forward(new ParameterStore(manager, false), new NDList(images), false)
                    .singletonOrThrow();
            assertArrayEquals(viaDjl.toDoubleArray(), unrolled.logits().toDoubleArray(), 1e-12);
            assertEquals(images.getManager(), unrolled.logits().getManager());
            assertEquals(2, unrolled.zStar().size());
            MdeqModel.Evaluation deq = model.evaluate(images, MdeqModel.Mode.EQUILIBRIUM, true);
            assertNotNull(deq.solverStats());
            // f(z*) of the details is f applied to the returned z*.
            assertNotEquals(deq.zStar().get(0).toDoubleArray()[0], deq.fOfZStar().get(0).toDoubleArray()[0]);
        }
    }

    @Test
    void theHeadCalledAsADjlBlockMapsTheStatesToTheLogits() throws Exception {
        try (NDManager manager = NDManager.newBaseManager();
                MdeqModel model = new MdeqModel(config(), Device.cpu(), DataType.FLOAT64, 1, new IterationRootFinders(3))) {
            NDArray images = manager.randomNormal(0, 1, new Shape(2, 3, 4, 4), DataType.FLOAT64);
            MdeqModel.Evaluation unrolled = model.evaluate(images, MdeqModel.Mode.UNROLLED, true);
            ai.djl.nn.Block head = (ai.djl.nn.Block) model.net().head();
            NDArray viaDjl = head.forward(new ParameterStore(manager, false), new NDList(unrolled.zStar()), false)
                    .singletonOrThrow();
            assertArrayEquals(unrolled.logits().toDoubleArray(), viaDjl.toDoubleArray(), 1e-12);
        }
    }

    @Test
    void dropoutMaskIsTheSameForEveryEvaluationOfOneForwardAndNewForTheNext() throws Exception {
        List<double[]> outputs = new ArrayList<>();
        RootFinders probe = new RootFinders() {
            @Override
            public SolveResult forward(Function<NDArray, NDArray> f, NDArray start) {
                NDArray ones = start.onesLike();
                outputs.add(f.apply(ones).toDoubleArray());
                outputs.add(f.apply(ones).toDoubleArray());
                return new SolveResult(start.duplicate(), TestStats.of("probe", 0, 0, 0));
            }

            @Override
            public SolveResult backward(Function<NDArray, NDArray> f, NDArray start, StepObserver observer) {
                return new SolveResult(start.duplicate(), TestStats.of("probe", 0, 0, 0));
            }
        };
        try (NDManager manager = NDManager.newBaseManager();
                MdeqModel model = new MdeqModel(config("MODEL.DROPOUT", "0.5"), Device.cpu(), DataType.FLOAT64, 1,
                        probe)) {
            NDArray images = manager.randomNormal(0, 1, new Shape(2, 3, 4, 4), DataType.FLOAT64);
            model.trainStep(images, LOSS, 0);
            model.trainStep(images, LOSS, 1);
            assertEquals(2, model.maskDraws());
            assertArrayEquals(outputs.get(0), outputs.get(1), "same forward, same masks");
            assertArrayEquals(outputs.get(2), outputs.get(3), "same forward, same masks");
            assertNotEquals(outputs.get(0)[0], outputs.get(2)[0], "the next forward draws new masks");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"implicit", "phantom", "jfb"})
    void twentyTrainingStepsLeaveNoArraysBehind(String grad) throws Exception {
        try (NDManager caller = NDManager.newBaseManager();
                MdeqModel model = new MdeqModel(config("TRAIN.PRETRAIN_STEPS", "5", "MODEL.DROPOUT", "0.2",
                        "DEQ.GRAD", grad, "DEQ.BACKWARD_FALLBACK", "best"), Device.cpu(), DataType.FLOAT32, 1,
                        new IterationRootFinders(4))) {
            NDArray images = caller.randomNormal(new Shape(2, 3, 4, 4));
            int baseline = -1;
            for (int step = 0; step < 20; step++) {
                TrainStep result = model.trainStep(images, LOSS, step);
                result.logits().close();
                model.zeroGradients();
                if (step == 5) {
                    model.evaluate(images, MdeqModel.Mode.EQUILIBRIUM, true).close();
                }
                int live = model.manager().getManagedArrays().size() + caller.getManagedArrays().size();
                if (step == 1) {
                    baseline = live;
                } else if (step > 1) {
                    assertEquals(baseline, live, "live arrays after step " + step);
                }
            }
        }
    }
}
