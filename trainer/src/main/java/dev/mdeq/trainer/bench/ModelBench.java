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
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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

    /**
     * One training step's time, split at the repetition with the smallest total.
     *
     * @param peakBytes the process's peak resident memory during one more repetition, -1 if unknown
     * @param addedBytes what that repetition added to the resident memory before it, -1 if unknown
     */
    public record StepTiming(String mode, Timing total, double forwardSolve, int fEvaluations, double adjointSolve,
            int vjps, double fEquivalents, double gflopPerSecond, long peakBytes, long addedBytes) {

        /** The fastest repetition less its forward solve: the backward pass that the gradient modes differ in. */
        public double afterForwardSolve() {
            return total.min() - forwardSolve;
        }
    }

    /** How to measure: timed repetitions, the training-step modes, and where to write profiles (null: none). */
    public record Options(int repeats, List<String> modes, Path profileDir) {
    }

    /** The op-kind profile of one measurement. */
    public record Profile(String measurement, Path trace, OpProfile.Breakdown breakdown) {
    }

    /**
     * Everything measured for one config.
     *
     * @param convGflopPerSecond the attainable convolution throughput ({@link ConvThroughput}) on these shapes
     */
    public record Result(String config, Device device, int batch, Shape input, double fGflop, Timing f,
            Timing evaluation, int evaluationFEvaluations, List<StepTiming> steps, double convGflopPerSecond,
            List<Profile> profiles) {

        /** The result as the lines {@code mdeq model bench} prints. */
        public String render() {
            StringBuilder out = new StringBuilder();
            out.append(String.format(Locale.ROOT, "%s on %s, input %s, float32; one f = %.3f GFLOP%n", config, device,
                    input, fGflop));
            out.append(String.format(Locale.ROOT, "attainable: %.1f GFLOP/s (the blocks' 3x3 convolutions alone,%n"
                    + "fwd+bwd); (%%) below: the share of it reached%n", convGflopPerSecond));
            out.append(String.format(Locale.ROOT, "%-28s %9s %9s  %s%n", "", "median", "min", "at the min"));
            out.append(String.format(Locale.ROOT, "%-28s %9s %9s  %.1f GFLOP/s %s%n", "one f evaluation (no graph)",
                    ms(f.median()), ms(f.min()), fGflop / f.min(), efficiency(fGflop / f.min())));
            out.append(String.format(Locale.ROOT, "%-28s %9s %9s  %d f, %s each%n", "evaluation forward",
                    ms(evaluation.median()), ms(evaluation.min()), evaluationFEvaluations,
                    ms(evaluation.min() / Math.max(1, evaluationFEvaluations))));
            for (StepTiming s : steps) {
                // the breakdown on lines of its own: rows stay within 80 columns
                out.append(String.format(Locale.ROOT, "%-28s %9s %9s  %.1f GFLOP/s nominal %s%n",
                        "training step, " + s.mode(), ms(s.total().median()), ms(s.total().min()), s.gflopPerSecond(),
                        efficiency(s.gflopPerSecond())));
                out.append(String.format(Locale.ROOT, "  forward solve %s (%d f), adjoint solve %s (%d VJPs), rest %s%n",
                        ms(s.forwardSolve()), s.fEvaluations(), ms(s.adjointSolve()), s.vjps(),
                        ms(s.total().min() - s.forwardSolve() - s.adjointSolve())));
                out.append(String.format(Locale.ROOT, "  ~%.0f f of work; peak memory %s (+%s during the step)%n",
                        s.fEquivalents(), mib(s.peakBytes()), mib(s.addedBytes())));
            }
            appendSpeedUps(out);
            for (Profile p : profiles) {
                out.append(p.breakdown().render(p.measurement()));
            }
            return out.toString();
        }

        /**
         * The cheaper gradients against the implicit step, whole and after the forward solve they all
         * share (the phantom-gradient paper's speed-ups are of that backward pass).
         */
        private void appendSpeedUps(StringBuilder out) {
            StepTiming implicit = steps.stream().filter(s -> s.mode().equals("implicit")).findFirst().orElse(null);
            if (implicit == null) {
                return;
            }
            for (StepTiming s : steps) {
                if (s.mode().equals("phantom") || s.mode().equals("jfb")) {
                    out.append(String.format(Locale.ROOT, "%s against implicit: %.2fx faster, %.2fx after the forward"
                            + " solve%n", s.mode(), implicit.total().min() / s.total().min(),
                            implicit.afterForwardSolve() / s.afterForwardSolve()));
                }
            }
        }

        private String efficiency(double gflopPerSecond) {
            return String.format(Locale.ROOT, "(%.0f %%)", 100 * gflopPerSecond / convGflopPerSecond);
        }

        /** The result as one JSON object (for comparing commits: seconds, bytes, GFLOP/s). */
        public String toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("config", config);
            json.put("device", device.toString());
            json.put("batch", batch);
            json.put("fGflop", fGflop);
            json.put("attainableGflopPerSecond", convGflopPerSecond);
            json.put("f", f);
            json.put("evaluation", evaluation);
            json.put("evaluationFEvaluations", evaluationFEvaluations);
            json.put("steps", steps);
            Map<String, Object> profileJson = new LinkedHashMap<>();
            for (Profile p : profiles) {
                Map<String, Object> kinds = new LinkedHashMap<>();
                p.breakdown().selfSeconds().forEach((kind, seconds) -> kinds.put(kind.name().toLowerCase(Locale.ROOT),
                        seconds));
                kinds.put("outside", p.breakdown().outsideSeconds());
                profileJson.put(p.measurement(), Map.of("wallSeconds", p.breakdown().wallSeconds(), "trace",
                        p.trace().toString(), "selfSeconds", kinds));
            }
            json.put("profiles", profileJson);
            try {
                return new ObjectMapper().writeValueAsString(json);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("the benchmark result could not be written as JSON", e);
            }
        }

        private static String ms(double seconds) {
            return String.format(Locale.ROOT, "%.1f ms", seconds * 1e3);
        }

        private static String mib(long bytes) {
            return bytes < 0 ? "unknown" : String.format(Locale.ROOT, "%.0f MiB", bytes / 1048576.0);
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
        return run(base, name, device, batch, new Options(repeats, modes, null));
    }

    /** Measures as {@link #run(ExperimentConfig, String, Device, int, int, List)}, with profiles when asked. */
    public static Result run(ExperimentConfig base, String name, Device device, int batch, Options options) {
        String problem = problem(batch, options.repeats(), options.modes());
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        int repeats = options.repeats();
        NativeKernels.ensureChecked(); // before the first array: it fixes oneDNN's kernel set
        MdeqNet net = MdeqNet.build(Architecture.from(base));
        ModelSummary summary = ModelSummary.of(net);
        double fGflop = summary.fFlops() * (double) batch / 1e9;
        Shape input = net.inputShape(batch);
        List<Profile> profiles = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager(device)) {
            NDArray images = manager.randomNormal(input);
            Function<NDArray, NDArray> loss = logits -> logits.square().mean();
            double attainable = ConvThroughput.gflopPerSecond(manager,
                    ConvThroughput.uses(net.architecture(), net.layout(net.injectionShape(input))), 2 * repeats);
            List<StepTiming> steps = new ArrayList<>();
            Timing f;
            Timing evaluation;
            int evaluationF;
            try (MdeqModel model = MdeqModel.create(base, device, DataType.FLOAT32, 0)) {
                f = fEvaluation(model, images, repeats * 2, options, profiles);
                double[] seconds = new double[repeats];
                int[] fEvaluations = new int[1];
                for (int r = -1; r < repeats; r++) {
                    long t = System.nanoTime();
                    evaluationForward(model, images, "evaluation forward, repetition " + (r + 2), fEvaluations);
                    if (r >= 0) {
                        seconds[r] = (System.nanoTime() - t) / 1e9;
                    }
                }
                profile(options, "evaluation", profiles,
                        () -> evaluationForward(model, images, "evaluation forward, profiled", fEvaluations));
                evaluation = Timing.of(seconds);
                evaluationF = fEvaluations[0];
            }
            for (String mode : options.modes()) {
                steps.add(trainingStep(base, mode, device, images, loss, options, fGflop,
                        3 * (summary.injectionFlops() + summary.headFlops()) * (double) batch / 1e9, profiles));
            }
            return new Result(name, device, batch, input, fGflop, f, evaluation, evaluationF, steps, attainable,
                    profiles);
        }
    }

    private static void evaluationForward(MdeqModel model, NDArray images, String what, int[] fEvaluations) {
        try (MdeqModel.Evaluation e = model.evaluate(images, MdeqModel.Mode.EQUILIBRIUM, false)) {
            SolverStats stats = Finite.requireSolved(e.solverStats(), what);
            Finite.require(e.logits(), what + ", logits");
            fEvaluations[0] = stats == null ? 0 : stats.fEvaluations();
        }
    }

    /** One more run of {@code work} under the profiler, when the options ask for profiles. */
    private static void profile(Options options, String measurement, List<Profile> profiles, Runnable work) {
        if (options.profileDir() != null) {
            Path trace = options.profileDir().resolve(measurement + ".trace.json");
            profiles.add(new Profile(measurement, trace, OpProfile.run(trace, work)));
        }
    }

    /** f at random states, without autograd (as the solver's iterations run it). */
    private static Timing fEvaluation(MdeqModel model, NDArray images, int repeats, Options options,
            List<Profile> profiles) {
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
                long t = System.nanoTime();
                applyF(model, ctx, z, x0, step, "f evaluation " + (r + 2));
                if (r >= 0) {
                    seconds[r] = (System.nanoTime() - t) / 1e9;
                }
            }
            profile(options, "f", profiles, () -> applyF(model, ctx, z, x0, step, "f evaluation, profiled"));
            return Timing.of(seconds);
        }
    }

    private static void applyF(MdeqModel model, ForwardContext ctx, List<NDArray> z, NDArray x0, NDManager step,
            String what) {
        try (NDManager scope = step.newSubManager()) {
            for (NDArray zi : z) {
                zi.tempAttach(scope);
            }
            List<NDArray> fz = model.net().f(ctx, z, x0);
            fz.get(0).getFloat(0, 0, 0, 0); // reading a value waits for the work
            for (int i = 0; i < fz.size(); i++) {
                Finite.require(fz.get(i), what + ", branch " + i);
            }
        }
    }

    private static StepTiming trainingStep(ExperimentConfig base, String mode, Device device, NDArray images,
            Function<NDArray, NDArray> loss, Options options, double fGflop, double stemAndHeadGflop,
            List<Profile> profiles) {
        int repeats = options.repeats();
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
                TrainStep step = checkedStep(model, images, loss, mode + " training step " + (r + 2));
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
            // memory on a repetition of its own: returning the free heap to the system costs the next step page faults
            PeakMemory.Usage memory = PeakMemory.during(() -> checkedStep(model, images, loss,
                    mode + " training step, memory")).orElse(null);
            profile(options, "step-" + mode, profiles,
                    () -> checkedStep(model, images, loss, mode + " training step, profiled"));
            return new StepTiming(mode, Timing.of(total), forward[best], fEvaluations, adjoint[best], vjps, fEq,
                    (fEq * fGflop + stemAndHeadGflop) / total[best], memory == null ? -1 : memory.peak(),
                    memory == null ? -1 : memory.added());
        }
    }

    /** One training step whose solves, logits and gradients are checked to be finite. */
    private static TrainStep checkedStep(MdeqModel model, NDArray images, Function<NDArray, NDArray> loss,
            String what) {
        model.zeroGradients();
        TrainStep step = model.trainStep(images, loss, 0);
        Finite.requireSolved(step.forwardStats(), what + ", forward solve");
        Finite.requireSolved(step.backwardStats(), what + ", adjoint solve");
        Finite.require(step.logits(), what + ", logits").close();
        double norm = Gradients.globalNorm(model.trainableArrays());
        if (!Double.isFinite(norm)) {
            throw new NonFiniteException(what + ": the parameters' gradient norm is " + norm);
        }
        return step;
    }
}
