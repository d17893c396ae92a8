package dev.mdeq.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.Presets;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.data.SyntheticCityscapes;
import dev.mdeq.model.MdeqModel;
import dev.mdeq.model.weights.RawTensor;
import dev.mdeq.model.weights.torch.TorchFixtures;
import java.util.Map;
import dev.mdeq.runstore.run.Progress;
import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.LocalObjectStore;
import dev.mdeq.model.checkpoint.CheckpointStore;
import dev.mdeq.model.kernels.NativeKernels;
import dev.mdeq.model.checkpoint.LoadedCheckpoint;
import dev.mdeq.model.checkpoint.TrainingState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
    @TempDir
    Path temp;

    private TrainingResult train(ExperimentConfig config, Path runFolder, boolean allowChange, ByteArrayOutputStream log) {
        return Trainer.train(new Trainer.Options(config, "file:" + runFolder, allowChange,
                new PrintStream(log, true, StandardCharsets.UTF_8), false, GracefulShutdown.manual(Duration.ofSeconds(20))));
    }

    @Test
    void trainsToTheEndWithCheckpointsValidationProgressAndMetrics() throws Exception {
        Path data = TrainingFixtures.cifar(temp.resolve("cifar"), 24, 8);
        ExperimentConfig config = TrainingFixtures.tinyConfig(data);
        Path runFolder = temp.resolve("run");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        TrainingResult result = Trainer.train(new Trainer.Options(config, "file:" + runFolder, false,
                new PrintStream(log, true, StandardCharsets.UTF_8), false, GracefulShutdown.manual(Duration.ofSeconds(20))));
        String output = log.toString(StandardCharsets.UTF_8);
        System.out.println(output);

        assertEquals(TrainingResult.Outcome.FINISHED, result.outcome(), output);
        assertEquals(12, result.step());
        LocalObjectStore run = new LocalObjectStore(runFolder);
        CheckpointStore checkpoints = new CheckpointStore(run, temp.resolve("work"), line -> { });
        assertEquals(List.of(RunLayout.checkpointFolder(6), RunLayout.checkpointFolder(12)),
                List.copyOf(checkpoints.folders().values()));
        assertEquals(RunLayout.checkpointFolder(12), checkpoints.latest().orElseThrow());
        assertNotNull(checkpoints.best().orElse(null));
        try (LoadedCheckpoint last = checkpoints.loadNewestValid().orElseThrow()) {
            TrainingState state = last.state();
            assertEquals(12, state.step());
            assertEquals(2, state.epoch());
            assertEquals(2, state.history().size());
            assertNotNull(state.history().get(1).metric());
            assertEquals(config.sha256(), state.configSha256());
        }
        Progress progress = RunJson.read(run.getBytes(RunLayout.PROGRESS), Progress.class, "progress");
        assertEquals(Progress.Phase.SUCCEEDED, progress.phase());
        assertEquals(12L, progress.step());
        assertEquals(NativeKernels.status().recorded(), progress.kernels(), "the checked kernel set is recorded");
        String metrics = new String(run.getBytes(RunLayout.METRICS), StandardCharsets.UTF_8);
        assertTrue(metrics.contains("\"kind\":\"epoch\""), metrics);
        assertTrue(metrics.contains("\"mode\":\"pretrain\"") && metrics.contains("\"mode\":\"deq\""), metrics);
    }

    @Test
    void aDivergingRunStopsWithTheReasonAndKeepsTheLastGoodCheckpoint() throws Exception {
        Path data = TrainingFixtures.cifar(temp.resolve("cifar"), 24, 8);
        Path runFolder = temp.resolve("run");
        ExperimentConfig config = TrainingFixtures.tinyConfig(data, "RUN.MAX_STEPS", "3");
        ByteArrayOutputStream firstLog = new ByteArrayOutputStream();
        TrainingResult first = train(config, runFolder, false, firstLog);
        assertEquals(TrainingResult.Outcome.FINISHED, first.outcome(), first.message() + "\n" + firstLog.toString(StandardCharsets.UTF_8));
        LocalObjectStore run = new LocalObjectStore(runFolder);
        byte[] goodModel = run.getBytes(RunLayout.checkpointFolder(3) + CheckpointStore.MODEL_PART);

        // the same run continued with an absurd learning rate: parameters overflow within a few steps
        ExperimentConfig exploding = TrainingFixtures.tinyConfig(data, "RUN.MAX_STEPS", "12", "TRAIN.LR", "1e38",
                "RUN.CHECKPOINT_EVERY_STEPS", "1");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        TrainingResult result = train(exploding, runFolder, true, log);
        assertEquals(TrainingResult.Outcome.DIVERGED, result.outcome(), log.toString(StandardCharsets.UTF_8));
        assertEquals(dev.mdeq.runstore.run.ExitCodes.DIVERGED, result.exitCode());
        assertTrue(result.message().contains("diverged") && result.message().contains("kept"), result.message());
        Progress progress = RunJson.read(run.getBytes(RunLayout.PROGRESS), Progress.class, "progress");
        assertEquals(Progress.Phase.FAILED, progress.phase());
        assertTrue(progress.message().contains("diverged"), progress.message());
        CheckpointStore checkpoints = new CheckpointStore(run, temp.resolve("work"), line -> { });
        try (LoadedCheckpoint last = checkpoints.loadNewestValid().orElseThrow()) {
            for (var tensor : dev.mdeq.model.weights.Npz.read(last.file(CheckpointStore.MODEL_PART)).values()) {
                for (double v : tensor.toDoubleArray()) {
                    assertTrue(Double.isFinite(v), "the newest checkpoint " + last.folder() + " holds finite values");
                }
            }
        }
        assertArrayEquals(goodModel, run.getBytes(RunLayout.checkpointFolder(3) + CheckpointStore.MODEL_PART));
    }

    /** The stem's last BatchNorm scale: the size of the injection into f. */
    private static final String INJECTION_SCALE = "downsample\\.4\\.weight";
    /** The scales of f's last GroupNorms: the size of f's output for any state not near 0. */
    private static final String OUTPUT_SCALE = "fullstage\\.post_fuse_layers\\.\\d+\\.gnorm\\.weight";

    /**
     * f's output scaled by 1e18: |f(0)|^2 overflows float32, so the forward solve's residual is
     * infinite from its start, while the loss on the returned start stays finite.
     */
    @Test
    void aNonFiniteSolverResidualStopsTheRunAndLeavesTheCheckpointsUntouched() throws Exception {
        DivergedRun diverged = divergeAfterAStep0Checkpoint(Map.of(OUTPUT_SCALE, 1e18));
        TrainingResult result = diverged.result();
        assertTrue(result.message().contains("the forward equilibrium solve diverged at step 0 (residual Infinity"),
                result.message());
        assertEquals(0, result.step(), "nothing committed");
    }

    /**
     * The injection scaled by 1e-20 makes f(0) tiny (about 1e-12 per element before the output
     * scale) and f's output scale of 1e12 makes it O(1); at Broyden's first iterate z1 = f(0), f is
     * about 1e12 large: the residual grows some 1e12-fold, beyond the protective factor of 1e6, in
     * every step. The solve returns its start, so loss and gradients stay finite and the steps
     * commit until the tenth break in a row.
     */
    @Test
    void consecutiveProtectiveBreaksStopTheRunAndLeaveTheCheckpointsUntouched() throws Exception {
        DivergedRun diverged = divergeAfterAStep0Checkpoint(Map.of(INJECTION_SCALE, 1e-20, OUTPUT_SCALE, 1e12));
        TrainingResult result = diverged.result();
        int breaks = DivergenceCheck.MAX_PROTECTIVE_BREAKS;
        assertTrue(result.message().contains("the forward equilibrium solve blew up (residual beyond 1e6 times its "
                + "start) in " + breaks + " consecutive steps up to step " + (breaks - 1)), result.message());
        assertEquals(breaks - 1, result.step(), "the steps before the last break are committed");
        assertTrue(diverged.log().contains("train: step " + (breaks - 2) + "/24"), diverged.log());
    }

    private record DivergedRun(TrainingResult result, String log) {
    }

    /**
     * Writes a step-0 checkpoint of a model with the given weights scaled, continues the run
     * (12 steps per epoch, no checkpoint before the epoch's end) and checks what every divergence
     * promises: exit code 4, the reason in the result and in progress.json (phase FAILED), and
     * every file under checkpoints/ (the step-0 checkpoint and the LATEST pointer) byte for byte
     * as before.
     */
    private DivergedRun divergeAfterAStep0Checkpoint(Map<String, Double> factors) throws Exception {
        Path data = TrainingFixtures.cifar(temp.resolve("cifar"), 24, 8);
        Path weights = TrainingFixtures.scaledWeights(TrainingFixtures.tinyConfig(data), temp.resolve("scaled.npz"),
                factors);
        String[] common = {"TRAIN.MODEL_FILE", weights.toString(), "TRAIN.PRETRAIN_STEPS", "0",
            "TRAIN.BATCH_SIZE_PER_GPU", "2"};
        Path runFolder = temp.resolve("run");
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        assertEquals(TrainingResult.Outcome.FINISHED, train(TrainingFixtures.tinyConfig(data,
                concat(common, "RUN.MAX_STEPS", "0")), runFolder, false, first).outcome(),
                first.toString(StandardCharsets.UTF_8));
        Map<String, byte[]> before = files(runFolder.resolve("checkpoints"));
        assertTrue(before.containsKey("LATEST") && before.size() > 2, before.keySet().toString());

        ByteArrayOutputStream log = new ByteArrayOutputStream();
        TrainingResult result = train(TrainingFixtures.tinyConfig(data, common), runFolder, true, log);
        String output = log.toString(StandardCharsets.UTF_8);
        assertEquals(TrainingResult.Outcome.DIVERGED, result.outcome(), output);
        assertEquals(dev.mdeq.runstore.run.ExitCodes.DIVERGED, result.exitCode());
        assertTrue(result.message().startsWith("training diverged: ") && result.message().endsWith(
                "; the last good checkpoint " + RunLayout.checkpointFolder(0) + " is kept"), result.message());
        assertEquals(RunLayout.checkpointFolder(0), result.lastCheckpoint());

        LocalObjectStore run = new LocalObjectStore(runFolder);
        Progress progress = RunJson.read(run.getBytes(RunLayout.PROGRESS), Progress.class, "progress");
        assertEquals(Progress.Phase.FAILED, progress.phase());
        assertEquals(result.message(), progress.message());
        Map<String, byte[]> after = files(runFolder.resolve("checkpoints"));
        assertEquals(before.keySet(), after.keySet(), "no checkpoint written or removed");
        for (Map.Entry<String, byte[]> file : before.entrySet()) {
            assertArrayEquals(file.getValue(), after.get(file.getKey()), file.getKey() + " unchanged");
        }
        assertEquals(RunLayout.checkpointFolder(0),
                new CheckpointStore(run, temp.resolve("work"), line -> { }).latest().orElseThrow());
        return new DivergedRun(result, output);
    }

    private static String[] concat(String[] first, String... more) {
        String[] all = java.util.Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }

    /** Every file under {@code folder} by its relative path, with its bytes. */
    private static Map<String, byte[]> files(Path folder) throws java.io.IOException {
        Map<String, byte[]> out = new java.util.TreeMap<>();
        try (var paths = java.nio.file.Files.walk(folder)) {
            for (Path path : paths.filter(java.nio.file.Files::isRegularFile).toList()) {
                out.put(folder.relativize(path).toString().replace('\\', '/'), java.nio.file.Files.readAllBytes(path));
            }
        }
        return out;
    }

    @Test
    void modelFileLoadsEveryWeightAndPretrainedSkipsTheClassifier() throws Exception {
        Path data = TrainingFixtures.cifar(temp.resolve("cifar"), 24, 8);
        // weights of a 5-class model with another seed, as an npz in the reference's names
        Path weights = temp.resolve("other.npz");
        ExperimentConfig fiveClasses = TrainingFixtures.tinyConfig(data, "MODEL.NUM_CLASSES", "5");
        Map<String, RawTensor> source;
        try (MdeqModel other = MdeqModel.create(fiveClasses, ai.djl.Device.cpu(), ai.djl.ndarray.types.DataType.FLOAT32,
                99)) {
            source = other.stateDict();
        }
        dev.mdeq.model.weights.Npz.write(weights, source);

        ExperimentConfig pretrained = TrainingFixtures.tinyConfig(data, "RUN.MAX_STEPS", "0",
                "MODEL.PRETRAINED", weights.toString());
        Path run = temp.resolve("pretrained");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        assertEquals(TrainingResult.Outcome.FINISHED, train(pretrained, run, false, log).outcome(),
                log.toString(StandardCharsets.UTF_8));
        Map<String, RawTensor> initial = dev.mdeq.model.weights.Npz.read(new LocalObjectStore(run)
                .file(RunLayout.checkpointFolder(0) + CheckpointStore.MODEL_PART));
        for (Map.Entry<String, RawTensor> entry : initial.entrySet()) {
            String key = entry.getKey();
            if (key.startsWith("classifier.")) {
                assertEquals(10, entry.getValue().shape()[0], key + " keeps the model's own 10 classes");
            } else {
                assertArrayEquals(source.get(key).toDoubleArray(), entry.getValue().toDoubleArray(), 0.0, key);
            }
        }

        ExperimentConfig wrongFile = TrainingFixtures.tinyConfig(data, "RUN.MAX_STEPS", "0",
                "TRAIN.MODEL_FILE", weights.toString());
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> train(wrongFile, temp.resolve("model-file"), false, new ByteArrayOutputStream()));
        assertTrue(e.getMessage().contains("classifier.weight"), e.getMessage());
    }

    @Test
    void timeBasedCheckpointsComeBetweenEpochEndsOnlyWhenSet() throws Exception {
        Path data = TrainingFixtures.cifar(temp.resolve("cifar"), 24, 8);
        // 0.0001 minutes = 6 ms, shorter than a step: due after every step; no step-based checkpoints
        ExperimentConfig often = TrainingFixtures.tinyConfig(data, "RUN.CHECKPOINT_EVERY_MINUTES", "0.0001",
                "RUN.KEEP_CHECKPOINTS", "50");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        assertEquals(TrainingResult.Outcome.FINISHED, train(often, temp.resolve("often"), false, log).outcome(),
                log.toString(StandardCharsets.UTF_8));
        List<Long> steps = List.copyOf(new CheckpointStore(new LocalObjectStore(temp.resolve("often")),
                temp.resolve("work-often"), line -> { }).folders().keySet());
        assertTrue(steps.containsAll(List.of(6L, 12L)), "the epoch ends: " + steps);
        assertTrue(steps.stream().anyMatch(s -> s > 0 && s < 6) && steps.stream().anyMatch(s -> s > 6 && s < 12),
                "time-based checkpoints within both epochs: " + steps);

        ExperimentConfig off = TrainingFixtures.tinyConfig(data, "RUN.CHECKPOINT_EVERY_MINUTES", "0",
                "RUN.KEEP_CHECKPOINTS", "50");
        assertEquals(TrainingResult.Outcome.FINISHED, train(off, temp.resolve("off"), false, log).outcome());
        assertEquals(List.of(6L, 12L), List.copyOf(new CheckpointStore(new LocalObjectStore(temp.resolve("off")),
                temp.resolve("work-off"), line -> { }).folders().keySet()), "epoch ends only");
    }

    @Test
    void pretrainedPyTorchFileLoadsTheBackboneAndLeavesTheClassifierAsInitialized() throws Exception {
        Path data = TrainingFixtures.cifar(temp.resolve("cifar"), 24, 8);
        // the MDEQClsNet state dict of cls_mdeq_tiny written by PyTorch; its values from expected.json/.bin
        TorchFixtures.Expected fixture = TorchFixtures.expected("torch-1.13", "tiny_bare.pth");
        ExperimentConfig config = TrainingFixtures.tinyConfig(data, "RUN.MAX_STEPS", "0",
                "MODEL.PRETRAINED", fixture.file().toString());
        Path runFolder = temp.resolve("pretrained-pth");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        assertEquals(TrainingResult.Outcome.FINISHED, train(config, runFolder, false, log).outcome(),
                log.toString(StandardCharsets.UTF_8));
        Map<String, RawTensor> expected = fixture.modelEntries();
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("loaded " + (expected.size() - 2)
                + " matching weights from MODEL.PRETRAINED " + fixture.file() + " (2 of the model's keys not in the file)"),
                log.toString(StandardCharsets.UTF_8));

        // the step-0 checkpoint holds the weights the first step would start from
        Map<String, RawTensor> initial = dev.mdeq.model.weights.Npz.read(new LocalObjectStore(runFolder)
                .file(RunLayout.checkpointFolder(0) + CheckpointStore.MODEL_PART));
        assertEquals(expected.keySet(), initial.keySet());
        Map<String, RawTensor> ownInit;
        try (MdeqModel fresh = MdeqModel.create(config, ai.djl.Device.cpu(), ai.djl.ndarray.types.DataType.FLOAT32,
                config.run().seed())) {
            ownInit = fresh.stateDict();
        }
        for (Map.Entry<String, RawTensor> entry : initial.entrySet()) {
            String key = entry.getKey();
            double[] got = entry.getValue().toDoubleArray();
            if (key.startsWith("classifier.")) {
                assertArrayEquals(ownInit.get(key).toDoubleArray(), got, 0.0, key + " keeps the model's own initialization");
                assertFalse(java.util.Arrays.equals(expected.get(key).toDoubleArray(), got), key + " is not the file's");
            } else {
                assertArrayEquals(expected.get(key).toDoubleArray(), got, 0.0, key);
            }
        }
    }

    @Test
    void segmentationTrainsWithPolyRateWeightedLossAndMeanIou() throws Exception {
        Path data = temp.resolve("synth");
        LocalObjectStore dataStore = new LocalObjectStore(data);
        SyntheticCityscapes.generate(new SyntheticCityscapes.Spec(8, 2, 64, 128, 3), dataStore::putBytes, 1);
        ExperimentConfig config = Presets.load("demo/seg_mdeq_tiny", List.of("DATASET.ROOT", data.toString(),
                "WORKERS", "1", "PRINT_FREQ", "1", "TRAIN.END_EPOCH", "2", "TRAIN.PRETRAIN_STEPS", "2",
                "TRAIN.IMAGE_SIZE", "[64, 32]", "TEST.IMAGE_SIZE", "[128, 64]", "MODEL.F_THRES", "3",
                "RUN.DEVICE", "cpu"));
        Path runFolder = temp.resolve("seg");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        TrainingResult result = train(config, runFolder, false, log);
        assertEquals(TrainingResult.Outcome.FINISHED, result.outcome(), log.toString(StandardCharsets.UTF_8));
        assertEquals(4, result.step()); // 8 images, batch 4, drop_last, 2 epochs
        LocalObjectStore run = new LocalObjectStore(runFolder);
        List<MetricsRecord> records = MetricsLog.resume(run, Long.MAX_VALUE, Duration.ofHours(1), line -> { }).records();
        double base = config.train().lr();
        for (MetricsRecord r : records) {
            if (r.kind().equals(MetricsRecord.STEP)) {
                // the rate of step s-1 (the interval's last step), poly 0.9 over 4 steps
                assertEquals(base * Math.pow(1 - (r.step() - 1) / 4.0, 0.9), r.lr(), 1e-12, "step " + r.step());
            } else {
                assertEquals("mIoU", r.metricName());
                assertTrue(r.metric() >= 0 && r.metric() <= 100, String.valueOf(r.metric()));
            }
        }
        assertEquals(2, records.stream().filter(r -> r.kind().equals(MetricsRecord.EPOCH)).count());
    }
}
