package dev.mdeq.evaluator.cli;

import dev.mdeq.evaluator.report.EvalReport;
import dev.mdeq.evaluator.shard.ShardMerger;
import dev.mdeq.runstore.run.ExitCodes;
import dev.mdeq.runstore.run.Progress;
import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.storage.ObjectStores;
import dev.mdeq.runstore.cli.Arguments;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mdeq evaluate merge}: combine the partials of all shards of an evaluation into its report. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = "Merge the partials of a sharded evaluation (in eval/<eval-id>/shards/) into report.json and "
                + "report.html. Refuses an incomplete set (naming the missing shards) or partials of different "
                + "evaluations.")
final class EvaluateMergeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--run", required = true, paramLabel = "URI", description = "the run folder")
    String run;

    @Option(names = "--eval-id", required = true, paramLabel = "ID", description = "the evaluation's id")
    String evalId;

    @Option(names = "--shards", required = true, paramLabel = "N", description = "how many shards the evaluation has")
    int shards;

    @Override
    public Integer call() {
        EvalIds.check(spec.commandLine(), evalId);
        if (shards < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--shards must be at least 1, got "
                    + shards);
        }
        Arguments.existingFolder(spec, "--run", run, "the run folder");
        try (ObjectStore runStore = ObjectStores.open(run)) {
            String progressKey = RunLayout.evalProgress(evalId);
            runStore.putBytes(progressKey, RunJson.write(progress(Progress.Phase.MERGING, "merging " + shards
                    + " shard partials")));
            EvalReport report;
            try {
                report = new ShardMerger(runStore).mergeAndWrite(evalId, shards);
            } catch (RuntimeException e) {
                runStore.putBytes(progressKey, RunJson.write(progress(Progress.Phase.FAILED, e.getMessage())));
                throw e;
            }
            runStore.putBytes(progressKey, RunJson.write(progress(Progress.Phase.SUCCEEDED, "merged " + shards
                    + " shards into " + RunLayout.report(evalId))));
            Headlines.print(spec.commandLine().getOut(), report,
                    runStore.root().resolve(RunLayout.reportHtml(evalId)).toString());
        }
        return ExitCodes.OK;
    }

    private static Progress progress(Progress.Phase phase, String message) {
        return new Progress(phase, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                message, Instant.now());
    }
}
