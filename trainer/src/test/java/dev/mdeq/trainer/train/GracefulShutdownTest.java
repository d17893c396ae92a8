package dev.mdeq.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GracefulShutdownTest {

    @Test
    void aRealSigtermBecomesARequestInsteadOfEndingTheJvm() throws Exception {
        try (GracefulShutdown shutdown = GracefulShutdown.install(Duration.ofSeconds(20))) {
            assertFalse(shutdown.requested());
            AtomicInteger notified = new AtomicInteger();
            shutdown.onRequest(notified::incrementAndGet);
            Process kill = new ProcessBuilder("kill", "-TERM", Long.toString(ProcessHandle.current().pid())).start();
            assertEquals(0, kill.waitFor());
            assertTrue(shutdown.awaitRequest(Duration.ofSeconds(10)), "the SIGTERM handler ran");
            assertEquals("SIGTERM", shutdown.reason());
            assertEquals(1, notified.get());
            Duration remaining = shutdown.remaining();
            assertTrue(remaining.compareTo(Duration.ofSeconds(20)) < 0 && remaining.compareTo(Duration.ofSeconds(10)) > 0,
                    remaining.toString());
        }
    }

    @Test
    void onlyTheFirstRequestCountsAndLateListenersRunAtOnce() {
        GracefulShutdown shutdown = GracefulShutdown.manual(Duration.ofMillis(50));
        assertEquals(Duration.ofMillis(50), shutdown.remaining());
        AtomicInteger early = new AtomicInteger();
        shutdown.onRequest(early::incrementAndGet);
        shutdown.request("first");
        shutdown.request("second");
        assertEquals("first", shutdown.reason());
        assertEquals(1, early.get());
        AtomicInteger late = new AtomicInteger();
        shutdown.onRequest(late::incrementAndGet);
        assertEquals(1, late.get());
        long until = System.nanoTime() + Duration.ofMillis(200).toNanos();
        while (System.nanoTime() < until && !shutdown.remaining().isZero()) {
            Thread.onSpinWait();
        }
        assertTrue(shutdown.remaining().isZero());
    }
}
