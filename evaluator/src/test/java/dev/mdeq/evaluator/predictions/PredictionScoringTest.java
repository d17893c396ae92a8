package dev.mdeq.evaluator.predictions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mdeq.evaluator.image.LabelImage;
import dev.mdeq.evaluator.image.LabelPngs;
import dev.mdeq.metrics.ConfusionMatrix;
import dev.mdeq.evaluator.report.EvalReport;
import dev.mdeq.evaluator.results.EvalLayout;
import dev.mdeq.evaluator.results.SkippedItem;
import dev.mdeq.evaluator.shard.EvaluationDriver;
import dev.mdeq.evaluator.shard.ShardMerger;
import dev.mdeq.evaluator.shard.ShardSpec;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.run.Progress;
import dev.mdeq.runstore.run.ReportSummary;
import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.LocalObjectStore;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.testing.S3TestServer;
import dev.mdeq.data.CityscapesLabels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PredictionScoringTest {
    @TempDir
    Path dir;

    private CityscapesFixture data;
    private ObjectStore truth;
    private ObjectStore preds;
    private ObjectStore images;
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    @BeforeEach
    void writeData() {
        data = new CityscapesFixture(7, 42);
        truth = new LocalObjectStore(dir.resolve("cityscapes"));
        preds = new LocalObjectStore(dir.resolve("results"));
        images = new LocalObjectStore(dir.resolve("cityscapes"));
        data.writeTruth(truth);
        data.writePredictions(preds);
        data.writeImages(images);
    }

    private Consumer<EvaluationDriver.Builder> quiet() {
        return b -> b.progress(p -> p.console(false).out(new PrintStream(log, true, StandardCharsets.UTF_8)));
    }

    private EvaluationDriver.Result score(ObjectStore runStore, String evalId, ShardSpec shard, boolean skipBad) {
        return new PredictionScoring(preds, truth.child("gtFine/val"), images, runStore)
                .run(new PredictionScoring.Settings(evalId, shard, skipBad, 3), quiet());
    }

    @Test
    void scoresLikeAPixelByPixelCountAndWritesTheReport() throws IOException {
        ObjectStore run = new LocalObjectStore(dir.resolve("run"));
        EvalReport r = score(run, "val", ShardSpec.WHOLE, false).report();

        ConfusionMatrix expected = data.expectedMatrix(data.stems);
        assertArrayEquals(expected.rows(), r.confusionMatrix().rows());
        assertEquals(expected.ignored(), r.pixels().ignored());
        assertTrue(r.pixels().voidPredictions() > 0, "the fixture predicts some void pixels");
        // float64 re-computation of the benchmark mIoU from the independent matrix
        double sum = 0;
        int n = 0;
        for (int c = 0; c < 19; c++) {
            long tp = expected.count(c, c);
            long row = Arrays.stream(expected.rows()[c]).sum();
            long col = 0;
            for (int t = 0; t < 19; t++) {
                col += expected.count(t, c);
            }
            if (row + col - tp > 0) {
                sum += (double) tp / (row + col - tp);
                n++;
            }
        }
        assertEquals(100 * sum / n, r.miou(), 1e-9);
        assertEquals(7L, r.samples());
        assertEquals("predictions", r.source());
        assertEquals(preds.root().toString(), r.checkpoint());
        assertNull(r.solver(), "no model ran");

        // every output is in the run folder
        ReportSummary summary = RunJson.read(run.getBytes(RunLayout.report("val")), ReportSummary.class, "report");
        assertEquals(r.miou(), summary.miou(), 1e-12);
        assertEquals("eval/val/report.html", summary.reportHtml());
        String html = new String(run.getBytes(RunLayout.reportHtml("val")), StandardCharsets.UTF_8);
        assertTrue(html.contains("data:image/jpeg;base64,"), "sample overlays are embedded");
        assertTrue(html.contains("ground truth"));
        assertTrue(run.stat(EvalLayout.classesCsv("val")).isPresent());
        Progress progress = RunJson.read(run.getBytes(RunLayout.evalProgress("val")), Progress.class, "progress");
        assertEquals(Progress.Phase.SUCCEEDED, progress.phase());
        assertEquals(7L, progress.step());
        // 3 samples: overlay + prediction + truth each
        assertEquals(9, run.list(EvalLayout.samples("val")).size());
        JsonNode logLine = RunJson.mapper().readTree(log.toString(StandardCharsets.UTF_8).split("\n")[0]);
        assertEquals("started", logLine.get("event").asText());
    }

    @Test
    void shardedAndMergedEqualsUnshardedExactly() throws IOException {
        // some bad inputs, skipped and counted, so the skip lists are merged too
        preds.putBytes("extra/berlin_000000_000001_leftImg8bit.png", LabelPngs.writeGrey(new LabelImage(2, 2,
                new byte[4])));
        preds.delete("lindau/" + data.stems.get(3) + "_leftImg8bit.png");
        preds.putBytes("frankfurt/" + data.stems.get(4) + "_leftImg8bit.png", new byte[] {1, 2, 3});

        ObjectStore whole = new LocalObjectStore(dir.resolve("whole"));
        score(whole, "e", ShardSpec.WHOLE, true);
        ObjectStore sharded = new LocalObjectStore(dir.resolve("sharded"));
        for (int i = 0; i < 3; i++) {
            EvaluationDriver.Result partial = score(sharded, "e", new ShardSpec(i, 3), true);
            assertNull(partial.report());
            assertEquals(RunLayout.shardPartial("e", i, 3), partial.partialKey());
        }
        assertTrue(sharded.stat(RunLayout.report("e")).isEmpty(), "no report before the merge");
        EvalReport merged = new ShardMerger(sharded).mergeAndWrite("e", 3);
        assertEquals(3, merged.shards());

        JsonNode a = comparable(whole.getBytes(RunLayout.report("e")));
        JsonNode b = comparable(sharded.getBytes(RunLayout.report("e")));
        assertEquals(a, b);
        assertEquals(5, merged.samples());
        assertEquals(1L, merged.skipped().counts().get(SkippedItem.Kind.EXTRA_PREDICTION));
        assertEquals(1L, merged.skipped().counts().get(SkippedItem.Kind.MISSING_PREDICTION));
        assertEquals(1L, merged.skipped().counts().get(SkippedItem.Kind.CORRUPT));
        assertArrayEquals(data.expectedMatrix(List.of(data.stems.get(0), data.stems.get(1), data.stems.get(2),
                data.stems.get(5), data.stems.get(6))).rows(), merged.confusionMatrix().rows());
    }

    /** The report without what legitimately differs between runs: times and the shard count. */
    private static JsonNode comparable(byte[] json) throws IOException {
        ObjectNode tree = (ObjectNode) RunJson.mapper().readTree(json);
        tree.remove(List.of("timings", "createdAt", "shards"));
        for (JsonNode image : (ArrayNode) tree.get("images")) {
            ((ObjectNode) image).remove(List.of("decodeNanos", "inferenceNanos", "metricsNanos", "writeNanos"));
        }
        return tree;
    }

    @Test
    void mergeRefusesIncompleteSets() {
        ObjectStore run = new LocalObjectStore(dir.resolve("run"));
        score(run, "e", new ShardSpec(0, 3), false);
        score(run, "e", new ShardSpec(2, 3), false);
        score(run, "e", new ShardSpec(1, 2), false);
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> new ShardMerger(run).mergeAndWrite("e", 3));
        assertTrue(e.getMessage().contains("missing: shard 1 "), e.getMessage());
        assertTrue(e.getMessage().contains("2-shard run (shard 1)"), e.getMessage());
        InvalidInputException none = assertThrows(InvalidInputException.class,
                () -> new ShardMerger(run).mergeAndWrite("e", 4));
        assertTrue(none.getMessage().contains("shard 0, 1, 2, 3"), none.getMessage());
    }

    @Test
    void mergeRefusesShardsOfDifferentEvaluations() {
        ObjectStore run = new LocalObjectStore(dir.resolve("run"));
        score(run, "e", new ShardSpec(0, 2), false);
        ObjectStore otherPreds = new LocalObjectStore(dir.resolve("other-results"));
        data.writePredictions(otherPreds);
        new PredictionScoring(otherPreds, truth.child("gtFine/val"), null, run)
                .run(new PredictionScoring.Settings("e", new ShardSpec(1, 2), false, 3), quiet());
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> new ShardMerger(run).mergeAndWrite("e", 2));
        assertTrue(e.getMessage().contains("shard 1 evaluated something else than shard 0"), e.getMessage());
        assertTrue(e.getMessage().contains("checkpoint (shard 0: " + preds.root()), e.getMessage());
        assertFalse(e.getMessage().contains("dataset ("), "only differing fields are named: " + e.getMessage());
    }

    @Test
    void badInputsFailByDefaultNamingTheFiles() {
        ObjectStore run = new LocalObjectStore(dir.resolve("run"));
        String missing = data.stems.get(2);
        preds.delete("frankfurt/" + missing + "_leftImg8bit.png");
        preds.putBytes("zurich_000001_000002_pred.png", LabelPngs.writeGrey(new LabelImage(2, 2, new byte[4])));
        InvalidInputException pairing = assertThrows(InvalidInputException.class,
                () -> score(run, "e", ShardSpec.WHOLE, false));
        assertTrue(pairing.getMessage().contains("have no prediction in " + preds.root() + ": " + missing),
                pairing.getMessage());
        assertTrue(pairing.getMessage().contains("match no ground truth: zurich_000001_000002_pred.png"),
                pairing.getMessage());
        assertTrue(pairing.getMessage().contains("--skip-bad"), pairing.getMessage());
        assertTrue(run.stat(RunLayout.report("e")).isEmpty(), "nothing written on failure");

        data.writePredictions(preds);
        preds.delete("zurich_000001_000002_pred.png");
        String small = data.stems.get(1);
        preds.putBytes("lindau/" + small + "_leftImg8bit.png", LabelPngs.writeGrey(new LabelImage(32, 16,
                new byte[32 * 16])));
        InvalidInputException size = assertThrows(InvalidInputException.class,
                () -> score(run, "e", ShardSpec.WHOLE, false));
        assertTrue(size.getMessage().contains(small + "_leftImg8bit.png is 32x16 but its ground truth "),
                size.getMessage());
        assertTrue(size.getMessage().endsWith(small + "_gtFine_labelIds.png is 64x32"), size.getMessage());
        Progress failed = RunJson.read(run.getBytes(RunLayout.evalProgress("e")), Progress.class, "progress");
        assertEquals(Progress.Phase.FAILED, failed.phase());

        EvalReport skipped = score(run, "e", ShardSpec.WHOLE, true).report();
        assertEquals(1L, skipped.skipped().counts().get(SkippedItem.Kind.SIZE_MISMATCH));
        assertEquals(6L, skipped.samples());
        String html = new String(run.getBytes(RunLayout.reportHtml("e")), StandardCharsets.UTF_8);
        assertTrue(html.contains("size mismatch: 1"), "the page says what was skipped");

        preds.putBytes("frankfurt/" + data.stems.get(0) + "_color.png", new byte[10]);
        InvalidInputException dup = assertThrows(InvalidInputException.class,
                () -> score(run, "e", ShardSpec.WHOLE, false));
        assertTrue(dup.getMessage().contains("more than one prediction: " + data.stems.get(0)), dup.getMessage());
    }

    @Test
    void corruptGroundTruthNamesTheFile() {
        ObjectStore run = new LocalObjectStore(dir.resolve("run"));
        String stem = data.stems.get(0);
        String key = "gtFine/val/frankfurt/" + stem + "_gtFine_labelIds.png";
        byte[] good = truth.getBytes(key);
        truth.putBytes(key, Arrays.copyOf(good, good.length - 30));
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> score(run, "e", ShardSpec.WHOLE, false));
        assertTrue(e.getMessage().startsWith(truth.root().resolve(key) + ": corrupt PNG"), e.getMessage());
    }

    @Test
    void noGroundTruthIsAClearError() {
        ObjectStore run = new LocalObjectStore(dir.resolve("run"));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> new PredictionScoring(preds,
                preds, null, run).run(new PredictionScoring.Settings("e", ShardSpec.WHOLE, false, 0), quiet()));
        assertTrue(e.getMessage().contains("no ground truth found: " + preds.root()), e.getMessage());
    }

    @Test
    void worksThroughS3() {
        try (S3TestServer s3 = S3TestServer.start();
                ObjectStore s3Truth = s3.open("cityscapes");
                ObjectStore s3Preds = s3.open("results/run1");
                ObjectStore s3Run = s3.open("runs/ns/job")) {
            data.writeTruth(s3Truth);
            data.writePredictions(s3Preds);
            s3Run.putBytes(RunLayout.METRICS, "{\"step\":1,\"loss\":2.0}\n{\"step\":2,\"loss\":1.0}\n"
                    .getBytes(StandardCharsets.UTF_8));
            new PredictionScoring(s3Preds, s3Truth, null, s3Run)
                    .run(new PredictionScoring.Settings("s3", new ShardSpec(0, 2), false, 2), quiet());
            new PredictionScoring(s3Preds, s3Truth, null, s3Run)
                    .run(new PredictionScoring.Settings("s3", new ShardSpec(1, 2), false, 2), quiet());
            EvalReport r = new ShardMerger(s3Run).mergeAndWrite("s3", 2);
            assertArrayEquals(data.expectedMatrix(data.stems).rows(), r.confusionMatrix().rows());
            ReportSummary summary = RunJson.read(s3Run.getBytes(RunLayout.report("s3")), ReportSummary.class,
                    "report.json");
            assertEquals(r.miou(), summary.miou(), 1e-12);
            assertEquals(List.of("loss"), r.trainingCurves().fields());
            assertNotNull(s3Run.stat(RunLayout.reportHtml("s3")).orElse(null));
            assertEquals(CityscapesLabels.NAMES.size() + 1, r.confusionMatrix().labels().size());
        }
    }
}
