package dev.mdeq.runstore.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.ObjectInfo;
import dev.mdeq.runstore.storage.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The run lease on a real store (a subclass per store), with a clock the test moves: a waiting
 * trainer's sleep advances it, so minutes of lease time take milliseconds.
 */
abstract class RunLeaseContractTest {
    static final Duration MINUTE = Duration.ofSeconds(60);

    ObjectStore run;
    final MovableClock clock = new MovableClock(Instant.parse("2026-12-06T10:00:00Z"));
    final List<String> log = Collections.synchronizedList(new ArrayList<>());

    /** A fresh, empty run folder; {@code name} is unique per test. */
    abstract ObjectStore openStore(String name);

    @BeforeEach
    void open(TestInfo info) {
        run = openStore(info.getTestMethod().orElseThrow().getName());
    }

    @AfterEach
    void close() {
        run.close();
    }

    static LeaseHolder onHost(String host) {
        return new LeaseHolder(host, 1, Instant.parse("2026-12-06T09:00:00Z"), host + "-id");
    }

    static LeaseSettings settings(Duration duration, Duration maxWait) {
        return new LeaseSettings(duration, maxWait, false);
    }

    /** Takes the lease as {@code holder}; waiting moves the clock. */
    RunLease acquire(LeaseHolder holder, LeaseSettings settings) {
        return RunLease.acquire(run, settings, holder, clock, clock::advance, log::add);
    }

    /** A sleeper for trainers that must not wait. */
    static void mustNotWait(Duration duration) {
        throw new AssertionError("the trainer waited " + duration + " where it should have decided at once");
    }

    @Test
    void theFirstTrainerTakesTokenOneAndRenewalsMoveTheExpiry() {
        RunLease lease = acquire(onHost("pod-a"), settings(MINUTE, MINUTE));
        assertEquals(1, lease.token());
        assertEquals(clock.instant().plus(MINUTE), lease.record().expires());
        LeaseRecord stored = read(1);
        assertEquals("pod-a", stored.holder().host());
        assertEquals(1, stored.holder().pid());
        assertFalse(stored.released());

        clock.advance(Duration.ofSeconds(20));
        lease.renew();
        assertEquals(clock.instant().plus(MINUTE), read(1).expires());
        lease.check();
        lease.close();
        assertTrue(read(1).released(), "close releases the lease");
    }

    @Test
    void anotherHostsTrainerWaitsAndTakesOverOnlyAfterTheLeaseExpired() {
        RunLease first = acquire(onHost("pod-a"), settings(MINUTE, MINUTE));
        Instant firstExpires = first.record().expires();
        clock.advance(Duration.ofSeconds(5));

        RunLease second = acquire(onHost("pod-b"), settings(MINUTE, Duration.ofSeconds(120)));
        assertEquals(2, second.token(), "the fencing token grows at a take-over");
        assertFalse(second.record().acquired().isBefore(firstExpires),
                "taken at " + second.record().acquired() + ", before the first lease expired at " + firstExpires);
        assertTrue(log.stream().anyMatch(l -> l.contains("held by another trainer: pod-a pid 1")), log.toString());
        assertTrue(log.stream().anyMatch(l -> l.contains("took the run over: its lease expired")), log.toString());

        // the first trainer learns it before its next write, names its successor, and stays stopped
        RunLeaseException lost = assertThrows(RunLeaseException.class, first::check);
        assertTrue(lost.getMessage().contains("another trainer took the run over: pod-b pid 1"), lost.getMessage());
        assertThrows(RunLeaseException.class, first::throwIfLost);
        first.close();
        assertFalse(read(2).released(), "the old holder's close leaves its successor's lease alone");
        second.check();
    }

    @Test
    void aRenewingHolderIsNeverTakenOverAndTheWaiterGivesUpNamingIt() {
        RunLease holder = acquire(onHost("pod-a"), settings(MINUTE, MINUTE));
        List<Duration> waits = new ArrayList<>();
        RunLeaseException refused = assertThrows(RunLeaseException.class, () -> RunLease.acquire(run,
                settings(MINUTE, Duration.ofSeconds(100)), onHost("pod-b"), clock, duration -> {
                    waits.add(duration);
                    clock.advance(duration);
                    holder.renew(); // the holder's renewer: at least every 20 s of the clock
                }, log::add));
        assertTrue(refused.getMessage().contains("held by another trainer: pod-a pid 1"), refused.getMessage());
        assertTrue(refused.getMessage().contains("waited 100 s"), refused.getMessage());
        assertTrue(waits.stream().allMatch(w -> w.compareTo(Duration.ofSeconds(10)) <= 0), waits.toString());
        assertEquals(List.of(RunLayout.lease(1)), leaseKeys(), "the refused trainer wrote nothing");
        holder.check();
    }

    @Test
    void aReleasedLeaseIsTakenAtOnce() {
        acquire(onHost("pod-a"), settings(MINUTE, MINUTE)).close();
        RunLease next = RunLease.acquire(run, settings(MINUTE, MINUTE), onHost("pod-b"), clock,
                RunLeaseContractTest::mustNotWait, log::add);
        assertEquals(2, next.token());
        assertTrue(log.stream().anyMatch(l -> l.contains("took the run over: released by pod-a")), log.toString());
    }

