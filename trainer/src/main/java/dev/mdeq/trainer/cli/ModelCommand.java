package dev.mdeq.trainer.cli;

import dev.mdeq.runstore.cli.Arguments;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.mdeq.config.ConfigLoader;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.model.Architecture;
import dev.mdeq.model.kernels.NativeKernels;
import dev.mdeq.model.Finite;
import dev.mdeq.model.MdeqModel;
import dev.mdeq.model.MdeqNet;
import dev.mdeq.trainer.bench.ModelBench;
import dev.mdeq.model.ModelSummary;
import dev.mdeq.model.solver.SolverStats;
import dev.mdeq.trainer.train.Devices;
import dev.mdeq.model.weights.Npy;
import dev.mdeq.model.weights.Npz;
import dev.mdeq.model.weights.RawArrays;
import dev.mdeq.model.weights.RawTensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mdeq model}: inspect and run the MDEQ network of a config. */
@Command(name = "model", mixinStandardHelpOptions = true,
        description = "The MDEQ network of an experiment config: summary, forward pass on given weights, speed.",
        subcommands = {ModelCommand.Summary.class, ModelCommand.Forward.class, ModelGradCommand.class,
            ModelCommand.Bench.class})
public final class ModelCommand {

    @Command(name = "summary", mixinStandardHelpOptions = true,
            description = "Parameters per part, equilibrium state size and FLOPs of one f evaluation at the "
                    + "config's input size (MODEL.IMAGE_SIZE, or the TRAIN.IMAGE_SIZE crop for segmentation).")
    static final class Summary implements Runnable {
        @Parameters(index = "0", paramLabel = "CONFIG", description = "an experiment yaml file or a preset name")
        String config;

        @Parameters(index = "1..*", paramLabel = "KEY VALUE", description = "overrides such as TRAIN.IMAGE_SIZE [2048,1024]")
        List<String> overrides = new ArrayList<>();

        @Override
        public void run() {
            MdeqNet net = MdeqNet.build(Architecture.from(ConfigLoader.loadFileOrPreset(config, overrides)));
            System.out.print(ModelSummary.of(net).render(config));
        }
    }

    @Command(name = "forward", mixinStandardHelpOptions = true,
            description = {"Runs the model in evaluation mode on given weights and input and writes the logits, "
                    + "each branch's z* and f(z*) and the solver statistics to an .npz, to compare with the "
                    + "original implementation on the same weights.",
                "Output keys: logits; z.<i>, fz.<i> per branch i; in deq mode solver.steps, solver.lowest_step, "
                    + "solver.f_evaluations, solver.threshold, solver.eps, solver.residual, solver.rel_residual, "
                    + "solver.abs_trace, solver.rel_trace, solver.sample_residuals and solver.stop_reason "
                    + "(0 tolerance, 1 step limit, 2 protective break, 3 stalled)."})
    static final class Forward implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ModelRunOptions run;

        @Option(names = "--out", required = true, paramLabel = "OUT.npz", description = "where to write the results")
        Path out;

        @Option(names = "--mode", defaultValue = "deq", paramLabel = "deq|unrolled",
                description = "deq: the solver's fixed point (default); unrolled: NUM_LAYERS applications of f")
        String mode;

        @Override
        public Integer call() throws IOException {
            MdeqModel.Mode runMode = switch (mode.toLowerCase(Locale.ROOT)) {
                case "deq" -> MdeqModel.Mode.EQUILIBRIUM;
                case "unrolled" -> MdeqModel.Mode.UNROLLED;
                default -> throw new ParameterException(spec.commandLine(), "--mode must be deq or unrolled, got '"
                        + mode + "'");
            };
            run.checkFiles(spec);
            Arguments.fileToWrite(spec, "--out", out);
            ExperimentConfig experiment = ConfigLoader.loadFileOrPreset(run.config, run.overrides);
            RawTensor images = readInput(run.input);
            try (MdeqModel model = run.model(experiment);
                    NDManager manager = NDManager.newBaseManager(model.device())) {
                NDArray x = RawArrays.toArray(manager, images, run.type());
                Map<String, RawTensor> results = new LinkedHashMap<>();
                try (MdeqModel.Evaluation evaluation = model.evaluate(x, runMode, true)) {
                    Finite.requireSolved(evaluation.solverStats(), "forward solve");
                    results.put("logits", RawArrays.toRaw(Finite.require(evaluation.logits(), "logits")));
                    for (int i = 0; i < evaluation.zStar().size(); i++) {
                        results.put("z." + i, RawArrays.toRaw(Finite.require(evaluation.zStar().get(i), "z." + i)));
                        results.put("fz." + i, RawArrays.toRaw(Finite.require(evaluation.fOfZStar().get(i), "fz." + i)));
                    }
                    if (evaluation.solverStats() != null) {
                        putStats(results, "solver.", evaluation.solverStats());
                        System.out.println(describe(evaluation.solverStats()));
                    }
                }
                Npz.write(out, results);
                System.out.println("wrote " + out + ": " + String.join(", ", results.keySet()));
            }
            return 0;
        }

