package dev.mdeq.trainer.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.mdeq.config.ConfigLoader;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.model.kernels.NativeKernels;
import dev.mdeq.model.Architecture;
import dev.mdeq.model.Finite;
import dev.mdeq.model.MdeqModel;
import dev.mdeq.model.MdeqNet;
import dev.mdeq.model.ModelSummary;
import dev.mdeq.model.NonFiniteException;
import dev.mdeq.model.TrainStep;
import dev.mdeq.model.layers.DropoutMasks;
import dev.mdeq.model.layers.ForwardContext;
import dev.mdeq.model.layers.TorchOps;
import dev.mdeq.trainer.optim.Gradients;
import dev.mdeq.model.solver.SolverStats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Times a config's model on this machine (behind {@code mdeq model bench}): one evaluation of the
 * equilibrium layer f, one evaluation forward (stem, solve, head), and one training step per
 * gradient mode, each as median and minimum of a few repetitions after a warm-up, with the
 * achieved GFLOP/s from {@link ModelSummary}'s operation counts. Random inputs at the config's
 * input size; the loss is the mean square of the logits (its gradient reaches every parameter, and
 * the time of a step does not depend on which loss it is).
 */
public final class ModelBench {
    /** The gradient modes a step can be timed in: DEQ.GRAD values plus the unrolled pretraining step. */
    public static final List<String> MODES = List.of("implicit", "phantom", "jfb", "unrolled");

    /** Median and minimum of the repetitions, in seconds. */
    public record Timing(double median, double min) {
        static Timing of(double[] seconds) {
            double[] sorted = seconds.clone();
            Arrays.sort(sorted);
            return new Timing(sorted[sorted.length / 2], sorted[0]);
        }
    }

    /** One training step's time, split at the repetition with the smallest total. */
    public record StepTiming(String mode, Timing total, double forwardSolve, int fEvaluations, double adjointSolve,
            int vjps, double fEquivalents, double gflopPerSecond) {
    }

    /** Everything measured for one config. */
    public record Result(String config, Device device, int batch, Shape input, double fGflop, Timing f,
            Timing evaluation, int evaluationFEvaluations, List<StepTiming> steps) {

        /** The result as the lines {@code mdeq model bench} prints. */
        public String render() {
            StringBuilder out = new StringBuilder();
            out.append(String.format(Locale.ROOT, "%s on %s, input %s, float32; one f = %.3f GFLOP%n", config, device,
                    input, fGflop));
            out.append(String.format(Locale.ROOT, "%-28s %9s %9s  %s%n", "", "median", "min", "at the min"));
            out.append(String.format(Locale.ROOT, "%-28s %9s %9s  %.1f GFLOP/s%n", "one f evaluation (no graph)",
                    ms(f.median()), ms(f.min()), fGflop / f.min()));
            out.append(String.format(Locale.ROOT, "%-28s %9s %9s  %d f, %s each%n", "evaluation forward",
                    ms(evaluation.median()), ms(evaluation.min()), evaluationFEvaluations,
                    ms(evaluation.min() / Math.max(1, evaluationFEvaluations))));
            for (StepTiming s : steps) {
                // the breakdown on a line of its own: rows stay within 80 columns
                out.append(String.format(Locale.ROOT, "%-28s %9s %9s  %.1f GFLOP/s nominal, ~%.0f f%n",
                        "training step, " + s.mode(), ms(s.total().median()), ms(s.total().min()), s.gflopPerSecond(),
                        s.fEquivalents()));
                out.append(String.format(Locale.ROOT, "  forward solve %s (%d f), adjoint solve %s (%d VJPs), rest %s%n",
                        ms(s.forwardSolve()), s.fEvaluations(), ms(s.adjointSolve()), s.vjps(),
                        ms(s.total().min() - s.forwardSolve() - s.adjointSolve())));
            }
            return out.toString();
        }

        private static String ms(double seconds) {
            return String.format(Locale.ROOT, "%.1f ms", seconds * 1e3);
        }
    }

    private ModelBench() {
    }

    /** What is wrong with these settings, or null when {@link #run} accepts them. */
    public static String problem(int batch, int repeats, List<String> modes) {
        if (batch < 1 || repeats < 1) {
            return "the batch size and the repeats must be at least 1";
        }
        for (String mode : modes) {
            if (!MODES.contains(mode)) {
                return "'" + mode + "' is not a mode; valid: " + String.join(", ", MODES);
            }
        }
        return null;
    }

