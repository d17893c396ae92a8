package dev.mdeq.evaluator.cli;

import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.evaluator.inference.ModelEvaluation;
import dev.mdeq.evaluator.inference.ModelSource;
import dev.mdeq.evaluator.shard.EvaluationDriver;
import dev.mdeq.evaluator.shard.ShardSpec;
import dev.mdeq.runstore.run.ExitCodes;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.storage.ObjectStores;
import dev.mdeq.runstore.cli.Arguments;
import dev.mdeq.runstore.cli.ProgressOptions;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mdeq evaluate}: model-based evaluation of a run ({@code mdeq evaluate --run URI ...}, what
 * the operator's evaluator pods run), plus the subcommands that score existing predictions and
 * merge shard partials.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a run's model on a data set split and write metrics and a report (report.json, "
                + "report.html) plus the predictions to the run folder's eval/<id>/.",
            "The model is built from the run's config.yaml (KEY VALUE pairs override it, e.g. TEST.FLIP_TEST true, "
                + "TEST.MULTI_SCALE true TEST.SCALE_LIST [0.75,1.0,1.25], TEST.NUM_SAMPLES 100) with the weights of a "
                + "checkpoint (default: BEST when the run has one, else LATEST) or of a weights file.",
            "Subcommands: 'predictions' scores Cityscapes labelId PNGs against gtFine ground truth; "
                + "'merge' combines the partials of a sharded evaluation."},
        subcommands = {EvaluatePredictionsCommand.class, EvaluateMergeCommand.class})
public final class EvaluateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--run", paramLabel = "URI",
            description = "the run folder holding config.yaml and checkpoints/ (a folder, file:/path or "
                    + "s3://bucket/prefix)")
    String run;

    @Option(names = "--eval-id", paramLabel = "ID",
            description = "the evaluation's id (its folder name under eval/); default <checkpoint>-<split>, e.g. "
                    + "best-val, latest-val, step-000000001200-val, weights-<file>-val")
    String evalId;

    @Option(names = "--checkpoint", paramLabel = "best|latest|FOLDER",
            description = "the checkpoint: best, latest, or a folder (step-000000001200, checkpoints/step-.../, or "
                    + "the step number); default best when the run has a BEST pointer, else latest")
    String checkpoint;

    @Option(names = "--weights", paramLabel = "FILE",
            description = "evaluate a weights file instead of a checkpoint: .npz, or the reference's .pth, .pth.tar, "
                    + ".pkl (a path, file:/path or s3://bucket/key); TEST.MODEL_FILE does the same")
    String weights;

    @Option(names = "--split", paramLabel = "val|train", defaultValue = ModelEvaluation.VAL,
            description = "val (DATASET.TEST_SET) or train (DATASET.TRAIN_SET, without augmentation); "
                    + "default ${DEFAULT-VALUE}")
    String split;

    @Option(names = "--shard", paramLabel = "I/N", converter = ShardConverter.class,
            description = "evaluate only slice I of N (items in sorted order, i %% N == I) and write a partial for "
                    + "'mdeq evaluate merge'; I may be 'env' (read JOB_COMPLETION_INDEX)")
    ShardSpec shard = ShardSpec.WHOLE;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "6",
            description = "images the report shows pictures of (segmentation); default ${DEFAULT-VALUE}")
    int samples;

    @Option(names = "--skip-bad", description = "skip unreadable images, count them and list them in the report "
            + "instead of failing")
    boolean skipBad;

    @Mixin
    ProgressOptions progress;

    @Parameters(paramLabel = "KEY VALUE", arity = "0..*",
            description = "config overrides, e.g. TEST.FLIP_TEST true")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() {
        if (run == null) {
            throw new ParameterException(spec.commandLine(), "missing --run URI: 'mdeq evaluate --run URI "
                    + "[--checkpoint best|latest|FOLDER] [--split val|train] [--shard I/N]' evaluates a run's model; "
                    + "'mdeq evaluate predictions --pred DIR --gt DIR' scores prediction PNGs; "
                    + "'mdeq evaluate merge --run URI --eval-id ID --shards N' merges shard partials");
        }
        if (checkpoint != null && weights != null) {
            throw new ParameterException(spec.commandLine(), "give --checkpoint or --weights, not both");
        }
        if (!ModelEvaluation.VAL.equals(split) && !ModelEvaluation.TRAIN.equals(split)) {
            throw new ParameterException(spec.commandLine(), "--split '" + split + "' is not valid: use val "
                    + "(DATASET.TEST_SET) or train (DATASET.TRAIN_SET)");
        }
        if (evalId != null) {
            EvalIds.check(spec.commandLine(), evalId);
        }
        Arguments.existingFolder(spec, "--run", run, "the run folder");
        if (weights != null) {
            Arguments.existingObject(spec, "--weights", weights, "the weights file");
        }
        PrintWriter err = spec.commandLine().getErr();
        try (ObjectStore runStore = ObjectStores.open(run)) {
            ExperimentConfig config = ModelEvaluation.runConfig(runStore, overrides, split);
            ModelSource source = ModelSource.resolve(runStore, checkpoint, weights, config.test().modelFile(),
                    line -> {
                        err.println(line);
                        err.flush();
                    });
            String id = evalId != null ? evalId : EvalIds.check(spec.commandLine(),
                    ModelEvaluation.defaultEvalId(source, split));
            ModelEvaluation evaluation = new ModelEvaluation(runStore, config, source, ModelEvaluation.device(config));
            EvaluationDriver.Result result = evaluation.run(
                    new ModelEvaluation.Settings(id, split, shard, skipBad, samples), b -> b.progress(progress::apply));
            Headlines.printResult(spec.commandLine().getOut(), result, runStore, id, shard);
        }
        return ExitCodes.OK;
    }
}
