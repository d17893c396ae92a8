package dev.mdeq.evaluator.cli;

import dev.mdeq.evaluator.predictions.PredictionScoring;
import dev.mdeq.evaluator.shard.EvaluationDriver;
import dev.mdeq.evaluator.shard.ShardSpec;
import dev.mdeq.runstore.run.ExitCodes;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.storage.ObjectStores;
import dev.mdeq.runstore.cli.Arguments;
import dev.mdeq.runstore.cli.ProgressOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mdeq evaluate predictions}: the Cityscapes benchmark's pixel-level evaluation of existing PNGs. */
@Command(name = "predictions", mixinStandardHelpOptions = true,
        description = {"Score Cityscapes labelId prediction PNGs against gtFine *_labelIds.png as the benchmark's "
                + "pixel-level evaluation does (files matched by <city>_<seq>_<frame>), and write the metrics and "
                + "report to <out>/eval/<eval-id>/.",
            "Missing, extra or duplicate predictions, corrupt files and size mismatches fail the run (naming "
                + "them) unless --skip-bad is given."})
final class EvaluatePredictionsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--pred", required = true, paramLabel = "DIR_OR_URI",
            description = "prediction PNGs holding label ids, named <city>_<seq>_<frame>*.png, at any folder depth "
                    + "(a folder, file:/path or s3://bucket/prefix)")
    String pred;

    @Option(names = "--gt", required = true, paramLabel = "DIR_OR_URI",
            description = "ground truth: *_gtFine_labelIds.png files, e.g. cityscapes/gtFine/val")
    String gt;

    @Option(names = "--images", paramLabel = "DIR_OR_URI",
            description = "the *_leftImg8bit.png images, to draw overlays of sample images in the report (optional)")
    String images;

    @Option(names = "--out", paramLabel = "URI", defaultValue = "mdeq-eval",
            description = "the run folder to write eval/<eval-id>/ into; default ${DEFAULT-VALUE}")
    String out;

    @Option(names = "--eval-id", paramLabel = "ID", defaultValue = "predictions",
            description = "the evaluation's id (its folder name); default ${DEFAULT-VALUE}")
    String evalId;

    @Option(names = "--shard", paramLabel = "I/N", converter = ShardConverter.class,
            description = "score only slice I of N (images in sorted order, i %% N == I) and write a partial for "
                    + "'mdeq evaluate merge'; I may be 'env' (read JOB_COMPLETION_INDEX)")
    ShardSpec shard = ShardSpec.WHOLE;

    @Option(names = "--skip-bad", description = "skip bad inputs, count them and list them in the report instead of "
            + "failing")
    boolean skipBad;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "6",
            description = "images the report shows pictures of; default ${DEFAULT-VALUE}")
    int samples;

    @Mixin
    ProgressOptions progress;

    @Override
    public Integer call() {
        EvalIds.check(spec.commandLine(), evalId);
        Arguments.existingFolder(spec, "--pred", pred, "the predictions folder");
        Arguments.existingFolder(spec, "--gt", gt, "the ground truth folder");
        if (images != null) {
            Arguments.existingFolder(spec, "--images", images, "the images folder");
        }
        Arguments.folderToWrite(spec, "--out", out);
        try (ObjectStore predStore = ObjectStores.open(pred);
                ObjectStore gtStore = ObjectStores.open(gt);
                ObjectStore imageStore = images == null ? null : ObjectStores.open(images);
                ObjectStore runStore = ObjectStores.open(out)) {
            PredictionScoring scoring = new PredictionScoring(predStore, gtStore, imageStore, runStore);
            EvaluationDriver.Result result = scoring.run(
                    new PredictionScoring.Settings(evalId, shard, skipBad, samples), b -> b.progress(progress::apply));
            Headlines.printResult(spec.commandLine().getOut(), result, runStore, evalId, shard);
        }
        return ExitCodes.OK;
    }
}