    /**
     * Measures {@code base}'s model on {@code device} at batch {@code batch}, {@code repeats} timed
     * repetitions each (twice as many for f), training steps in the given {@link #MODES}.
     */
    public static Result run(ExperimentConfig base, String name, Device device, int batch, int repeats,
            List<String> modes) {
        String problem = problem(batch, repeats, modes);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        NativeKernels.ensureChecked(); // before the first array: it fixes oneDNN's kernel set
        MdeqNet net = MdeqNet.build(Architecture.from(base));
        ModelSummary summary = ModelSummary.of(net);
        double fGflop = summary.fFlops() * (double) batch / 1e9;
        Shape input = net.inputShape(batch);
        try (NDManager manager = NDManager.newBaseManager(device)) {
            NDArray images = manager.randomNormal(input);
            Function<NDArray, NDArray> loss = logits -> logits.square().mean();
            List<StepTiming> steps = new ArrayList<>();
            Timing f;
            Timing evaluation;
            int evaluationF;
            try (MdeqModel model = MdeqModel.create(base, device, DataType.FLOAT32, 0)) {
                f = fEvaluation(model, images, repeats * 2);
                double[] seconds = new double[repeats];
                SolverStats stats = null;
                for (int r = -1; r < repeats; r++) {
                    long t = System.nanoTime();
                    try (MdeqModel.Evaluation e = model.evaluate(images, MdeqModel.Mode.EQUILIBRIUM, false)) {
                        stats = Finite.requireSolved(e.solverStats(), "evaluation forward, repetition " + (r + 2));
                        Finite.require(e.logits(), "evaluation forward, repetition " + (r + 2) + ", logits");
                    }
                    if (r >= 0) {
                        seconds[r] = (System.nanoTime() - t) / 1e9;
                    }
                }
                evaluation = Timing.of(seconds);
                evaluationF = stats == null ? 0 : stats.fEvaluations();
            }
            for (String mode : modes) {
                steps.add(trainingStep(base, mode, device, images, loss, repeats, fGflop,
                        3 * (summary.injectionFlops() + summary.headFlops()) * (double) batch / 1e9));
            }
            return new Result(name, device, batch, input, fGflop, f, evaluation, evaluationF, steps);
        }
    }

    /** f at random states, without autograd (as the solver's iterations run it). */
    private static Timing fEvaluation(MdeqModel model, NDArray images, int repeats) {
        try (NDManager step = model.manager().newSubManager();
                TorchOps.GradMode off = TorchOps.gradMode(false)) {
            ForwardContext ctx = ForwardContext.create(new ParameterStore(step, false), step, false,
                    DropoutMasks.none());
            NDArray x0 = model.net().inject(ctx, images);
            List<NDArray> z = new ArrayList<>();
            for (Shape shape : model.net().layout(x0.getShape()).branches()) {
                z.add(step.randomNormal(shape));
            }
            double[] seconds = new double[repeats];
            for (int r = -1; r < repeats; r++) {
                try (NDManager scope = step.newSubManager()) {
                    for (NDArray zi : z) {
                        zi.tempAttach(scope);
                    }
                    long t = System.nanoTime();
                    List<NDArray> fz = model.net().f(ctx, z, x0);
                    fz.get(0).getFloat(0, 0, 0, 0); // reading a value waits for the work
                    if (r >= 0) {
                        seconds[r] = (System.nanoTime() - t) / 1e9;
                    }
                    for (int i = 0; i < fz.size(); i++) {
                        Finite.require(fz.get(i), "f evaluation " + (r + 2) + ", branch " + i);
                    }
                }
            }
            return Timing.of(seconds);
        }
    }

    private static StepTiming trainingStep(ExperimentConfig base, String mode, Device device, NDArray images,
            Function<NDArray, NDArray> loss, int repeats, double fGflop, double stemAndHeadGflop) {
        // step 0 is a pretraining (unrolled) step while 0 < TRAIN.PRETRAIN_STEPS, an equilibrium step otherwise
        List<String> overrides = mode.equals("unrolled")
                ? List.of("TRAIN.PRETRAIN_STEPS", "1")
                : List.of("DEQ.GRAD", mode, "TRAIN.PRETRAIN_STEPS", "0");
        ExperimentConfig config = ConfigLoader.withOverrides(base, overrides);
        try (MdeqModel model = MdeqModel.create(config, device, DataType.FLOAT32, 0)) {
            double[] total = new double[repeats];
            double[] forward = new double[repeats];
            double[] adjoint = new double[repeats];
            int fEvaluations = 0;
            int vjps = 0;
            for (int r = -1; r < repeats; r++) {
                model.zeroGradients();
                TrainStep step = model.trainStep(images, loss, 0);
                String what = mode + " training step " + (r + 2);
                Finite.requireSolved(step.forwardStats(), what + ", forward solve");
                Finite.requireSolved(step.backwardStats(), what + ", adjoint solve");
                Finite.require(step.logits(), what + ", logits").close();
                double norm = Gradients.globalNorm(model.trainableArrays());
                if (!Double.isFinite(norm)) {
                    throw new NonFiniteException(what + ": the parameters' gradient norm is " + norm);
                }
                if (r < 0) {
                    continue; // warm-up
                }
                TrainStep.Seconds s = step.seconds();
                total[r] = s.total();
                forward[r] = s.forwardSolve();
                adjoint[r] = s.backwardSolve();
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
            int best = 0;
            for (int i = 1; i < repeats; i++) {
                best = total[i] < total[best] ? i : best;
            }
            return new StepTiming(mode, Timing.of(total), forward[best], fEvaluations, adjoint[best], vjps, fEq,
                    (fEq * fGflop + stemAndHeadGflop) / total[best]);
        }
    }
}
