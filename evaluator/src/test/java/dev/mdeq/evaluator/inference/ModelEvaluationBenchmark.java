package dev.mdeq.evaluator.inference;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.Presets;
import dev.mdeq.evaluator.report.EvalReport;
import dev.mdeq.evaluator.shard.ShardSpec;
import dev.mdeq.runstore.storage.LocalObjectStore;
import dev.mdeq.runstore.storage.ObjectStore;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End-to-end model evaluation of the demo presets on CPU (a fresh model's checkpoint in a local
 * run folder, synthetic data in the real formats): images/s and where the time goes (decode,
 * inference, metrics, writes). Each variant runs once on 2 images to warm up, then timed. Prints
 * numbers; asserts nothing about time. Threads: {@code -Dbench.threads=N} (default 2).
 */
@Tag("benchmark")
class ModelEvaluationBenchmark {
    @TempDir
    Path dir;

    private static final PrintStream SINK = new PrintStream(OutputStream.nullOutputStream());

    @Test
    void endToEnd() throws IOException {
        ai.djl.engine.Engine.getInstance();
        JniUtils.setNumThreads(Integer.getInteger("bench.threads", 2));
        List<String> rows = new ArrayList<>();
        Path demo = ModelRuns.cityscapes(dir.resolve("demo-data"), 16, 256, 512);
        rows.add(segmentation("demo/seg_mdeq_tiny, 16 images 256x512", demo, 16));
        rows.add(segmentation("  + TEST.FLIP_TEST", demo, 16, "TEST.FLIP_TEST", "true"));
        rows.add(segmentation("  + MULTI_SCALE [0.75,1,1.25] (BASE_SIZE 256)", demo, 16, "TEST.MULTI_SCALE", "true",
                "TEST.SCALE_LIST", "[0.75,1.0,1.25]"));
        Path full = ModelRuns.cityscapes(dir.resolve("full-data"), 4, 1024, 2048);
        rows.add(segmentation("demo/seg_mdeq_tiny, 4 images 1024x2048", full, 4));
        rows.add(classification());
        System.out.printf(Locale.ROOT, "%nmodel evaluation on CPU, %d PyTorch threads, WORKERS 2 decode threads%n",
                Integer.getInteger("bench.threads", 2));
        System.out.println("| variant | images/s (items) | images/s (whole command) | decode | inference | metrics "
                + "| writes | per image |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
    }

    private String segmentation(String name, Path data, int images, String... overrides) throws IOException {
        List<String> all = new ArrayList<>(List.of("DATASET.ROOT", data.toString()));
        all.addAll(List.of(overrides));
        ExperimentConfig config = Presets.load("demo/seg_mdeq_tiny", all);
        return measure(name, config, images);
    }

    private String classification() throws IOException {
        Path data = ModelRuns.cifar(dir.resolve("cifar"), 2048, 1);
        ExperimentConfig config = Presets.load("demo/cls_mdeq_tiny", List.of("DATASET.ROOT", data.toString()));
        return measure("demo/cls_mdeq_tiny, 2048 CIFAR images, batch 32", config, 2048);
    }

    private String measure(String name, ExperimentConfig config, int images) throws IOException {
        ObjectStore run = new LocalObjectStore(dir.resolve("run-" + Math.abs(name.hashCode())));
        ModelRuns.writeConfig(run, config);
        ModelRuns.checkpoint(run, config, 0, 1, dir.resolve("tmp"));
        ModelSource source = ModelSource.resolve(run, null, null, null, line -> { });
        ExperimentConfig warmConfig = dev.mdeq.config.ConfigLoader.withOverrides(config,
                List.of("TEST.NUM_SAMPLES", "2"));
        new ModelEvaluation(run, warmConfig, source, Device.cpu())
                .run(new ModelEvaluation.Settings("warm", "val", ShardSpec.WHOLE, false, 0), b -> b.progress(p ->
                        p.console(false).out(SINK)));
        long t0 = System.nanoTime();
        EvalReport r = new ModelEvaluation(run, config, source, Device.cpu())
                .run(new ModelEvaluation.Settings("bench", "val", ShardSpec.WHOLE, false, 3), b -> b.progress(p ->
                        p.console(false).out(SINK))).report();
        double total = (System.nanoTime() - t0) / 1e9;
        EvalReport.Timings t = r.timings();
        double sum = t.decodeSeconds() + t.inferenceSeconds() + t.metricsSeconds() + t.writeSeconds();
        return String.format(Locale.ROOT, "| %s | %.2f | %.2f | %s | %s | %s | %s | %.1f ms |", name,
                images / t.wallSeconds(), images / total, share(t.decodeSeconds(), sum), share(t.inferenceSeconds(), sum),
                share(t.metricsSeconds(), sum), share(t.writeSeconds(), sum), 1000 * sum / images);
    }

    private static String share(double part, double sum) {
        return String.format(Locale.ROOT, "%.0f %%", 100 * part / sum);
    }
}