    @Test
    void takeOverTakesALiveLeaseAtOnceAndTheOldHolderStopsWriting() {
        RunLease old = acquire(onHost("pod-a"), settings(MINUTE, MINUTE));
        ObjectStore fenced = old.fence(run);
        fenced.putBytes("progress.json", "old".getBytes(StandardCharsets.UTF_8));

        RunLease taker = RunLease.acquire(run, new LeaseSettings(MINUTE, MINUTE, true), onHost("pod-b"), clock,
                RunLeaseContractTest::mustNotWait, log::add);
        assertEquals(2, taker.token());
        assertTrue(log.stream().anyMatch(l -> l.contains("--take-over")), log.toString());

        RunLeaseException lost = assertThrows(RunLeaseException.class,
                () -> fenced.putBytes("progress.json", "stale".getBytes(StandardCharsets.UTF_8)));
        assertTrue(lost.getMessage().contains("pod-b"), lost.getMessage());
        assertThrows(RunLeaseException.class, () -> fenced.delete("progress.json"));
        assertThrows(RunLeaseException.class, () -> fenced.publishPointer("checkpoints/LATEST", "x/"));
        assertEquals("old", new String(run.getBytes("progress.json"), StandardCharsets.UTF_8));
        assertTrue(run.stat("checkpoints/LATEST").isEmpty());
        taker.fence(run).putBytes("progress.json", "new".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aHolderWhoseOwnLeaseRanOutRenewsBeforeItWritesUnlessSomeoneTookTheRun() {
        RunLease holder = acquire(onHost("pod-a"), settings(MINUTE, MINUTE));
        clock.advance(Duration.ofSeconds(90)); // paused, or the store did not answer the renewals
        holder.fence(run).putBytes("progress.json", new byte[] {1});
        assertEquals(clock.instant().plus(MINUTE), read(1).expires(), "the write renewed the lease first");

        clock.advance(Duration.ofSeconds(90));
        RunLease taker = RunLease.acquire(run, settings(MINUTE, MINUTE), onHost("pod-b"), clock,
                RunLeaseContractTest::mustNotWait, log::add);
        assertEquals(2, taker.token());
        assertThrows(RunLeaseException.class, () -> holder.fence(run).putBytes("progress.json", new byte[] {2}));
        assertThrows(RunLeaseException.class, holder::renew);
    }

    @Test
    void aRemovedOrRewrittenLeaseObjectStopsTheHolder() {
        RunLease holder = acquire(onHost("pod-a"), settings(MINUTE, MINUTE));
        run.deleteAll(RunLayout.LEASE);
        RunLeaseException removed = assertThrows(RunLeaseException.class, holder::check);
        assertTrue(removed.getMessage().contains("was removed"), removed.getMessage());

        RunLease second = acquire(onHost("pod-b"), settings(MINUTE, MINUTE));
        run.putBytes(RunLayout.lease(second.token()), RunJson.write(LeaseRecord.taken(second.token(), onHost("pod-c"),
                clock.instant(), MINUTE)));
        RunLeaseException changed = assertThrows(RunLeaseException.class, second::check);
        assertTrue(changed.getMessage().contains("was changed by another writer"), changed.getMessage());
    }

    @Test
    void anUnreadableLeaseIsRefusedWithTheFixAndTakenOnRequest() {
        run.putBytes(RunLayout.lease(4), "{not json".getBytes(StandardCharsets.UTF_8));
        RunLeaseException refused = assertThrows(RunLeaseException.class, () -> acquire(onHost("pod-a"),
                settings(MINUTE, MINUTE)));
        assertTrue(refused.getMessage().contains(RunLayout.lease(4)) && refused.getMessage().contains("--take-over"),
                refused.getMessage());
        RunLease taken = RunLease.acquire(run, new LeaseSettings(MINUTE, MINUTE, true), onHost("pod-a"), clock,
                RunLeaseContractTest::mustNotWait, log::add);
        assertEquals(5, taken.token());
    }

    @Test
    void takeOversKeepOnlyTheLastTwoLeaseObjects() {
        for (int i = 0; i < 4; i++) {
            acquire(onHost("pod-" + i), settings(MINUTE, MINUTE)).close();
        }
        assertEquals(List.of(RunLayout.lease(3), RunLayout.lease(4)), leaseKeys());
    }

    /** The renewal thread, with the real clock: a lease of 0.6 s outlives a 1.5 s wait while its holder runs. */
    @Test
    void theRenewalThreadKeepsTheLeaseAliveUntilItIsReleased() {
        LeaseSettings shortLease = settings(Duration.ofMillis(600), Duration.ofMillis(1500));
        RunLease holder = RunLease.acquire(run, shortLease, onHost("pod-a"), Clock.systemUTC(),
                duration -> Thread.sleep(duration.toMillis()), log::add);
        holder.startRenewing();
        try {
            RunLeaseException refused = assertThrows(RunLeaseException.class, () -> RunLease.acquire(run, shortLease,
                    onHost("pod-b"), Clock.systemUTC(), duration -> Thread.sleep(duration.toMillis()), log::add));
            assertTrue(refused.getMessage().contains("pod-a"), refused.getMessage());
            holder.check();
        } finally {
            holder.close();
        }
        RunLease next = RunLease.acquire(run, shortLease, onHost("pod-b"), Clock.systemUTC(),
                RunLeaseContractTest::mustNotWait, log::add);
        assertEquals(2, next.token());
    }

    LeaseRecord read(long token) {
        return RunJson.read(run.getBytes(RunLayout.lease(token)), LeaseRecord.class, "lease");
    }

    List<String> leaseKeys() {
        return run.list(RunLayout.LEASE).stream().map(ObjectInfo::key).toList();
    }

    /** A clock the test moves by hand. */
    static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
