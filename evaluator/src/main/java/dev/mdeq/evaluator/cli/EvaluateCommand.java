package dev.mdeq.evaluator.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code mdeq evaluate}: evaluation commands. The subcommands score existing predictions and
 * merge shard partials; the command itself is where model-based evaluation
 * ({@code mdeq evaluate --run URI ...}) goes (see the package description).
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Evaluate segmentation or classification results and write metrics and a report "
                + "(report.json, report.html) to a run folder's eval/<id>/.",
            "Subcommands: 'predictions' scores Cityscapes labelId PNGs against gtFine ground truth; "
                + "'merge' combines the partials of a sharded evaluation."},
        subcommands = {EvaluatePredictionsCommand.class, EvaluateMergeCommand.class})
public final class EvaluateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** Extension point: model-based evaluation replaces this body (and adds its options). */
    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "model-based evaluation ('mdeq evaluate --run URI') is not "
                + "part of this build yet; use 'mdeq evaluate predictions --pred DIR --gt DIR' to score prediction "
                + "PNGs, or 'mdeq evaluate merge --run URI --eval-id ID --shards N' to merge shard partials");
    }
}
