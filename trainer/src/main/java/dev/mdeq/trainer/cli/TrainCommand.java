package dev.mdeq.trainer.cli;

import dev.mdeq.runstore.cli.Arguments;
import dev.mdeq.config.ConfigLoader;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.runstore.cli.ProgressOptions;
import dev.mdeq.runstore.lease.LeaseSettings;
import dev.mdeq.runstore.lease.RunLeaseException;
import dev.mdeq.runstore.run.ExitCodes;
import dev.mdeq.trainer.train.Trainer;
import dev.mdeq.trainer.train.TrainingResult;
import java.time.Duration;
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
            "One trainer writes a run at a time (a lease in the run folder); another one holding it: exit 7.",
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

    @Option(names = "--lease-seconds", paramLabel = "S", defaultValue = "60",
            description = "the run folder's lease lasts S seconds unless renewed (every S/3); another host's trainer "
                    + "takes the run over S seconds after this one stopped renewing (default: ${DEFAULT-VALUE})")
    double leaseSeconds;

    @Option(names = "--lease-wait-seconds", paramLabel = "S", defaultValue = "120",
            description = "wait up to S seconds for another host's trainer to release or lose the run's lease "
                    + "(default: ${DEFAULT-VALUE})")
    double leaseWaitSeconds;

    @Option(names = "--take-over",
            description = "take the run's lease at once even if another trainer holds it (it then stops at its "
                    + "next write); for a lease whose holder is certainly gone")
    boolean takeOver;

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
        LeaseSettings lease = leaseSettings();
        ExperimentConfig experiment = config == null ? null : ConfigLoader.loadFileOrPreset(config, overrides);
        TrainingResult result;
        try {
            result = Trainer.train(new Trainer.Options(experiment, run, allowConfigChange, System.err,
                    progress.console(), null, lease));
        } catch (RunLeaseException e) {
            System.err.println("train: " + e.getMessage());
            return ExitCodes.RUN_HELD;
        }
        System.err.println("train: " + result.message());
        return result.exitCode();
    }

    private LeaseSettings leaseSettings() {
        if (!(leaseSeconds >= 1 && leaseSeconds <= 3600)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--lease-seconds must be between 1 and 3600, got " + leaseSeconds);
        }
        if (!(leaseWaitSeconds >= 0 && leaseWaitSeconds <= 86400)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--lease-wait-seconds must be between 0 and 86400, got " + leaseWaitSeconds);
        }
        return new LeaseSettings(Duration.ofMillis(Math.round(leaseSeconds * 1000)),
                Duration.ofMillis(Math.round(leaseWaitSeconds * 1000)), takeOver);
    }
}
