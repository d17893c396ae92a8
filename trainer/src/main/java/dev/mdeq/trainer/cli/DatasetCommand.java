package dev.mdeq.trainer.cli;

import dev.mdeq.runstore.cli.ProgressOptions;
import dev.mdeq.runstore.cli.Arguments;
import dev.mdeq.config.ConfigLoader;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.storage.ObjectStores;
import dev.mdeq.data.CityscapesDataset;
import dev.mdeq.data.CityscapesLabels;
import dev.mdeq.data.Cifar10Dataset;
import dev.mdeq.data.DataOrder;
import dev.mdeq.data.DataRandom;
import dev.mdeq.data.Datasets;
import dev.mdeq.data.FashionMnistDataset;
import dev.mdeq.data.ImageDataset;
import dev.mdeq.data.ImageFolderDataset;
import dev.mdeq.data.Sample;
import dev.mdeq.data.SyntheticCityscapes;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mdeq dataset}: generate, stage and inspect data sets. */
@Command(name = "dataset", mixinStandardHelpOptions = true,
        description = "Data sets: the synthetic Cityscapes set, staging to the local cache, summaries.",
        subcommands = {DatasetCommand.SynthCityscapes.class, DatasetCommand.Info.class, DatasetCommand.Stage.class})
public final class DatasetCommand {

    /** Loads a config given as a file path or a preset name, with {@code KEY VALUE} overrides. */

    @Command(name = "synth-cityscapes", mixinStandardHelpOptions = true,
            description = "Write a synthetic data set in the exact Cityscapes layout (leftImg8bit and gtFine "
                    + "labelIds PNGs, list/cityscapes/{train,val}.lst) to a folder or store URI; use the same "
                    + "location as DATASET.ROOT.")
    static final class SynthCityscapes implements Runnable {
        @Option(names = "--out", required = true, paramLabel = "URI",
                description = "a folder, file:/path or s3://bucket/prefix")
        String out;

        @Option(names = "--images", required = true, paramLabel = "N", description = "training images")
        int images;

        @Option(names = "--val", paramLabel = "M", description = "validation images (default: N/4, at least 1)")
        Integer val;

        @Option(names = "--size", required = true, paramLabel = "HxW", description = "image size, e.g. 256x512")
        String size;

        @Option(names = "--seed", paramLabel = "S", description = "seed (default: ${DEFAULT-VALUE})")
        long seed = 0;

        @Option(names = "--threads", paramLabel = "T", description = "drawing threads (default: ${DEFAULT-VALUE})")
        int threads = 2;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            Arguments.folderToWrite(spec, "--out", out);
            if (threads < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--threads must be at least 1, got "
                        + threads);
            }
            int[] hw = parseSize(size);
            int valImages = val != null ? val : Math.max(1, images / 4);
            SyntheticCityscapes.Spec s;
            try {
                s = new SyntheticCityscapes.Spec(images, valImages, hw[0], hw[1], seed);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            long start = System.nanoTime();
            List<String> keys = write(s);
            System.out.printf(Locale.ROOT, "wrote %d train + %d val images (%dx%d, seed %d) to %s in %.1f s%n",
                    images, valImages, hw[0], hw[1], seed, out, (System.nanoTime() - start) / 1e9);
            System.out.printf("use it with DATASET.ROOT %s, DATASET.TRAIN_SET list/cityscapes/train.lst, "
                    + "DATASET.TEST_SET list/cityscapes/val.lst (%d files)%n", out, keys.size());
        }

        private List<String> write(SyntheticCityscapes.Spec s) {
            try (ObjectStore store = ObjectStores.open(out)) {
                return SyntheticCityscapes.generate(s, store::putBytes, threads);
            }
        }

        private int[] parseSize(String text) {
            String[] parts = text.toLowerCase(Locale.ROOT).split("x");
            try {
                if (parts.length == 2) {
                    return new int[] {Integer.parseInt(parts[0].strip()), Integer.parseInt(parts[1].strip())};
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new CommandLine.ParameterException(spec.commandLine(), "--size " + text
                    + ": expected HEIGHTxWIDTH, e.g. 256x512");
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "Summarise the data set a config reads: splits, sample counts, shapes after the "
                    + "transforms, batches per epoch, classes. A store URI root is staged first.")
    static final class Info implements Runnable {
        @Option(names = "--config", required = true, paramLabel = "CONFIG",
                description = "an experiment yaml or a preset name")
        String config;

        @Parameters(paramLabel = "KEY VALUE", description = "config overrides such as DATASET.ROOT /data/x")
        List<String> overrides = new ArrayList<>();

        @Override
        public void run() {
            ExperimentConfig c = ConfigLoader.loadFileOrPreset(config, overrides);
            Path root = Datasets.localRoot(c);
            PrintStream out = System.out;
            out.printf("data set: %s (%s), DATASET.ROOT %s%s%n", c.dataset().kind().configName(),
                    c.task().name().toLowerCase(Locale.ROOT), c.dataset().root(),
                    Datasets.isStoreUri(c.dataset().root()) ? " (staged to " + root + ")" : "");
            ImageDataset train = Datasets.training(c, root);
            ImageDataset val = Datasets.validation(c, root);
            describe(out, "train", train,
                    DataOrder.forTraining(c, train.size(), c.train().batchSizePerGpu()));
            describe(out, "val", val, DataOrder.evaluation(val.size(), c.test().batchSizePerGpu()));
            out.println("classes (" + train.numClasses() + "): " + classNames(train));
        }

        private static void describe(PrintStream out, String name, ImageDataset d, DataOrder order) {
            Sample s = d.get(0, DataRandom.forSample(order.seed(), 0, 0));
            out.printf("%s: %s%n  sample %dx%dx%d (CxHxW after transforms); %d batches of %d per epoch%s%n", name,
                    d.description(), s.channels(), s.height(), s.width(), order.batchesPerEpoch(), order.batchSize(),
                    order.samplesPerEpoch() < d.size() ? " (drop_last skips " + (d.size() - order.samplesPerEpoch())
                            + ")" : "");
        }

        private static String classNames(ImageDataset d) {
            List<String> names;
            if (d instanceof CityscapesDataset) {
                names = CityscapesLabels.NAMES;
            } else if (d instanceof Cifar10Dataset) {
                names = Cifar10Dataset.CLASSES;
            } else if (d instanceof FashionMnistDataset) {
                names = FashionMnistDataset.CLASSES;
            } else if (d instanceof ImageFolderDataset folder) {
                names = folder.classes();
            } else {
                return "?";
            }
            return names.size() <= 30 ? String.join(", ", names)
                    : String.join(", ", names.subList(0, 10)) + ", ... " + names.get(names.size() - 1);
        }
    }

    @Command(name = "stage", mixinStandardHelpOptions = true,
            description = "Copy what a config reads from a store URI DATASET.ROOT to the local cache "
                    + "(MDEQ_CACHE_DIR, default ~/.cache/mdeq), verified and resumable, and print the folder.")
    static final class Stage implements Runnable {
        @Option(names = "--config", required = true, paramLabel = "CONFIG",
                description = "an experiment yaml or a preset name")
        String config;

        @Parameters(paramLabel = "KEY VALUE", description = "config overrides such as DATASET.ROOT s3://bucket/data")
        List<String> overrides = new ArrayList<>();

        @Mixin
        ProgressOptions progress = new ProgressOptions();

        @Override
        public void run() {
            ExperimentConfig c = ConfigLoader.loadFileOrPreset(config, overrides);
            System.out.println(Datasets.localRoot(c, progress::apply));
        }
    }
}
