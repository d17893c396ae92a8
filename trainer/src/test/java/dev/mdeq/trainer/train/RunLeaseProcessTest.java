package dev.mdeq.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.runstore.lease.LeaseRecord;
import dev.mdeq.runstore.run.ExitCodes;
import dev.mdeq.runstore.run.Progress;
import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.LocalObjectStore;
import dev.mdeq.runstore.storage.ObjectInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One writer per run, with real trainer processes on one run folder: a second trainer refuses a run
 * that another one trains and names it (at once on the same machine, after its wait from another
 * host), and a holder killed with SIGKILL is taken over by another host's trainer only once its
 * lease expired. {@code HOSTNAME} names the holder as a pod's name does.
 */
class RunLeaseProcessTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    @TempDir
    static Path shared;
    @TempDir
    Path temp;

    private static Path data;

    @BeforeAll
    static void data() throws Exception {
        data = TrainingFixtures.cifar(shared.resolve("cifar"), 40, 8);
    }

    @Test
    void aSecondTrainerRefusesARunInTrainingAndNamesItsHolder() throws Exception {
        // long enough to outlive the refusals; killed at the end
        ExperimentConfig config = TrainingFixtures.tinyConfig(data, "TRAIN.END_EPOCH", "50",
                "RUN.CHECKPOINT_EVERY_STEPS", "2");
        Path run = temp.resolve("run");
        try (TrainerProcess holder = TrainerProcess.start(config, run, temp, "holder", Map.of("HOSTNAME", "pod-a"),
                List.of())) {
            holder.await(() -> ExactResumeTest.latestStep(run) >= 2, TIMEOUT, "a checkpoint at step 2");

            try (TrainerProcess here = TrainerProcess.start(config, run, temp, "same-host",
                    Map.of("HOSTNAME", "pod-a"), List.of())) {
                assertEquals(ExitCodes.RUN_HELD, here.waitFor(TIMEOUT), here.log());
                assertTrue(here.log().contains("is being trained by another process on this machine: pod-a pid "
                        + holder.pid()), here.log());
            }
            try (TrainerProcess elsewhere = TrainerProcess.start(config, run, temp, "other-host",
                    Map.of("HOSTNAME", "pod-b"), List.of("--lease-wait-seconds", "2"))) {
                assertEquals(ExitCodes.RUN_HELD, elsewhere.waitFor(TIMEOUT), elsewhere.log());
                String log = elsewhere.log();
                assertTrue(log.contains("is held by another trainer: pod-a pid " + holder.pid()), log);
                assertTrue(log.contains("waited 2 s"), log);
                assertTrue(log.contains("--take-over"), log);
            }
            assertTrue(holder.isAlive(), "the holder trains on:\n" + holder.log());
            LocalObjectStore store = new LocalObjectStore(run);
            assertEquals(List.of(RunLayout.lease(1)), store.list(RunLayout.LEASE).stream().map(ObjectInfo::key).toList(),
                    "the refused trainers took no lease");
            Progress progress = RunJson.read(store.getBytes(RunLayout.PROGRESS), Progress.class, "progress");
            assertFalse(progress.phase() == Progress.Phase.FAILED, "a refused trainer wrote the heartbeat: " + progress);
            holder.kill();
        }
    }

    @Test
    void aHolderKilledWithSigkillIsTakenOverOnlyAfterItsLeaseExpired() throws Exception {
        // 50 steps: the holder is still training when it is killed, the taker finishes the rest
        ExperimentConfig config = TrainingFixtures.tinyConfig(data, "TRAIN.END_EPOCH", "5",
                "RUN.CHECKPOINT_EVERY_STEPS", "2");
        Path run = temp.resolve("run");
        // short, but well above the few seconds a JVM starting libtorch on a loaded machine may delay a renewal
        List<String> shortLease = List.of("--lease-seconds", "10");
        LocalObjectStore store = new LocalObjectStore(run);
        try (TrainerProcess holder = TrainerProcess.start(config, run, temp, "killed", Map.of("HOSTNAME", "pod-a"),
                shortLease)) {
            holder.await(() -> holder.log().contains("holding the lease"), TIMEOUT, "pod-a to hold the lease");
            try (TrainerProcess taker = TrainerProcess.start(config, run, temp, "taker", Map.of("HOSTNAME", "pod-b"),
                    shortLease)) {
                // the taker finds the run held (by a live holder, which renews) and waits
                taker.await(() -> taker.log().contains("is held by another trainer: pod-a pid " + holder.pid()),
                        TIMEOUT, "the taker to wait for pod-a's lease");
                holder.await(() -> ExactResumeTest.latestStep(run) >= 2, TIMEOUT, "a checkpoint at step 2");
                assertTrue(holder.isAlive(), "the holder still trains when it is killed:\n" + holder.log());
                holder.kill();
                assertFalse(lease(store, 1).released(), "SIGKILL: nothing ran to release the lease");

                assertEquals(ExitCodes.OK, taker.waitFor(TIMEOUT), taker.log());
                String log = taker.log();
                assertTrue(log.contains("took the run over: its lease expired at " + lease(store, 1).expires()
                        + ", not renewed by pod-a pid " + holder.pid()), log);
                assertTrue(log.contains("resumed from"), log);
            }
        }
        LeaseRecord taken = lease(store, 2);
        assertEquals("pod-b", taken.holder().host());
        Instant expired = lease(store, 1).expires(); // the killed holder's last renewal
        assertFalse(taken.acquired().isBefore(expired),
                "taken at " + taken.acquired() + ", before the killed holder's lease expired at " + expired);
        assertTrue(taken.released(), "a trainer that ends releases its lease");
    }

    /** --take-over: the new trainer holds the run at once; the old one stops before its next write and exits 7. */
    @Test
    void aTrainerWhoseRunIsTakenOverStopsAndExitsWithSeven() throws Exception {
        ExperimentConfig config = TrainingFixtures.tinyConfig(data, "TRAIN.END_EPOCH", "50",
                "RUN.CHECKPOINT_EVERY_STEPS", "2");
        Path run = temp.resolve("run");
        try (TrainerProcess old = TrainerProcess.start(config, run, temp, "old", Map.of("HOSTNAME", "pod-a"),
                List.of())) {
            old.await(() -> ExactResumeTest.latestStep(run) >= 2, TIMEOUT, "a checkpoint at step 2");
            try (TrainerProcess taker = TrainerProcess.start(config, run, temp, "taker", Map.of("HOSTNAME", "pod-b"),
                    List.of("--take-over"))) {
                assertEquals(ExitCodes.RUN_HELD, old.waitFor(TIMEOUT), old.log());
                String log = old.log();
                assertTrue(log.contains("lost the lease of file:" + run + " (token 1): another trainer took the run "
                        + "over: pod-b pid " + taker.pid()), log);
                assertTrue(log.contains("writes nothing more"), log);
                assertTrue(taker.log().contains("taken over on request (--take-over) from pod-a pid " + old.pid()),
                        taker.log());
                // the taker trains on: a checkpoint of its own after the old trainer stopped
                long stoppedAt = ExactResumeTest.latestStep(run);
                taker.await(() -> ExactResumeTest.latestStep(run) > stoppedAt, TIMEOUT, "the taker's checkpoint");
                assertEquals(2, lease(new LocalObjectStore(run), 2).token());
                taker.kill();
            }
        }
    }

    private static LeaseRecord lease(LocalObjectStore store, long token) {
        return RunJson.read(store.getBytes(RunLayout.lease(token)), LeaseRecord.class, "lease");
    }
}
