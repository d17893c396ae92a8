package dev.mdeq.evaluator.inference;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.Presets;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.model.checkpoint.CheckpointStore;
import dev.mdeq.model.checkpoint.TrainingState;
import dev.mdeq.data.SyntheticCityscapes;
import dev.mdeq.model.MdeqModel;
import dev.mdeq.model.weights.Npz;
import dev.mdeq.model.weights.RawTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Run folders for model-evaluation tests, made of real parts: the tiny demo presets, data sets in
 * their real formats (the synthetic Cityscapes set as PNGs, CIFAR-10 binary batches), and
 * checkpoints written by {@link CheckpointStore} from freshly created models.
 */
public final class ModelRuns {
    /** Synthetic Cityscapes image size: small, and a multiple of 8 as the 2-branch demo model needs. */
    public static final int HEIGHT = 32;
    public static final int WIDTH = 64;

    private ModelRuns() {
    }

    /** The tiny segmentation preset reading {@code data}, evaluating full 32x64 images. */
    public static ExperimentConfig segmentation(Path data, String... overrides) {
        List<String> all = new ArrayList<>(List.of("DATASET.ROOT", data.toString(), "WORKERS", "1",
                "TEST.BASE_SIZE", Integer.toString(WIDTH), "TEST.IMAGE_SIZE", "[" + WIDTH + "," + HEIGHT + "]"));
        all.addAll(List.of(overrides));
        return Presets.load("demo/seg_mdeq_tiny", all);
    }

    /** The tiny classification preset reading CIFAR-10 files in {@code data}. */
    public static ExperimentConfig classification(Path data, String... overrides) {
        List<String> all = new ArrayList<>(List.of("DATASET.ROOT", data.toString(), "WORKERS", "1",
                "TEST.BATCH_SIZE_PER_GPU", "16"));
        all.addAll(List.of(overrides));
        return Presets.load("demo/cls_mdeq_tiny", all);
    }

    /** Writes the synthetic Cityscapes set ({@code val} validation images) into {@code folder}. */
    public static Path cityscapes(Path folder, int val) {
        return cityscapes(folder, val, HEIGHT, WIDTH);
    }

    /** The synthetic Cityscapes set with {@code val} validation images of {@code height x width}. */
    public static Path cityscapes(Path folder, int val, int height, int width) {
        SyntheticCityscapes.generate(new SyntheticCityscapes.Spec(1, val, height, width, 7), (key, bytes) -> {
            try {
                Path file = folder.resolve(key);
                Files.createDirectories(file.getParent());
                Files.write(file, bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, 2);
        return folder;
    }

    /** Writes a CIFAR-10 {@code test_batch.bin} of {@code samples} random images and labels. */
    public static Path cifar(Path folder, int samples, long seed) throws IOException {
        Random random = new Random(seed);
        byte[] bytes = new byte[samples * 3073];
        random.nextBytes(bytes);
        for (int i = 0; i < samples; i++) {
            bytes[i * 3073] = (byte) random.nextInt(10);
        }
        Files.createDirectories(folder);
        Files.write(folder.resolve("test_batch.bin"), bytes);
        return folder;
    }

    /** Writes {@code config} as the run's {@code config.yaml}. */
    public static void writeConfig(ObjectStore run, ExperimentConfig config) {
        run.putBytes(RunLayout.CONFIG, config.toYaml().getBytes(StandardCharsets.UTF_8));
    }

    /** The weights of a fresh model of {@code config} initialised from {@code seed}. */
    public static Map<String, RawTensor> weights(ExperimentConfig config, long seed) {
        try (MdeqModel model = MdeqModel.create(config, Device.cpu(), DataType.FLOAT32, seed)) {
            return model.stateDict();
        }
    }

    /** Writes the weights as an .npz file. */
    public static Path npz(Path file, Map<String, RawTensor> weights) throws IOException {
        Files.createDirectories(file.getParent());
        Npz.write(file, weights);
        return file;
    }

    /**
     * Saves a checkpoint at {@code step} holding the weights of a fresh model initialised from
     * {@code seed} (published as LATEST, as the trainer does); returns its folder.
     */
    public static String checkpoint(ObjectStore run, ExperimentConfig config, long seed, long step, Path temp)
            throws IOException {
        Path file = npz(temp.resolve("ckpt-" + step + "-" + seed).resolve(CheckpointStore.MODEL_PART),
                weights(config, seed));
        TrainingState state = new TrainingState(step, 1, 0, seed, config.sha256(), Map.of(), "metric", null, null, 1.0,
                0.0, 0, List.of());
        return new CheckpointStore(run, temp.resolve("work"), line -> { })
                .save(state, Map.of(CheckpointStore.MODEL_PART, file)).folder();
    }

    /** Publishes {@code folder} as the run's BEST checkpoint. */
    public static void best(ObjectStore run, String folder) {
        run.publishPointer(RunLayout.BEST, folder);
    }
}
