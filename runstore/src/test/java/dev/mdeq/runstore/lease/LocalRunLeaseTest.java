package dev.mdeq.runstore.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.LocalObjectStore;
import dev.mdeq.runstore.storage.ObjectStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lease on a local folder (what {@code mdeq train} and {@code mdeq demo} use on one machine),
 * plus what only one machine can tell: whether a holder's process still runs.
 */
class LocalRunLeaseTest extends RunLeaseContractTest {
    @TempDir
    Path temp;

    @Override
    ObjectStore openStore(String name) {
        return new LocalObjectStore(temp.resolve(name));
    }

    /** A trainer of this machine whose process still runs is refused at once, named by pid. */
    @Test
    void aLiveProcessOnThisMachineIsRefusedAtOnce() {
        LeaseHolder thisProcess = LeaseHolder.current();
        RunLease holder = RunLease.acquire(run, settings(MINUTE, MINUTE), thisProcess, clock,
                RunLeaseContractTest::mustNotWait, log::add);
        LeaseHolder secondTrainer = LeaseHolder.current(); // same host and process, another lease taker
        RunLeaseException refused = assertThrows(RunLeaseException.class, () -> RunLease.acquire(run,
                settings(MINUTE, MINUTE), secondTrainer, clock, RunLeaseContractTest::mustNotWait, log::add));
        assertTrue(refused.getMessage().contains("being trained by another process on this machine: "
                + thisProcess.host() + " pid " + ProcessHandle.current().pid()), refused.getMessage());
        holder.check();
    }

    /** A killed trainer of this machine (its pid gone) is taken over at once: a restart resumes without waiting. */
    @Test
    void anEndedProcessOnThisMachineIsTakenOverAtOnce() throws Exception {
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        LeaseHolder me = LeaseHolder.current();
        LeaseHolder killed = new LeaseHolder(me.host(), ended.pid(), Instant.now(), "killed");
        RunLease.acquire(run, settings(MINUTE, MINUTE), killed, clock, RunLeaseContractTest::mustNotWait, log::add);

        RunLease restarted = RunLease.acquire(run, settings(MINUTE, MINUTE), me, clock,
                RunLeaseContractTest::mustNotWait, log::add);
        assertEquals(2, restarted.token());
        assertTrue(log.stream().anyMatch(l -> l.contains("on this machine, has ended")), log.toString());
    }

    /**
     * A container restarted in the same pod: same host name, and often the same pid (1) as the
     * killed process, but a later start: that is another process, and the old one has ended.
     */
    @Test
    void theSamePidWithAnotherStartTimeIsAnEndedProcess() {
        LeaseHolder me = LeaseHolder.current();
        LeaseHolder earlierIncarnation = new LeaseHolder(me.host(), me.pid(),
                me.processStart().minus(Duration.ofMinutes(10)), "before-restart");
        RunLease.acquire(run, settings(MINUTE, MINUTE), earlierIncarnation, clock,
                RunLeaseContractTest::mustNotWait, log::add);
        RunLease restarted = RunLease.acquire(run, settings(MINUTE, MINUTE), me, clock,
                RunLeaseContractTest::mustNotWait, log::add);
        assertEquals(2, restarted.token());
    }

    /** Eight trainers racing for a free run: exactly one holds it, the others name that one. */
    @Test
    void ofTrainersRacingForAFreeRunExactlyOneWins() throws Exception {
        for (int round = 0; round < 10; round++) {
            ObjectStore folder = openStore("race-" + round);
            int trainers = 8;
            CyclicBarrier start = new CyclicBarrier(trainers);
            ExecutorService pool = Executors.newFixedThreadPool(trainers);
            try {
                List<Future<RunLease>> results = new ArrayList<>();
                for (int t = 0; t < trainers; t++) {
                    LeaseHolder holder = onHost("pod-" + t);
                    results.add(pool.submit(() -> {
                        start.await();
                        return RunLease.acquire(folder, settings(MINUTE, Duration.ZERO), holder, clock,
                                RunLeaseContractTest::mustNotWait, line -> { });
                    }));
                }
                int winners = 0;
                for (Future<RunLease> result : results) {
                    try {
                        assertEquals(1, result.get().token());
                        winners++;
                    } catch (java.util.concurrent.ExecutionException e) {
                        assertTrue(e.getCause() instanceof RunLeaseException, e.toString());
                        assertTrue(e.getCause().getMessage().contains("held by another trainer: pod-"),
                                e.getCause().getMessage());
                    }
                }
                assertEquals(1, winners, "round " + round);
                assertEquals(List.of(RunLayout.lease(1)), folder.list(RunLayout.LEASE).stream()
                        .map(dev.mdeq.runstore.storage.ObjectInfo::key).toList());
            } finally {
                pool.shutdown();
            }
        }
    }
}
