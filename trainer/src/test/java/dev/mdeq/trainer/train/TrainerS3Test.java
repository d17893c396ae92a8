package dev.mdeq.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.config.ConfigLoader;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.runstore.run.Progress;
import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.runstore.lease.LeaseRecord;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.storage.ObjectStores;
import dev.mdeq.runstore.testing.S3TestServer;
import dev.mdeq.model.checkpoint.CheckpointStore;
import dev.mdeq.model.checkpoint.LoadedCheckpoint;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training loop with its run folder in S3 (s3proxy in this JVM, reached through the S3
 * settings the trainer reads from the environment, as in a pod): a whole run, a restart of the
 * finished run, and a run stopped part-way and resumed from what it saved in the bucket.
 */
class TrainerS3Test {
    @TempDir
    static Path shared;
    @TempDir
    Path temp;

    private static S3TestServer s3;
    private static ObjectStores.EnvironmentOverride environment;
    private static ExperimentConfig config;
    private static String referenceRun;
    private static TrainingResult referenceResult;
    private static String referenceLog;

    /** 24 images, batch 4: 2 epochs of 6 steps, 3 of them pretraining; checkpoints at epoch ends only. */
    @BeforeAll
    static void uninterruptedRunInS3() throws Exception {
        s3 = S3TestServer.start();
        environment = ObjectStores.overrideEnvironment(s3.environment());
        config = TrainingFixtures.tinyConfig(TrainingFixtures.cifar(shared.resolve("cifar"), 24, 8));
        referenceRun = "runs/ns/reference";
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        referenceResult = train(config, referenceRun, log, GracefulShutdown.manual(Duration.ofSeconds(20)), line -> { });
        referenceLog = log.toString(StandardCharsets.UTF_8);
    }

