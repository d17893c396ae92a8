package dev.mdeq.trainer.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import dev.mdeq.runstore.cli.Arguments;
import dev.mdeq.config.ConfigLoader;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.Task;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.data.CityscapesLabels;
import dev.mdeq.model.Architecture;
import dev.mdeq.model.Finite;
import dev.mdeq.model.MdeqModel;
import dev.mdeq.model.TrainStep;
import dev.mdeq.model.CrossEntropy;
import dev.mdeq.model.weights.Npy;
import dev.mdeq.model.weights.Npz;
import dev.mdeq.model.weights.RawArrays;
import dev.mdeq.model.weights.RawTensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code mdeq model grad}: one training forward and backward ({@link MdeqModel#trainStep}) on given
 * weights, input and labels, to compare the loss and every parameter gradient with the original code.
 */
@Command(name = "grad", mixinStandardHelpOptions = true,
        description = {"Runs one training step's forward and backward (BatchNorm batch statistics, dropout as "
                + "configured, the training loss) on given weights, input and labels, without updating the "
                + "weights, and writes the loss and every parameter's gradient to an .npz.",
            "Modes: unrolled (NUM_LAYERS weight-tied applications of f, the pretraining steps), implicit (the "
                + "reference's implicit backward, quirks included), implicit-best (implicit, but a backward solve "
                + "that never improves on its zero start returns its best later iterate), phantom, jfb.",
            "Output keys: loss; grad.<name> per trainable parameter (the reference's state-dict names); in the "
                + "equilibrium modes forward.* (the forward solve) and, for implicit, backward.* (the adjoint "
                + "solve): steps, lowest_step, f_evaluations, threshold, eps, residual, rel_residual, abs_trace, "
                + "rel_trace, sample_residuals, stop_reason."})
final class ModelGradCommand implements Callable<Integer> {
    /** Gradient modes and the config values each one sets. */
    enum GradMode {
        UNROLLED("unrolled", List.of("TRAIN.PRETRAIN_STEPS", "1")),
        IMPLICIT("implicit", List.of("DEQ.GRAD", "implicit", "DEQ.BACKWARD_FALLBACK", "reference")),
        IMPLICIT_BEST("implicit-best", List.of("DEQ.GRAD", "implicit", "DEQ.BACKWARD_FALLBACK", "best")),
        PHANTOM("phantom", List.of("DEQ.GRAD", "phantom")),
        JFB("jfb", List.of("DEQ.GRAD", "jfb"));

        final String option;
        final List<String> overrides;

        GradMode(String option, List<String> overrides) {
            this.option = option;
            this.overrides = overrides;
        }

        static String names() {
            return String.join(", ", Arrays.stream(values()).map(m -> m.option).toList());
        }
    }

    @Spec
    CommandSpec spec;

    @Mixin
    ModelRunOptions run;

    @Option(names = "--labels", required = true, paramLabel = "Y.npy",
            description = "int64 labels: (B) class indices for classification, (B, H, W) for segmentation (the "
                    + "ignore label TRAIN.IGNORE_LABEL allowed)")
    Path labels;

    @Option(names = "--mode", required = true, paramLabel = "MODE",
            description = "unrolled, implicit, implicit-best, phantom or jfb")
    String mode;

    @Option(names = "--out", paramLabel = "G.npz", description = "where to write loss and gradients (optional)")
    Path out;

    @Option(names = "--class-weights", description = "segmentation: weight the loss with the Cityscapes class "
            + "weights, as the reference's training does (default: unweighted)")
    boolean classWeights;

    @Override
    public Integer call() throws IOException {
        GradMode gradMode = Arrays.stream(GradMode.values()).filter(m -> m.option.equalsIgnoreCase(mode)).findFirst()
                .orElseThrow(() -> new ParameterException(spec.commandLine(), "--mode must be one of "
                        + GradMode.names() + ", got '" + mode + "'"));
        for (int i = 0; i < run.overrides.size(); i += 2) {
            if (gradMode.overrides.contains(run.overrides.get(i).toUpperCase(Locale.ROOT))) {
                throw new ParameterException(spec.commandLine(), run.overrides.get(i) + " is set by --mode "
                        + gradMode.option + "; leave it out");
            }
        }
        run.checkFiles(spec);
        Arguments.existingFile(spec, "--labels", labels, "the labels .npy file");
        if (out != null) {
            Arguments.fileToWrite(spec, "--out", out);
        }
        List<String> all = new ArrayList<>(run.overrides);
        all.addAll(gradMode.overrides);
        ExperimentConfig experiment = ConfigLoader.loadFileOrPreset(run.config, all);
        RawTensor images = ModelCommand.Forward.readInput(run.input);
        RawTensor targets = readLabels(experiment, images.shape()[0]);
        if (classWeights && experiment.task() != Task.SEGMENTATION) {
            throw new ParameterException(spec.commandLine(), "--class-weights applies to segmentation configs only");
        }
        try (MdeqModel model = run.model(experiment); NDManager manager = NDManager.newBaseManager(model.device())) {
            model.zeroGradients();
            NDArray x = RawArrays.toArray(manager, images, run.type());
            NDArray y = RawArrays.toArray(manager, targets, DataType.INT64);
            // Step 0 with PRETRAIN_STEPS >= 1 is a pretraining step; step -1 never is (the reference's validation value).
            TrainStep step = model.trainStep(x, loss(experiment, y, model.net().architecture().numClasses()),
                    gradMode == GradMode.UNROLLED ? 0 : -1);
            step.logits().close();
            if (step.forwardStats() != null) {
                Finite.requireSolved(step.forwardStats(), "forward solve");
            }
            if (step.backwardStats() != null) {
                Finite.requireSolved(step.backwardStats(), "adjoint solve");
            }
            if (!Double.isFinite(step.loss())) {
                throw new InvalidInputException("the loss is " + step.loss() + "; no gradients written");
            }
            Map<String, RawTensor> results = new LinkedHashMap<>();
            results.put("loss", RawTensor.ofDoubles(new long[0], new double[] {step.loss()}));
            double squares = 0;
            for (Map.Entry<String, Parameter> entry : model.trainableParameters().entrySet()) {
                try (NDArray grad = entry.getValue().getArray().getGradient()) {
                    Finite.require(grad, "gradient of " + entry.getKey());
                    squares += grad.toType(DataType.FLOAT64, false).square().sum().getDouble();
                    results.put("grad." + entry.getKey(), RawArrays.toRaw(grad));
                }
            }
            System.out.printf(Locale.ROOT, "%s: loss %.6g, gradient norm %.6g over %d parameters%n", gradMode.option,
                    step.loss(), Math.sqrt(squares), model.trainableParameters().size());
            if (step.forwardStats() != null) {
                ModelCommand.Forward.putStats(results, "forward.", step.forwardStats());
                System.out.println("forward " + ModelCommand.Forward.describe(step.forwardStats()));
            }
            if (step.backwardStats() != null) {
                ModelCommand.Forward.putStats(results, "backward.", step.backwardStats());
                System.out.println("backward " + ModelCommand.Forward.describe(step.backwardStats()));
            }
            if (out != null) {
                Npz.write(out, results);
                System.out.println("wrote " + out + ": loss, " + model.trainableParameters().size()
                        + " gradients" + (step.forwardStats() != null ? ", solver statistics" : ""));
            }
        }
        return 0;
    }

    /** The training loss of the config's task (TrainingSession's, with the class weights optional). */
    private Function<NDArray, NDArray> loss(ExperimentConfig experiment, NDArray y, int numClasses) {
        if (experiment.task() == Task.CLASSIFICATION) {
            return logits -> CrossEntropy.classification(logits, y);
        }
        float[] weights = new float[numClasses];
        Arrays.fill(weights, 1f);
        if (classWeights) {
            weights = CityscapesLabels.classWeights();
            if (weights.length != numClasses) {
                throw new ParameterException(spec.commandLine(), "--class-weights: the Cityscapes weights are for "
                        + weights.length + " classes, the config has DATASET.NUM_CLASSES " + numClasses);
            }
        }
        float[] chosen = weights;
        int ignore = experiment.train().ignoreLabel();
        return logits -> CrossEntropy.segmentation(logits, y, logits.getManager().create(chosen), ignore);
    }

    /** The labels file: int64, (B) for classification or (B, H, W) for segmentation, values in range. */
    private RawTensor readLabels(ExperimentConfig experiment, long batch) {
        RawTensor tensor;
        try (InputStream in = Files.newInputStream(labels)) {
            tensor = Npy.read(in, labels.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        boolean segmentation = experiment.task() == Task.SEGMENTATION;
        long[] shape = tensor.shape();
        String expected = segmentation ? "(" + batch + ", H, W)" : "(" + batch + ",)";
        if (tensor.type() != RawTensor.Type.INT64 || shape.length != (segmentation ? 3 : 1) || shape[0] != batch) {
            throw new InvalidInputException(labels + ": labels must be int64 of shape " + expected + " for this "
                    + (segmentation ? "segmentation" : "classification") + " config and " + batch
                    + " input images, got " + tensor.type().name().toLowerCase(Locale.ROOT) + " " + tensor.shapeText());
        }
        int classes = Architecture.from(experiment).numClasses();
        int ignore = experiment.train().ignoreLabel();
        for (long value : tensor.toLongArray()) {
            if ((value < 0 || value >= classes) && !(segmentation && value == ignore)) {
                throw new InvalidInputException(labels + ": label " + value + " is not a class index 0.."
                        + (classes - 1) + (segmentation ? " or the ignore label " + ignore : ""));
            }
        }
        return tensor;
    }
}
