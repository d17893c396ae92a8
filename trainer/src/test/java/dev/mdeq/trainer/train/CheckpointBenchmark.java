package dev.mdeq.trainer.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.Presets;
import dev.mdeq.runstore.storage.LocalObjectStore;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.testing.S3TestServer;
import dev.mdeq.model.MdeqModel;
import dev.mdeq.model.checkpoint.CheckpointStore;
import dev.mdeq.model.checkpoint.LoadedCheckpoint;
import dev.mdeq.model.checkpoint.SavedCheckpoint;
import dev.mdeq.model.checkpoint.TrainingState;
import dev.mdeq.trainer.optim.Adam;
import dev.mdeq.model.weights.Npz;
import dev.mdeq.model.weights.RawTensor;
import dev.mdeq.model.weights.StateDict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoint save and restore of a CIFAR LARGE model (11.1M parameters, with Adam's two moments)
 * through {@link CheckpointStore}, against s3proxy (in memory, same JVM, 127.0.0.1) and a local
 * folder. Save = npz encoding + upload + read-back verification; restore = download with hashing
 * + npz decoding + loading into the model and the optimizer. Medians of 3.
 *
 * <pre>
 * mvn -B -pl trainer -am verify -Dgroups=benchmark -DexcludedTestGroups= \
 *     -Dtest=CheckpointBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
@Tag("benchmark")
class CheckpointBenchmark {
    private static final int REPEATS = 3;

    @TempDir
    Path temp;

    @Test
    void cifarLargeSaveAndRestore() throws Exception {
        ExperimentConfig config = Presets.load("cifar/cls_mdeq_LARGE", List.of("TRAIN.PRETRAIN_STEPS", "10"));
        try (MdeqModel model = MdeqModel.create(config, Device.cpu(), DataType.FLOAT32, 0); Adam adam = new Adam(0.0);
                S3TestServer s3 = S3TestServer.start()) {
            Map<String, NDArray> parameters = new LinkedHashMap<>();
            model.trainableParameters().forEach((name, p) -> parameters.put(name, p.getArray()));
            try (NDManager manager = model.manager().newSubManager()) {
                NDArray images = manager.randomNormal(new Shape(2, 3, 32, 32));
                model.trainStep(images, logits -> logits.logSoftmax(1).get(":, 0").mean().neg(), 0);
            }
            adam.step(parameters, 1e-3);
            long count = model.trainableParameters().values().stream().mapToLong(p -> p.getShape().size()).sum();
            System.out.printf("%nCIFAR LARGE: %,d trainable parameters, %d optimizer state entries%n", count,
                    adam.state().size());
            for (String kind : List.of("s3proxy", "local folder")) {
                ObjectStore store = kind.equals("s3proxy") ? s3.open("runs/bench/large")
                        : new LocalObjectStore(temp.resolve("store"));
                try (store) {
                    measure(kind, store, model, adam, parameters);
                }
            }
        }
    }

    private void measure(String kind, ObjectStore store, MdeqModel model, Adam adam, Map<String, NDArray> parameters)
            throws Exception {
        CheckpointStore checkpoints = new CheckpointStore(store, temp.resolve("work"), line -> { });
        List<Double> encode = new ArrayList<>();
        List<Double> upload = new ArrayList<>();
        List<Double> verify = new ArrayList<>();
        List<Double> download = new ArrayList<>();
        List<Double> decode = new ArrayList<>();
        long bytes = 0;
        for (int r = 0; r < REPEATS; r++) {
            long t0 = System.nanoTime();
            Path folder = Files.createDirectories(temp.resolve("parts-" + r));
            Map<String, Path> parts = new LinkedHashMap<>();
            parts.put(CheckpointStore.MODEL_PART, folder.resolve(CheckpointStore.MODEL_PART));
            parts.put(CheckpointStore.OPTIMIZER_PART, folder.resolve(CheckpointStore.OPTIMIZER_PART));
            Npz.write(parts.get(CheckpointStore.MODEL_PART), model.stateDict());
            Npz.write(parts.get(CheckpointStore.OPTIMIZER_PART), adam.state());
            encode.add((System.nanoTime() - t0) / 1e9);
            SavedCheckpoint saved = checkpoints.save(TrainingState.fresh(0, 0, "bench", "top1").afterStep(0, 0, Map.of())
                    .withConfigSha256("bench-" + r), parts);
            upload.add(saved.writeSeconds());
            verify.add(saved.verifySeconds());
            bytes = saved.manifest().totalBytes();

            long t1 = System.nanoTime();
            try (LoadedCheckpoint loaded = checkpoints.load(saved.folder())) {
                long t2 = System.nanoTime();
                download.add((t2 - t1) / 1e9);
                Map<String, RawTensor> weights = Npz.read(loaded.file(CheckpointStore.MODEL_PART));
                model.load(weights, StateDict.Mode.STRICT, "bench");
                adam.loadState(Npz.read(loaded.file(CheckpointStore.OPTIMIZER_PART)), parameters);
                decode.add((System.nanoTime() - t2) / 1e9);
            }
        }
        double mb = bytes / 1e6;
        System.out.printf("%s: checkpoint %.1f MB (model + optimizer + state)%n", kind, mb);
        row("save: npz encoding", median(encode), mb);
        row("save: upload parts + manifest", median(upload), mb);
        row("save: read back and re-hash", median(verify), mb);
        row("save total", median(encode) + median(upload) + median(verify), mb);
        row("restore: download + hash", median(download), mb);
        row("restore: npz decoding + load", median(decode), mb);
        row("restore total", median(download) + median(decode), mb);
    }

    private static void row(String what, double seconds, double mb) {
        System.out.printf("  %-32s %6.2f s  %7.1f MB/s%n", what, seconds, mb / seconds);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