    @AfterAll
    static void stopServer() {
        if (environment != null) {
            environment.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    private static TrainingResult train(ExperimentConfig experiment, String run, ByteArrayOutputStream log,
            GracefulShutdown shutdown, Consumer<String> onLine) {
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8) {
            @Override
            public void println(String line) {
                super.println(line);
                onLine.accept(line);
            }
        };
        return Trainer.train(new Trainer.Options(experiment, s3.uri(run), false, out, false, shutdown));
    }

    @Test
    void aRunInS3WritesEveryPartOfTheRunFolderAndARestartFindsItFinished() throws Exception {
        assertEquals(TrainingResult.Outcome.FINISHED, referenceResult.outcome(), referenceLog);
        assertEquals(12, referenceResult.step(), referenceLog);
        try (ObjectStore run = s3.open(referenceRun)) {
            ExperimentConfig saved = ConfigLoader.parse(new String(run.getBytes(RunLayout.CONFIG),
                    StandardCharsets.UTF_8), "config.yaml", List.of());
            assertEquals(config.sha256(), saved.sha256());
            Progress progress = RunJson.read(run.getBytes(RunLayout.PROGRESS), Progress.class, "progress");
            assertEquals(Progress.Phase.SUCCEEDED, progress.phase());
            assertEquals(12L, progress.step());
            String metrics = new String(run.getBytes(RunLayout.METRICS), StandardCharsets.UTF_8);
            assertEquals(2, metrics.lines().filter(l -> l.contains("\"kind\":\"epoch\"")).count(), metrics);
            CheckpointStore checkpoints = new CheckpointStore(run, temp.resolve("work"), line -> { });
            TreeMap<Long, String> before = checkpoints.folders();
            assertEquals(Map.of(6L, RunLayout.checkpointFolder(6), 12L, RunLayout.checkpointFolder(12)), before);
            assertEquals(RunLayout.checkpointFolder(12), checkpoints.latest().orElseThrow());
            // load() reads every part back over S3 and checks its size and SHA-256 against the manifest
            try (LoadedCheckpoint last = checkpoints.load(RunLayout.checkpointFolder(12))) {
                assertEquals(12, last.state().step());
                assertEquals(2, last.state().epoch());
                assertEquals(config.sha256(), last.state().configSha256());
            }

            // the container's restart: no config given, the run's own config.yaml is read from the bucket
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            TrainingResult again = Trainer.train(new Trainer.Options(null, s3.uri(referenceRun), false,
                    new PrintStream(log, true, StandardCharsets.UTF_8), false,
                    GracefulShutdown.manual(Duration.ofSeconds(20))));
            String output = log.toString(StandardCharsets.UTF_8);
            assertEquals(TrainingResult.Outcome.FINISHED, again.outcome(), output);
            assertEquals(12, again.step(), output);
            assertEquals(RunLayout.checkpointFolder(12), again.lastCheckpoint(), output);
            assertTrue(output.contains("resumed from " + RunLayout.checkpointFolder(12) + " (step 12, epoch 2"), output);
            assertFalse(output.contains("starting a new run"), output);
            assertFalse(output.contains("train: step "), "no step was trained again:\n" + output);
            assertEquals(before, checkpoints.folders(), "no checkpoint was added");
            assertEquals(Progress.Phase.SUCCEEDED,
                    RunJson.read(run.getBytes(RunLayout.PROGRESS), Progress.class, "progress").phase());
            // each trainer held the run's lease in the bucket and released it at its end: the restart
            // took the released lease at once, with the next fencing token
            assertTrue(output.contains("took the run over: released by "), output);
            for (long token : new long[] {1, 2}) {
                LeaseRecord lease = RunJson.read(run.getBytes(RunLayout.lease(token)), LeaseRecord.class, "lease");
                assertEquals(token, lease.token());
                assertTrue(lease.released(), "lease " + token + " released");
            }
        }
    }

    @Test
    void aRunStoppedPartWayResumesFromS3AndEndsExactlyAsTheUninterruptedOne() throws Exception {
        String runKey = "runs/ns/stopped";
        GracefulShutdown shutdown = GracefulShutdown.manual(Duration.ofSeconds(20));
        ByteArrayOutputStream firstLog = new ByteArrayOutputStream();
        // the request comes after step 4 (a log line every PRINT_FREQ = 2 steps): mid-epoch, past pretraining
        TrainingResult first = train(config, runKey, firstLog, shutdown, line -> {
            if (line.startsWith("train: step 4/")) {
                shutdown.request("the test");
            }
        });
        String firstOutput = firstLog.toString(StandardCharsets.UTF_8);
        assertEquals(TrainingResult.Outcome.INTERRUPTED, first.outcome(), firstOutput);
        assertEquals(4, first.step(), firstOutput);
        try (ObjectStore run = s3.open(runKey)) {
            assertEquals(RunLayout.checkpointFolder(4), run.readPointer(RunLayout.LATEST).orElseThrow());
            Progress progress = RunJson.read(run.getBytes(RunLayout.PROGRESS), Progress.class, "progress");
            assertEquals(Progress.Phase.INTERRUPTED, progress.phase(), firstOutput);
            assertEquals(RunLayout.checkpointFolder(4), progress.lastCheckpoint());
        }

        ByteArrayOutputStream secondLog = new ByteArrayOutputStream();
        TrainingResult second = train(config, runKey, secondLog, GracefulShutdown.manual(Duration.ofSeconds(20)),
                line -> { });
        String secondOutput = secondLog.toString(StandardCharsets.UTF_8);
        assertEquals(TrainingResult.Outcome.FINISHED, second.outcome(), secondOutput);
        assertTrue(secondOutput.contains("resumed from " + RunLayout.checkpointFolder(4) + " (step 4, epoch 0, position 16/24)"),
                secondOutput);
        try (ObjectStore expected = s3.open(referenceRun); ObjectStore actual = s3.open(runKey)) {
            ExactResumeTest.assertSameOutcome(expected, actual, temp.resolve("compare"));
        }
    }
}
