package dev.mdeq.trainer.cli;

import dev.mdeq.runstore.cli.Arguments;
import dev.mdeq.config.ConfigLoader;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.runstore.cli.ProgressOptions;
import dev.mdeq.trainer.train.Trainer;
import dev.mdeq.trainer.train.TrainingResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mdeq train}: trains an experiment in a run folder, resuming from its newest valid checkpoint. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train an MDEQ model in a run folder (a folder or store URI).",
            "The run folder is a folder, file:/path or s3://bucket/prefix.",
            "Resumes from the run's newest valid checkpoint; SIGTERM checkpoints and exits with 75.",
            "Without --config the run's own config.yaml is used (what the operator's pods run)."})
public final class TrainCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE|PRESET",
            description = "experiment yaml file or preset name (e.g. demo/cls_mdeq_tiny)")
    String config;

    @Option(names = "--run", required = true, paramLabel = "URI", description = "the run folder")
    String run;

    @Option(names = "--allow-config-change",
            description = "continue a run whose config.yaml differs from the config given (the new one replaces it)")
    boolean allowConfigChange;

    @Mixin
    ProgressOptions progress = new ProgressOptions();

    @Parameters(paramLabel = "KEY VALUE", description = "config overrides, e.g. TRAIN.LR 0.01 RUN.MAX_STEPS 100")
    List<String> overrides = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (config == null && !overrides.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "KEY VALUE overrides need --config (the run's saved config is used as it is)");
        }
        Arguments.folderToWrite(spec, "--run", run);
        ExperimentConfig experiment = config == null ? null : ConfigLoader.loadFileOrPreset(config, overrides);
        TrainingResult result = Trainer.train(new Trainer.Options(experiment, run, allowConfigChange, System.err,
                progress.console(), null));
        System.err.println("train: " + result.message());
        return result.exitCode();
    }
}
