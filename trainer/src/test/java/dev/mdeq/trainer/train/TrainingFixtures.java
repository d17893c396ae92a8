package dev.mdeq.trainer.train;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.Presets;
import dev.mdeq.model.MdeqModel;
import dev.mdeq.model.weights.Npz;
import dev.mdeq.model.weights.RawTensor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Small, learnable CIFAR-10 files in the real binary format (one label byte and 3072 pixel bytes
 * per record) and a tiny training config on them, for tests that run the whole training loop.
 */
public final class TrainingFixtures {
    private TrainingFixtures() {
    }

    /**
     * Writes {@code data_batch_1..5.bin} ({@code train} images) and {@code test_batch.bin}
     * ({@code test} images): class k is a noisy image whose colour and stripe direction depend on k.
     */
    public static Path cifar(Path folder, int train, int test) throws IOException {
        Files.createDirectories(folder);
        Random random = new Random(11);
        int perFile = (train + 4) / 5;
        int written = 0;
        for (int file = 1; file <= 5; file++) {
            int n = Math.min(perFile, train - written);
            writeRecords(folder.resolve("data_batch_" + file + ".bin"), n, written, random);
            written += n;
        }
        writeRecords(folder.resolve("test_batch.bin"), test, 1000, random);
        return folder;
    }

    private static void writeRecords(Path file, int n, int first, Random random) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < n; i++) {
                int label = (first + i) % 10;
                out.write(label);
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < 32; y++) {
                        for (int x = 0; x < 32; x++) {
                            int stripe = (label % 2 == 0 ? x : y) / 4 % 2;
                            int base = 40 + 60 * ((label + c) % 3) + 50 * stripe * (label / 3 % 2 == 0 ? 1 : -1) + 50;
                            out.write(Math.max(0, Math.min(255, base + random.nextInt(41) - 20)));
                        }
                    }
                }
            }
        }
    }

    /** The tiny classification preset on {@code data}, sized for a few seconds of training. */
    static ExperimentConfig tinyConfig(Path data, String... extra) {
        return Presets.load("demo/cls_mdeq_tiny", tinyOverrides(data, extra));
    }

    /** The overrides of {@link #tinyConfig} to {@code demo/cls_mdeq_tiny}, then {@code extra}. */
    public static List<String> tinyOverrides(Path data, String... extra) {
        List<String> overrides = new ArrayList<>(List.of(
                "DATASET.ROOT", data.toString(),
                "WORKERS", "1",
                "PRINT_FREQ", "2",
                "TRAIN.BATCH_SIZE_PER_GPU", "4",
                "TEST.BATCH_SIZE_PER_GPU", "8",
                "TRAIN.END_EPOCH", "2",
                "TRAIN.PRETRAIN_STEPS", "3",
                "TRAIN.LR", "0.005",
                "MODEL.F_THRES", "4",
                "RUN.DEVICE", "cpu",
                "RUN.CHECKPOINT_EVERY_MINUTES", "0"));
        overrides.addAll(List.of(extra));
        return overrides;
    }

    /**
     * Writes the initial weights of {@code config}'s model (seed {@code RUN.SEED}) to {@code file} as
     * an npz, every tensor whose key matches a regex of {@code factors} multiplied by its factor.
     */
    static Path scaledWeights(ExperimentConfig config, Path file, Map<String, Double> factors) throws IOException {
        Map<String, RawTensor> weights;
        try (MdeqModel model = MdeqModel.create(config, Device.cpu(), DataType.FLOAT32, config.run().seed())) {
            weights = new LinkedHashMap<>(model.stateDict());
        }
        int scaled = 0;
        for (Map.Entry<String, RawTensor> entry : weights.entrySet()) {
            for (Map.Entry<String, Double> factor : factors.entrySet()) {
                if (entry.getKey().matches(factor.getKey())) {
                    double[] values = entry.getValue().toDoubleArray();
                    float[] out = new float[values.length];
                    for (int i = 0; i < values.length; i++) {
                        out[i] = (float) (values[i] * factor.getValue());
                    }
                    entry.setValue(RawTensor.ofFloats(entry.getValue().shape(), out));
                    scaled++;
                }
            }
        }
        if (scaled == 0) {
            throw new IllegalArgumentException("no weight matches " + factors.keySet());
        }
        Npz.write(file, weights);
        return file;
    }
}
