package dev.mdeq.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.config.ConfigLoader;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.runstore.run.ExitCodes;
import dev.mdeq.runstore.run.Progress;
import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.LocalObjectStore;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.model.checkpoint.CheckpointStore;
import dev.mdeq.model.checkpoint.LoadedCheckpoint;
import dev.mdeq.model.checkpoint.TrainingState;
import dev.mdeq.model.weights.Npz;
import dev.mdeq.model.weights.RawTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The resume promise, with the trainer as a real child process on the tiny preset (dropout on,
 * pretraining then equilibrium steps, a shuffled data order): a run killed with SIGKILL and
 * restarted, or stopped with SIGTERM and restarted, ends with exactly the weights, optimizer
 * moments and epoch records of an uninterrupted run.
 */
class ExactResumeTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    private static final Pattern RESUMED = Pattern.compile("resumed from \\S+ \\(step (\\d+), epoch (\\d+), position (\\d+)/(\\d+)\\)");

    @TempDir
    static Path shared;
    @TempDir
    Path temp;

    private static ExperimentConfig config;
    private static Path reference;

    /** 2 epochs of 10 steps (40 images, batch 4); 5 pretraining steps; a checkpoint every 3 steps. */
    @BeforeAll
    static void uninterruptedRun() throws Exception {
        Path data = TrainingFixtures.cifar(shared.resolve("cifar"), 40, 8);
        config = TrainingFixtures.tinyConfig(data, "TRAIN.PRETRAIN_STEPS", "5", "RUN.CHECKPOINT_EVERY_STEPS", "3",
                "RUN.KEEP_CHECKPOINTS", "2", "RUN.SEED", "3");
        reference = shared.resolve("reference");
        try (TrainerProcess trainer = TrainerProcess.start(config, reference, shared.resolve("logs"), "reference")) {
            assertEquals(ExitCodes.OK, trainer.waitFor(TIMEOUT), trainer.log());
        }
    }

    @Test
    void twoSigkillsAtDifferentPointsIncludingMidEpochChangeNothing() throws Exception {
        Path run = temp.resolve("killed");
        try (TrainerProcess first = TrainerProcess.start(config, run, temp, "first")) {
            first.await(() -> latestStep(run) >= 4, TIMEOUT, "a checkpoint at step 4 or later");
            first.kill();
        }
        int resumedFirst;
        try (TrainerProcess second = TrainerProcess.start(config, run, temp, "second")) {
            second.await(() -> latestStep(run) >= 13, TIMEOUT, "a checkpoint at step 13 or later");
            second.kill();
            resumedFirst = resumedPosition(second);
            // the killed trainer's lease (this machine, its process gone) did not hold the restart up
            assertTrue(second.log().contains("on this machine, has ended"), second.log());
        }
        int resumedSecond;
        try (TrainerProcess third = TrainerProcess.start(config, run, temp, "third")) {
            assertEquals(ExitCodes.OK, third.waitFor(TIMEOUT), third.log());
            resumedSecond = resumedPosition(third);
        }
        assertTrue(resumedFirst > 0 && resumedSecond > 0,
                "both restarts resumed in the middle of an epoch: positions " + resumedFirst + ", " + resumedSecond);
        assertSameOutcome(reference, run);
    }

    @Test
    void sigtermCheckpointsExitsWith75AndResumesExactly() throws Exception {
        Path run = temp.resolve("terminated");
        try (TrainerProcess first = TrainerProcess.start(config, run, temp, "sigterm")) {
            first.await(() -> latestStep(run) >= 7, TIMEOUT, "a checkpoint at step 7 or later");
            long sent = System.nanoTime();
            first.terminate();
            assertEquals(ExitCodes.INTERRUPTED, first.waitFor(TIMEOUT), first.log());
            double seconds = (System.nanoTime() - sent) / 1e9;
            assertTrue(seconds < config.run().shutdownGraceSeconds(), "stopped in " + seconds + " s");
            LocalObjectStore store = new LocalObjectStore(run);
            Progress progress = RunJson.read(store.getBytes(RunLayout.PROGRESS), Progress.class, "progress");
            assertEquals(Progress.Phase.INTERRUPTED, progress.phase(), first.log());
            assertTrue(progress.message().contains("SIGTERM"), progress.message());
            // the checkpoint holds the last step taken: nothing done before the signal is lost
            assertEquals(progress.step().longValue(), latestStep(run), first.log());
            assertEquals(RunLayout.checkpointFolder(progress.step()), progress.lastCheckpoint());
        }
        try (TrainerProcess second = TrainerProcess.start(config, run, temp, "after-sigterm")) {
            assertEquals(ExitCodes.OK, second.waitFor(TIMEOUT), second.log());
        }
        assertSameOutcome(reference, run);
    }

    /**
     * With a grace period shorter than a checkpoint is expected to take, the watchdog does not wait
     * for the step in progress: it checkpoints the state before that step (BatchNorm statistics as
     * they were before its forward) and exits with 75; the resumed run still ends exactly as the
     * uninterrupted one.
     */
    @Test
    void sigtermWithATooShortGraceAbandonsTheStepInProgressAndResumesExactly() throws Exception {
        // checkpoints at epoch ends only: steps after the one at step 10 are committed but not saved
        ExperimentConfig shortGrace = ConfigLoader.withOverrides(config,
                List.of("RUN.SHUTDOWN_GRACE_SECONDS", "1", "RUN.CHECKPOINT_EVERY_STEPS", "0"));
        Path run = temp.resolve("abandoned");
        try (TrainerProcess first = TrainerProcess.start(shortGrace, run, temp, "abandon")) {
            first.await(() -> latestStep(run) >= 10, TIMEOUT, "the checkpoint of epoch 0");
            // a few steps into epoch 1 (the log has a line every PRINT_FREQ = 2 steps)
            first.await(() -> first.log().contains("train: step 12/20"), TIMEOUT, "step 12");
            long sent = System.nanoTime();
            first.terminate();
            assertEquals(ExitCodes.INTERRUPTED, first.waitFor(TIMEOUT), first.log());
            double seconds = (System.nanoTime() - sent) / 1e9;
            assertTrue(first.log().contains("cannot finish within the grace period"), first.log());
            assertTrue(seconds < 5, "stopped in " + seconds + " s");
            long saved = latestStep(run);
            assertTrue(saved > 10 && saved < 20, "the watchdog checkpointed steps taken after step 10: " + saved
                    + "\n" + first.log());
            Progress progress = RunJson.read(new LocalObjectStore(run).getBytes(RunLayout.PROGRESS), Progress.class,
                    "progress");
            assertEquals(Progress.Phase.INTERRUPTED, progress.phase(), first.log());
            assertEquals(progress.step().longValue(), saved, first.log());
        }
        try (TrainerProcess second = TrainerProcess.start(shortGrace, run, temp, "after-abandon")) {
            assertEquals(ExitCodes.OK, second.waitFor(TIMEOUT), second.log());
        }
        assertSameOutcome(reference, run);
    }

    /** Same parameters, buffers, optimizer moments (bit for bit) and the same epoch records. */
    static void assertSameOutcome(Path expectedRun, Path actualRun) throws IOException {
        assertSameOutcome(new LocalObjectStore(expectedRun), new LocalObjectStore(actualRun),
                actualRun.resolveSibling(actualRun.getFileName() + "-work"));
    }

    /** {@link #assertSameOutcome(Path, Path)} for run folders in any store; {@code work} takes the downloads. */
    static void assertSameOutcome(ObjectStore expectedRun, ObjectStore actualRun, Path work) throws IOException {
        try (LoadedCheckpoint expected = newest(expectedRun, work.resolve("expected"));
                LoadedCheckpoint actual = newest(actualRun, work.resolve("actual"))) {
            TrainingState e = expected.state();
            TrainingState a = actual.state();
            assertEquals(e.step(), a.step());
            assertEquals(e.epoch(), a.epoch());
            assertEquals(e.position(), a.position());
            assertEquals(e.bestMetric(), a.bestMetric());
            assertEquals(e.bestStep(), a.bestStep());
            assertEquals(e.history().size(), a.history().size());
            for (int i = 0; i < e.history().size(); i++) {
                assertEquals(e.history().get(i).loss(), a.history().get(i).loss(), 0.0, "epoch " + i + " loss");
                assertEquals(e.history().get(i).metric(), a.history().get(i).metric(), "epoch " + i + " metric");
            }
            for (String part : List.of(CheckpointStore.MODEL_PART, CheckpointStore.OPTIMIZER_PART)) {
                Map<String, RawTensor> want = Npz.read(expected.file(part));
                Map<String, RawTensor> got = Npz.read(actual.file(part));
                assertEquals(want.keySet(), got.keySet(), part);
                want.forEach((key, tensor) -> assertArrayEquals(bytes(tensor), bytes(got.get(key)), part + " " + key));
            }
        }
    }

    private static LoadedCheckpoint newest(ObjectStore run, Path work) {
        return new CheckpointStore(run, work, line -> { }).loadNewestValid().orElseThrow();
    }

    private static byte[] bytes(RawTensor tensor) {
        ByteBuffer data = tensor.data().duplicate();
        byte[] out = new byte[data.remaining()];
        data.get(out);
        return out;
    }

    /** The step LATEST points to, or -1. */
    static long latestStep(Path run) {
        Path pointer = run.resolve(RunLayout.LATEST);
        try {
            if (!Files.exists(pointer)) {
                return -1;
            }
            Matcher m = Pattern.compile("step-(\\d+)").matcher(Files.readString(pointer, StandardCharsets.UTF_8));
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (IOException e) {
            // a pointer being replaced
            return -1;
        }
    }

    /** The position in its epoch the process resumed from (its log says). */
    private static int resumedPosition(TrainerProcess process) {
        for (String line : process.logLines()) {
            Matcher m = RESUMED.matcher(line);
            if (m.find()) {
                return Integer.parseInt(m.group(3));
            }
        }
        throw new AssertionError("the process did not resume; log:\n" + process.log());
    }
}
