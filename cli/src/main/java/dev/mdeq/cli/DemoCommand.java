package dev.mdeq.cli;

import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.Presets;
import dev.mdeq.runstore.run.ExitCodes;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.LocalObjectStore;
import dev.mdeq.runstore.cli.Arguments;
import dev.mdeq.data.SyntheticCityscapes;
import dev.mdeq.trainer.train.Trainer;
import dev.mdeq.trainer.train.TrainingResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mdeq demo}: the README's main job on one machine. Generates the synthetic Cityscapes set
 * if absent, trains the tiny segmentation preset on the CPU, evaluates the best checkpoint and
 * prints where everything is. Running it again resumes (or, when finished, reuses) the same run.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Train and evaluate a small MDEQ segmentation model on a synthetic Cityscapes-format "
                + "data set, on the CPU, in a local folder (a few minutes).",
            "Stop it at any time (Ctrl+C checkpoints); running it again continues the same run."})
public final class DemoCommand implements Callable<Integer> {
    private static final String PRESET = "demo/seg_mdeq_tiny";

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "mdeq-demo",
            description = "folder for the data set and the run (default: ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--images", paramLabel = "N", defaultValue = "192",
            description = "synthetic training images, a quarter as many for validation (default: ${DEFAULT-VALUE})")
    int images;

    @Option(names = "--allow-config-change", description = "continue the demo run with changed overrides")
    boolean allowConfigChange;

    @Parameters(paramLabel = "KEY VALUE", description = "overrides of the " + PRESET + " preset")
    List<String> overrides = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Arguments.folderToWrite(spec, "--dir", dir.toString());
        if (images < 1) {
            throw new ParameterException(spec.commandLine(), "--images must be at least 1, got " + images);
        }
        Path data = dir.resolve("data/synth-cityscapes").toAbsolutePath();
        if (!Files.exists(data.resolve("list/cityscapes/train.lst"))) {
            System.err.printf("demo: writing %d synthetic Cityscapes images (128x256) to %s%n", images, data);
            SyntheticCityscapes.generate(new SyntheticCityscapes.Spec(images, Math.max(1, images / 4), 128, 256, 0),
                    new LocalObjectStore(data)::putBytes, Runtime.getRuntime().availableProcessors());
        }
        List<String> all = new ArrayList<>(List.of("DATASET.ROOT", data.toString(), "RUN.DEVICE", "cpu"));
        all.addAll(overrides);
        ExperimentConfig config = Presets.load(PRESET, all);
        Path runFolder = dir.resolve("run").toAbsolutePath();
        String run = "file:" + runFolder;
        System.err.println("demo: training " + PRESET + " in " + run);
        TrainingResult result = Trainer.train(new Trainer.Options(config, run, allowConfigChange, System.err, null, null));
        System.err.println("demo: " + result.message());
        if (result.exitCode() != ExitCodes.OK) {
            return result.exitCode();
        }
        int evaluated = Mdeq.execute("evaluate", "--run", run, "--eval-id", "demo", "--checkpoint", "best");
        LocalObjectStore store = new LocalObjectStore(runFolder);
        System.out.println("run folder:   " + runFolder);
        System.out.println("checkpoints:  " + runFolder.resolve(RunLayout.CHECKPOINTS));
        System.out.println("              latest " + folderName(store, RunLayout.LATEST) + ", best "
                + folderName(store, RunLayout.BEST));
        System.out.println("progress:     " + runFolder.resolve(RunLayout.PROGRESS));
        System.out.println("metrics:      " + runFolder.resolve(RunLayout.METRICS));
        System.out.println("report:       " + (evaluated == ExitCodes.OK
                ? runFolder.resolve(RunLayout.reportHtml("demo"))
                : "none (evaluation exited with " + evaluated + ")"));
        return evaluated;
    }

    /** The checkpoint folder a pointer names ({@code step-000000000288}), short enough for one line. */
    private static String folderName(LocalObjectStore store, String pointer) {
        return store.readPointer(pointer).map(key -> Path.of(key).getFileName().toString()).orElse("none");
    }
}
