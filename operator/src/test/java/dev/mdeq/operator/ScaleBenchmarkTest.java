package dev.mdeq.operator;

import static org.awaitility.Awaitility.await;

import dev.mdeq.operator.api.MdeqTrainingJob;
import dev.mdeq.runstore.run.Progress;
import dev.mdeq.runstore.run.RunLayout;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * 200 MdeqTrainingJobs created at once: time until every one has its trainer Job and a status, and
 * until every status shows a heartbeat written to its run folder; heap used after GC. Prints the
 * numbers (recorded in docs/benchmarks.md), asserts nothing about time.
 *
 * <p>{@code mvn -B -pl operator -am verify -Dgroups=benchmark -DexcludedTestGroups= -Dtest=ScaleBenchmarkTest
 * -Dsurefire.failIfNoSpecifiedTests=false}
 */
@Tag("benchmark")
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class ScaleBenchmarkTest extends OperatorTestBase {
    private static final int RESOURCES = 200;


    @Test
    void twoHundredResourcesAtOnce() throws Exception {
        String ns = newNamespace();
        long heapBefore = heapAfterGc();
        Instant start = Instant.now();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<MdeqTrainingJob>> created = IntStream.range(0, RESOURCES)
                    .mapToObj(i -> pool.submit(() -> create(ns, "run-" + i, validSpec()))).toList();
            for (Future<MdeqTrainingJob> f : created) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        Duration createCalls = Duration.between(start, Instant.now());
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(200))
                .until(() -> jobs(ns).size() == RESOURCES);
        Duration allJobs = Duration.between(start, Instant.now());
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(200))
                .until(() -> client.resources(MdeqTrainingJob.class).inNamespace(ns).list().getItems().stream()
                        .filter(r -> r.getStatus() != null && r.getStatus().runUri() != null).count() == RESOURCES);
        Duration allStatus = Duration.between(start, Instant.now());

        Instant beat = Instant.now();
        for (int i = 0; i < RESOURCES; i++) {
            writeJson(ns, "run-" + i, RunLayout.PROGRESS, new Progress(Progress.Phase.TRAINING, 0, 2, 42L, 300L, 1.0,
                    null, null, 0.001, 6.0, 1e-4, 100.0, 60L, null, null, null, Instant.now()));
        }
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(200))
                .until(() -> client.resources(MdeqTrainingJob.class).inNamespace(ns).list().getItems().stream()
                        .filter(r -> r.getStatus() != null && r.getStatus().progress() != null
                                && Long.valueOf(42).equals(r.getStatus().progress().step())).count() == RESOURCES);
        Duration allProgress = Duration.between(beat, Instant.now());
        long heapAfter = heapAfterGc();

        System.out.printf(Locale.ROOT, "%nOPERATOR SCALE BENCHMARK (%d resources, poll interval 500 ms)%n", RESOURCES);
        System.out.printf(Locale.ROOT, "  create calls done           %6.2f s%n", createCalls.toMillis() / 1000.0);
        System.out.printf(Locale.ROOT, "  every trainer Job created   %6.2f s%n", allJobs.toMillis() / 1000.0);
        System.out.printf(Locale.ROOT, "  every status written        %6.2f s%n", allStatus.toMillis() / 1000.0);
        System.out.printf(Locale.ROOT, "  every heartbeat in status   %6.2f s after writing them%n", allProgress.toMillis() / 1000.0);
        System.out.printf(Locale.ROOT, "  heap used after GC          %6.1f MiB before, %6.1f MiB after (+%.1f MiB; JVM holds "
                + "operator, mock API server and test)%n", heapBefore / 1048576.0, heapAfter / 1048576.0,
                (heapAfter - heapBefore) / 1048576.0);
    }

    private static long heapAfterGc() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
