package dev.mdeq.trainer.train;

import ai.djl.pytorch.jni.JniUtils;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.Presets;
import dev.mdeq.runstore.storage.LocalObjectStore;
import dev.mdeq.data.BatchLoader;
import dev.mdeq.data.DataOrder;
import dev.mdeq.data.DataPosition;
import dev.mdeq.data.Datasets;
import dev.mdeq.data.ImageDataset;
import dev.mdeq.data.SyntheticCityscapes;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Is the training step ever starved by the data pipeline? For each case: samples/s of the
 * pipeline alone (the config's WORKERS decoding threads, no model), then a real training run of a
 * few pretraining and a few equilibrium steps, whose metrics.jsonl gives the training samples/s
 * and the fraction of time the loop waited for data.
 *
 * <pre>
 * mvn -B -pl trainer -am verify -Dgroups=benchmark -DexcludedTestGroups= \
 *     -Dtest=TrainingThroughputBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
@Tag("benchmark")
class TrainingThroughputBenchmark {
    private static final int STEPS = 4;

    @TempDir
    Path temp;

    @Test
    void dataPipelineVersusTrainingStep() throws Exception {
        ai.djl.engine.Engine.getInstance();
        JniUtils.setNumThreads(Integer.getInteger("bench.threads", 1));
        System.out.printf("%nintra-op threads %d%n", JniUtils.getNumThreads());
        System.out.printf("%-34s %10s %10s %10s %10s %10s%n", "case (batch)", "pipeline", "pretrain", "deq",
                "wait pre", "wait deq");

        List<String> fmnistOverrides = new java.util.ArrayList<>(List.of("RUN.DEVICE", "cpu"));
        String extra = System.getProperty("fmnist.overrides", "").trim();
        if (!extra.isEmpty()) {
            fmnistOverrides.addAll(List.of(extra.split("\\s+")));
        }
        ExperimentConfig fmnist = Presets.load("fashion_mnist/cls_mdeq_fmnist", fmnistOverrides);
        measure("Fashion-MNIST preset (" + fmnist.train().batchSizePerGpu() + ")", fmnist);
        if (Boolean.getBoolean("bench.fmnistOnly")) {
            return;
        }

        Path synth = temp.resolve("synth");
        LocalObjectStore store = new LocalObjectStore(synth);
        SyntheticCityscapes.generate(new SyntheticCityscapes.Spec(48, 2, 128, 256, 1), store::putBytes, 2);
        ExperimentConfig seg = Presets.load("demo/seg_mdeq_tiny", List.of("DATASET.ROOT", synth.toString(),
                "RUN.DEVICE", "cpu"));
        measure("seg demo, synthetic 128x256 (4)", seg);

        Path cifar = TrainingFixtures.cifar(temp.resolve("cifar"), 512, 8);
        ExperimentConfig cifarTiny = Presets.load("cifar/cls_mdeq_TINY", List.of("DATASET.ROOT", cifar.toString(),
                "RUN.DEVICE", "cpu", "TRAIN.BATCH_SIZE_PER_GPU", "32"));
        measure("CIFAR TINY, synthetic files (32)", cifarTiny);
    }

    private void measure(String name, ExperimentConfig config) throws Exception {
        int batch = config.train().batchSizePerGpu();
        Path root = Datasets.localRoot(config);
        ImageDataset train = Datasets.training(config, root);
        DataOrder order = DataOrder.forTraining(config, train.size(), batch);
        int workers = Math.max(1, config.workers());
        int batches = Math.min(order.batchesPerEpoch(), 12);
        double pipeline;
        try (BatchLoader loader = new BatchLoader(train, order, workers, 2 * workers);
                BatchLoader.BatchStream stream = loader.open(DataPosition.startOf(0))) {
            stream.next(); // warm-up
            long t0 = System.nanoTime();
            int samples = 0;
            for (int i = 1; i < batches && stream.hasNext(); i++) {
                samples += stream.next().size();
            }
            pipeline = samples / ((System.nanoTime() - t0) / 1e9);
        }

        ExperimentConfig short_ = dev.mdeq.config.ConfigLoader.withOverrides(config, List.of(
                "TRAIN.PRETRAIN_STEPS", Integer.toString(STEPS), "RUN.MAX_STEPS", Integer.toString(2 * STEPS),
                "PRINT_FREQ", Integer.toString(STEPS), "RUN.CHECKPOINT_EVERY_MINUTES", "0"));
        Path run = temp.resolve("run-" + name.hashCode());
        TrainingResult result = Trainer.train(new Trainer.Options(short_, "file:" + run, false,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false,
                GracefulShutdown.manual(Duration.ofSeconds(20))));
        List<MetricsRecord> lines = MetricsLog.resume(new LocalObjectStore(run), Long.MAX_VALUE, Duration.ofHours(1),
                line -> { }).records();
        MetricsRecord pre = lines.get(0);
        MetricsRecord deq = lines.get(1);
        System.out.printf("%-34s %10.1f %10.1f %10.1f %9.1f%% %9.1f%%   (%s, %d steps)%n", name, pipeline,
                pre.samplesPerSecond(), deq.samplesPerSecond(), 100 * pre.dataWait(), 100 * deq.dataWait(),
                result.outcome(), result.step());
    }
}
