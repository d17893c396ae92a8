package dev.mdeq.data;

import dev.mdeq.config.DatasetConfig;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.Task;
import dev.mdeq.config.TestConfig;
import dev.mdeq.config.TrainConfig;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.progress.ProgressReporter;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.storage.ObjectStores;
import dev.mdeq.runstore.storage.StoreUri;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The data sets an experiment config names ({@code DATASET.*}), with the transforms of its
 * training and validation splits, and the staging of {@code DATASET.ROOT} when it is a store URI.
 */
public final class Datasets {
    private Datasets() {
    }

    /** The training split (DATASET.TRAIN_SET) with its augmentation. */
    public static ImageDataset training(ExperimentConfig config, Path root) {
        return open(config, root, true);
    }

    /** The validation split (DATASET.TEST_SET), without augmentation. */
    public static ImageDataset validation(ExperimentConfig config, Path root) {
        return open(config, root, false);
    }

    private static ImageDataset open(ExperimentConfig config, Path root, boolean train) {
        DatasetConfig data = config.dataset();
        String split = train ? data.trainSet() : data.testSet();
        ImageDataset dataset = switch (data.kind()) {
            case CIFAR10 -> Cifar10Dataset.open(root, split, train && data.augment());
            case FASHION_MNIST -> FashionMnistDataset.open(root, split, train && data.augment());
            case IMAGENET -> ImageFolderDataset.open(imageNetFolder(root, split), train,
                    config.model().imageSize().get(0));
            case CITYSCAPES -> new CityscapesDataset(CityscapesList.read(root, split),
                    train ? trainingSettings(config) : validationSettings(config),
                    train ? 0 : config.test().numSamples());
        };
        // The reference's classifier has MODEL.NUM_CLASSES outputs, its segmentation head DATASET.NUM_CLASSES.
        boolean segmentation = dataset.task() == Task.SEGMENTATION;
        int expected = segmentation ? data.numClasses() : config.model().numClasses();
        if (dataset.numClasses() != expected) {
            throw new InvalidInputException(dataset.description() + " has " + dataset.numClasses() + " classes but "
                    + (segmentation ? "DATASET" : "MODEL") + ".NUM_CLASSES is " + expected);
        }
        return dataset;
    }

    /** The reference reads ROOT/images/SPLIT; ROOT/SPLIT (the plain ImageNet layout) is read when that is absent. */
    static Path imageNetFolder(Path root, String split) {
        Path reference = root.resolve("images").resolve(split);
        return java.nio.file.Files.isDirectory(reference) ? reference : root.resolve(split);
    }

    /** gen_sample's training parameters from TRAIN.*. */
    public static CityscapesTransforms.Settings trainingSettings(ExperimentConfig config) {
        TrainConfig t = config.train();
        return new CityscapesTransforms.Settings(t.baseSize(), t.imageSize().get(0), t.imageSize().get(1),
                t.scaleFactor(), t.multiScale(), t.flip(), false, t.ignoreLabel());
    }

    /** Validation: full images (or TEST.CENTER_CROP_TEST), no scaling, no flip. */
    public static CityscapesTransforms.Settings validationSettings(ExperimentConfig config) {
        TestConfig t = config.test();
        return new CityscapesTransforms.Settings(t.baseSize(), t.imageSize().get(0), t.imageSize().get(1),
                0, false, false, t.centerCropTest(), config.train().ignoreLabel());
    }

    /** True when DATASET.ROOT is a store URI ({@code s3://} or {@code file:}) to stage rather than a folder. */
    public static boolean isStoreUri(String root) {
        return StoreUri.isUri(root);
    }

    /**
     * The local folder holding DATASET.ROOT, staging a store URI with the default cache
     * ({@link DataStager#withDefaults()}) and S3 settings from the environment.
     */
    public static Path localRoot(ExperimentConfig config) {
        return localRoot(config, p -> { });
    }

    /** {@link #localRoot(ExperimentConfig)} with the staging's progress shown as {@code progress} sets. */
    public static Path localRoot(ExperimentConfig config, Consumer<ProgressReporter.Builder> progress) {
        return localRoot(config, DataStager.withDefaults().withProgress(progress), ObjectStores::open);
    }

    /**
     * The local folder holding DATASET.ROOT: the folder itself, or the cache folder it is staged to
     * (only what the config reads: the CIFAR / Fashion-MNIST files, the ImageNet split folders, the
     * Cityscapes list files and the images and labels they name).
     */
    public static Path localRoot(ExperimentConfig config, DataStager stager, Function<String, ObjectStore> opener) {
        String root = config.dataset().root();
        if (!isStoreUri(root)) {
            return Path.of(root);
        }
        try {
            StoreUri.parse(root); // a malformed root is the config's mistake: exit 3 naming the key
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("DATASET.ROOT: " + e.getMessage());
        }
        try (ObjectStore store = opener.apply(root)) {
            return stage(config, store, stager);
        }
    }

    /** Stages what the config reads from {@code store} (rooted at DATASET.ROOT); returns the local copy. */
    public static Path stage(ExperimentConfig config, ObjectStore store, DataStager stager) {
        DatasetConfig data = config.dataset();
        switch (data.kind()) {
            case IMAGENET -> {
                String train = trimSlashes(data.trainSet()) + "/";
                String test = trimSlashes(data.testSet()) + "/";
                return nonEmpty(store, stager.stage(store, key -> {
                    String k = key.startsWith("images/") ? key.substring("images/".length()) : key;
                    return k.startsWith(train) || k.startsWith(test);
                }), "the " + train + " and " + test + " folders");
            }
            case CITYSCAPES -> {
                Set<String> lists = Set.of(trimSlashes(data.trainSet()), trimSlashes(data.testSet()));
                Path folder = nonEmpty(store, stager.stage(store, lists::contains), "the list files " + lists);
                Set<String> keys = new HashSet<>();
                for (String list : lists) {
                    if (!java.nio.file.Files.isRegularFile(folder.resolve(list))) {
                        throw new InvalidInputException(store.root().resolve(list) + ": Cityscapes list file not found");
                    }
                    for (CityscapesList.Entry e : CityscapesList.parse(folder, list).entries()) {
                        keys.add("cityscapes/" + trimSlashes(e.image()));
                        if (e.label() != null) {
                            keys.add("cityscapes/" + trimSlashes(e.label()));
                        }
                    }
                }
                stager.stage(store, keys::contains);
                return folder;
            }
            default -> {
                return nonEmpty(store, stager.stage(store), "any file");
            }
        }
    }

    private static Path nonEmpty(ObjectStore store, DataStager.Result result, String what) {
        if (result.files() == 0) {
            throw new InvalidInputException("DATASET.ROOT " + store.root() + " holds no objects for " + what
                    + " of the data set");
        }
        return result.folder();
    }

    private static String trimSlashes(String s) {
        String out = s.startsWith("./") ? s.substring(2) : s;
        return out.replaceAll("^/+|/+$", "");
    }
}
