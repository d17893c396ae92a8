package dev.mdeq.trainer.train;

import ai.djl.pytorch.jni.JniUtils;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.Presets;
import dev.mdeq.runstore.storage.LocalObjectStore;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real-data result: the Fashion-MNIST preset trained on the CPU with two intra-op threads,
 * validated on the 10000 test images after every epoch; prints the wall and CPU time, the test
 * accuracy per epoch and the learning curve (metrics.jsonl). Needs
 * {@code apt-get install dataset-fashion-mnist}.
 *
 * <pre>
 * mvn -B -pl trainer -am verify -Dgroups=benchmark -DexcludedTestGroups= \
 *     -Dtest=FashionMnistBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 * Extra overrides: {@code -Dfmnist.overrides="TRAIN.END_EPOCH 3"}.
 */
@Tag("benchmark")
class FashionMnistBenchmark {
    @TempDir
    Path temp;

    @Test
    void presetAccuracyWithinTheCpuBudget() throws Exception {
        ai.djl.engine.Engine.getInstance(); // loads the native library
        JniUtils.setNumThreads(Integer.getInteger("bench.threads", 1));
        List<String> overrides = new ArrayList<>(List.of("RUN.DEVICE", "cpu", "RUN.CHECKPOINT_EVERY_MINUTES", "0"));
        String extra = System.getProperty("fmnist.overrides", "").trim();
        if (!extra.isEmpty()) {
            overrides.addAll(List.of(extra.split("\\s+")));
        }
        ExperimentConfig config = Presets.load("fashion_mnist/cls_mdeq_fmnist", overrides);
        Path run = temp.resolve("run");
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        TrainingResult result = Trainer.train(new Trainer.Options(config, "file:" + run, false,
                new PrintStream(System.out, true, StandardCharsets.UTF_8), false,
                GracefulShutdown.manual(Duration.ofSeconds(20))));
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = (processCpuNanos() - cpu0) / 1e9;
        System.out.printf("%nFashion-MNIST preset: %s after %d steps; wall %.0f s, process CPU %.0f s (%.2f cores)%n",
                result.outcome(), result.step(), wall, cpu, cpu / wall);
        System.out.printf("best test accuracy (top-1): %.2f %%%n", result.bestMetric());
        String metrics = new String(new LocalObjectStore(run).getBytes("metrics.jsonl"), StandardCharsets.UTF_8);
        System.out.println("metrics.jsonl:");
        System.out.print(metrics);
        Files.writeString(Path.of(System.getProperty("java.io.tmpdir"), "fmnist-metrics.jsonl"), metrics);
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
