package dev.mdeq.trainer.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.Presets;
import dev.mdeq.trainer.model.layers.DropoutMasks;
import dev.mdeq.trainer.model.layers.ForwardContext;
import dev.mdeq.trainer.model.layers.TorchOps;
import dev.mdeq.trainer.solver.SolverStats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * CIFAR TINY at batch 32, float32, 2 intra-op threads: one f evaluation, one forward solve, and one
 * training step in each gradient mode, with achieved GFLOP/s and where a step's time goes.
 * Prints numbers; asserts nothing about time. Run:
 * {@code mvn -B -pl trainer -am verify -Dgroups=benchmark -DexcludedTestGroups= -Dtest=ModelBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false}
 */
@Tag("benchmark")
class ModelBenchmark {
    private static final int BATCH = 32;
    private static final int REPEATS = Integer.getInteger("bench.repeats", 5);

    @Test
    void cifarTinyAtBatch32() {
        ai.djl.engine.Engine.getInstance(); // loads the natives (the test build asks for 1 thread)
        JniUtils.setNumThreads(Integer.getInteger("bench.threads", 2));
        ExperimentConfig base = Presets.load("cifar/cls_mdeq_TINY", List.of());
        ModelSummary summary = ModelSummary.of(MdeqNet.build(Architecture.from(base)));
        double fGflop = summary.fFlops() * (double) BATCH / 1e9;
        System.out.printf(Locale.ROOT, "BENCH model cifar/cls_mdeq_TINY, batch %d, float32, %d threads; one f = %.2f "
                + "GFLOP, F_THRES %d, NUM_LAYERS %d%n", BATCH, JniUtils.getNumThreads(), fGflop,
                base.model().fThres(), base.model().numLayers());
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray images = manager.randomNormal(new Shape(BATCH, 3, 32, 32));
            NDArray labels = manager.randomInteger(0, 10, new Shape(BATCH), DataType.INT64);
            Function<NDArray, NDArray> loss = logits -> logits.logSoftmax(1).mul(labels.oneHot(10)).sum().neg()
                    .div(BATCH);
            fEvaluation(base, images, fGflop);
            for (String mode : new String[] {"implicit", "phantom", "jfb", "unrolled"}) {
                trainingStep(base, mode, images, loss, fGflop, summary);
            }
        }
    }

    private static void fEvaluation(ExperimentConfig config, NDArray images, double fGflop) {
        try (MdeqModel model = MdeqModel.create(config, Device.cpu(), DataType.FLOAT32, 0);
                NDManager step = model.manager().newSubManager();
                TorchOps.GradMode off = TorchOps.gradMode(false)) {
            ForwardContext ctx = ForwardContext.create(new ParameterStore(step, false), step, false,
                    DropoutMasks.none());
            NDArray x0 = model.net().inject(ctx, images);
            StateLayout layout = model.net().layout(x0.getShape());
            List<NDArray> z = new ArrayList<>();
            for (Shape shape : layout.branches()) {
                z.add(step.randomNormal(shape));
            }
            double[] ms = new double[REPEATS * 2];
            for (int r = 0; r < ms.length; r++) {
                try (NDManager scope = step.newSubManager()) {
                    for (NDArray zi : z) {
                        zi.tempAttach(scope);
                    }
                    long t = System.nanoTime();
                    model.net().f(ctx, z, x0).get(0).getFloat(0, 0, 0, 0);
                    ms[r] = (System.nanoTime() - t) / 1e6;
                }
            }
            double median = median(ms);
            System.out.printf(Locale.ROOT, "BENCH one f evaluation (no graph): median %.1f ms, min %.1f ms; "
                    + "%.1f GFLOP/s at the min%n", median, min(ms), fGflop / (min(ms) / 1e3));

            double[] solveMs = new double[REPEATS];
            SolverStats stats = null;
            for (int r = 0; r < REPEATS; r++) {
                long t = System.nanoTime();
                try (MdeqModel.Evaluation evaluation = model.evaluate(images, MdeqModel.Mode.EQUILIBRIUM, false)) {
                    stats = evaluation.solverStats();
                }
                solveMs[r] = (System.nanoTime() - t) / 1e6;
            }
            double solve = min(solveMs);
            System.out.printf(Locale.ROOT, "BENCH evaluation forward (stem + Broyden solve + head): median %.0f ms, "
                    + "min %.0f ms; %d f evaluations, %.1f ms each at the min, of which f alone %.1f ms%n",
                    median(solveMs), solve, stats.fEvaluations(), solve / stats.fEvaluations(), min(ms));
        }
    }

    private static void trainingStep(ExperimentConfig base, String mode, NDArray images,
            Function<NDArray, NDArray> loss, double fGflop, ModelSummary summary) {
        List<String> overrides = new ArrayList<>();
        if (!mode.equals("unrolled")) {
            overrides.addAll(List.of("DEQ.GRAD", mode, "TRAIN.PRETRAIN_STEPS", "0"));
        }
        ExperimentConfig config = Presets.load("cifar/cls_mdeq_TINY", overrides);
        try (MdeqModel model = MdeqModel.create(config, Device.cpu(), DataType.FLOAT32, 0)) {
            double[] total = new double[REPEATS];
            double[] forward = new double[REPEATS];
            double[] adjoint = new double[REPEATS];
            double[] rest = new double[REPEATS];
            int fEvaluations = 0;
            int vjps = 0;
            for (int r = -1; r < REPEATS; r++) {
                model.zeroGradients();
                TrainStep step = model.trainStep(images, loss, 0);
                step.logits().close();
                if (r < 0) {
                    continue; // warm-up
                }
                TrainStep.Seconds s = step.seconds();
                total[r] = s.total();
                forward[r] = s.forwardSolve();
                adjoint[r] = s.backwardSolve();
                rest[r] = s.total() - s.forwardSolve() - s.backwardSolve();
                fEvaluations = step.forwardStats() == null ? 0 : step.forwardStats().fEvaluations();
                vjps = step.backwardStats() == null ? 0 : step.backwardStats().fEvaluations();
            }
            // Nominal work in f-evaluation equivalents (a backward through f costs about two): forward
            // solve, zf = f(z*) with graph, adjoint graph + vector-Jacobian products, final backward.
            double fEq = switch (mode) {
                case "implicit" -> fEvaluations + 1 + 1 + 2.0 * vjps + 2;
                case "phantom" -> fEvaluations + 3.0 * config.deq().phantomSteps();
                case "jfb" -> fEvaluations + 3;
                default -> 3.0 * config.model().numLayers();
            };
            double gflop = fEq * fGflop + 3 * (summary.injectionFlops() + summary.headFlops()) * (double) BATCH / 1e9;
            System.out.printf(Locale.ROOT, "BENCH training step %-8s: median %.2f s, min %.2f s; at the min: forward "
                    + "solve %.2f s (%d f evals), adjoint solve %.2f s (%d VJPs), everything else %.2f s; ~%.0f "
                    + "f-equivalents, %.1f GFLOP/s nominal at the min%n", mode, median(total), min(total),
                    forward[argMin(total)], fEvaluations, adjoint[argMin(total)], vjps, rest[argMin(total)], fEq,
                    gflop / min(total));
        }
    }

    private static int argMin(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            best = values[i] < values[best] ? i : best;
        }
        return best;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElse(0);
    }

    private static double max(double[] values) {
        return Arrays.stream(values).max().orElse(0);
    }
}