        static RawTensor readInput(Path file) {
            RawTensor tensor;
            try (InputStream in = Files.newInputStream(file)) {
                tensor = Npy.read(in, file.toString());
            } catch (NoSuchFileException e) {
                throw new InvalidInputException("input file " + file + " does not exist");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            long[] shape = tensor.shape();
            if (shape.length != 4 || shape[1] != 3 || tensor.type() == RawTensor.Type.INT64) {
                throw new InvalidInputException(file + ": input must be float images of shape (B, 3, H, W), got "
                        + tensor.type().name().toLowerCase(Locale.ROOT) + " " + tensor.shapeText());
            }
            return tensor;
        }

        /** The solver statistics under {@code prefix} (e.g. {@code solver.}). */
        static void putStats(Map<String, RawTensor> out, String prefix, SolverStats stats) {
            out.put(prefix + "steps", scalar(stats.steps()));
            out.put(prefix + "lowest_step", scalar(stats.lowestStep()));
            out.put(prefix + "f_evaluations", scalar(stats.fEvaluations()));
            out.put(prefix + "threshold", scalar(stats.threshold()));
            out.put(prefix + "eps", RawTensor.ofDoubles(new long[0], new double[] {stats.eps()}));
            out.put(prefix + "residual", RawTensor.ofDoubles(new long[0], new double[] {stats.residual()}));
            out.put(prefix + "rel_residual", RawTensor.ofDoubles(new long[0], new double[] {stats.relResidual()}));
            out.put(prefix + "abs_trace", vector(stats.absTrace()));
            out.put(prefix + "rel_trace", vector(stats.relTrace()));
            out.put(prefix + "sample_residuals", vector(stats.sampleResiduals()));
            out.put(prefix + "stop_reason", scalar(stats.stopReason().ordinal()));
        }

        static String describe(SolverStats stats) {
            return String.format(Locale.ROOT, "%s: %d steps, lowest-residual step %d, residual %.4g (relative %.4g), "
                    + "stopped: %s", stats.solver(), stats.steps(), stats.lowestStep(), stats.residual(),
                    stats.relResidual(), stats.stopReason().name().toLowerCase(Locale.ROOT));
        }

        private static RawTensor scalar(long value) {
            return RawTensor.ofLongs(new long[0], new long[] {value});
        }

        private static RawTensor vector(List<Double> values) {
            return RawTensor.ofDoubles(new long[] {values.size()}, values.stream().mapToDouble(Double::doubleValue)
                    .toArray());
        }
    }

    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = {"Times the config's model on this machine: one f evaluation, one evaluation forward "
                    + "(stem, equilibrium solve, head) and one training step per gradient mode, median and minimum "
                    + "of the repetitions after a warm-up, with GFLOP/s. Random inputs at the config's input size; "
                    + "the device is RUN.DEVICE's first.",
                "Example: mdeq model bench cifar/cls_mdeq_TINY --batch 32 --threads 2"})
    static final class Bench implements Runnable {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "CONFIG", description = "an experiment yaml file or a preset name")
        String config;

        @Parameters(index = "1..*", paramLabel = "KEY VALUE", description = "overrides such as MODEL.F_THRES 12")
        List<String> overrides = new ArrayList<>();

        @Option(names = "--batch", paramLabel = "N", description = "batch size (default: TRAIN.BATCH_SIZE_PER_GPU)")
        Integer batch;

        @Option(names = "--repeats", paramLabel = "N", defaultValue = "3",
                description = "timed repetitions of each measurement (default: ${DEFAULT-VALUE})")
        int repeats;

        @Option(names = "--threads", paramLabel = "N",
                description = "PyTorch intra-op threads (default: PyTorch's, one per core)")
        Integer threads;

        @Option(names = "--modes", paramLabel = "MODE", split = ",", defaultValue = "implicit,phantom,jfb,unrolled",
                description = "training-step modes to time: implicit, phantom, jfb, unrolled (default: all)")
        List<String> modes;

        @Option(names = "--profile", paramLabel = "DIR",
                description = "also run each measurement once under libtorch's profiler: Chrome traces in DIR "
                        + "(open in chrome://tracing or Perfetto) and the time per kind of operation")
        Path profile;

        @Option(names = "--json", description = "print one JSON object instead of the table (to compare commits)")
        boolean json;

        @Override
        public void run() {
            ExperimentConfig experiment = ConfigLoader.loadFileOrPreset(config, overrides);
            int n = batch != null ? batch : experiment.train().batchSizePerGpu();
            String problem = ModelBench.problem(n, repeats, modes);
            if (problem != null || (threads != null && threads < 1)) {
                throw new ParameterException(spec.commandLine(), problem != null ? "--batch, --repeats, --modes: "
                        + problem : "--threads must be at least 1");
            }
            NativeKernels.ensureChecked(); // loads the native library before the thread count is set
            if (threads != null) {
                JniUtils.setNumThreads(threads);
            }
            Device device = Devices.select(experiment.run().device()).get(0);
            ModelBench.Result result = ModelBench.run(experiment, config, device, n,
                    new ModelBench.Options(repeats, modes, profile));
            System.out.print(json ? result.toJson() + System.lineSeparator() : result.render());
        }
    }
}
