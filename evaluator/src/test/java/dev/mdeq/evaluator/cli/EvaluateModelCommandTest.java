package dev.mdeq.evaluator.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.evaluator.inference.ModelRuns;
import dev.mdeq.evaluator.report.EvalReport;
import dev.mdeq.model.kernels.NativeKernels;
import dev.mdeq.evaluator.results.ImageStats;
import dev.mdeq.evaluator.results.SkippedItem;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.run.Progress;
import dev.mdeq.runstore.run.ReportSummary;
import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.LocalObjectStore;
import dev.mdeq.runstore.storage.ObjectInfo;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.storage.ObjectStores;
import dev.mdeq.runstore.testing.S3TestServer;
import dev.mdeq.data.Cifar10Dataset;
import dev.mdeq.data.CityscapesLabels;
import dev.mdeq.data.DataRandom;
import dev.mdeq.data.Sample;
import dev.mdeq.model.MdeqModel;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code mdeq evaluate --run URI}, end to end: a run folder (local and on S3 through the real
 * protocol) with the tiny demo presets' config and checkpoints written by the checkpoint store, data
 * sets in their real file formats, the real model. Numbers are checked against independent
 * recomputations (from the written prediction PNGs, or from the model's logits counted here).
 */
class EvaluateModelCommandTest {
    private static final int IMAGES = 4;

    @TempDir
    static Path shared;
    @TempDir
    Path temp;

    private static Path cityscapes;

    @BeforeAll
    static void data() {
        cityscapes = ModelRuns.cityscapes(shared.resolve("cityscapes"), IMAGES);
    }

    /** What a command did: exit code, output, and the exception it failed with (if any). */
    private record Outcome(int code, String out, String err, Exception error) {
    }

    private static Outcome evaluate(String... args) {
        CommandLine cmd = new CommandLine(new EvaluateCommand());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        Exception[] thrown = new Exception[1];
        cmd.setExecutionExceptionHandler((ex, c, parsed) -> {
            thrown[0] = ex;
            return 3;
        });
        int code = cmd.execute(args);
        return new Outcome(code, out.toString(), err.toString(), thrown[0]);
    }

    private static Outcome ok(String... args) {
        Outcome o = evaluate(args);
        assertEquals(0, o.code(), o.err() + (o.error() == null ? "" : o.error().toString()));
        return o;
    }

    private static EvalReport report(ObjectStore run, String evalId) {
        return RunJson.read(run.getBytes(RunLayout.report(evalId)), EvalReport.class, "report.json");
    }

    /** A run folder with two checkpoints (steps 3 and 5, different weights), BEST -> step 3. */
    private ObjectStore segmentationRun(Path folder, String... overrides) throws IOException {
        LocalObjectStore run = new LocalObjectStore(folder);
        ExperimentConfig config = ModelRuns.segmentation(cityscapes, overrides);
        ModelRuns.writeConfig(run, config);
        // seed 2: a random model whose predictions hit a few classes of the synthetic scenes
        ModelRuns.best(run, ModelRuns.checkpoint(run, config, 2, 3, temp));
        ModelRuns.checkpoint(run, config, 1, 5, temp);
        return run;
    }

    @Test
    void segmentationReportMatchesThePredictionPngsItWrote() throws Exception {
        Path runDir = temp.resolve("run");
        ObjectStore run = segmentationRun(runDir);
        Outcome o = ok("--run", "file:" + runDir, "--samples", "2", "--progress", "log");
        assertTrue(o.out().contains("mIoU ") && o.out().contains(IMAGES + " images"), o.out());
        assertTrue(o.out().contains("report: file:" + runDir + "/eval/best-val/report.html"), o.out());
        assertTrue(o.err().contains("evaluating checkpoint " + RunLayout.checkpointFolder(3)), o.err());

        ReportSummary summary = RunJson.read(run.getBytes(RunLayout.report("best-val")), ReportSummary.class, "report");
        assertEquals("best-val", summary.evalId());
        assertEquals("segmentation", summary.task());
        assertEquals(RunLayout.checkpointFolder(3), summary.checkpoint());
        assertEquals(IMAGES, summary.samples());
        EvalReport report = report(run, "best-val");
        assertEquals("BEST pointer (default)", report.options().get("checkpoint selected by"));
        assertEquals("model", report.source());
        assertEquals(NativeKernels.status().recorded(), report.kernels(), "the checked kernel set is recorded");

        // Independent count: labelId predictions vs gtFine label ids, both mapped to train ids here.
        long[][] confusion = new long[19][20];
        List<ObjectInfo> predictions = run.list("eval/best-val/predictions/labelIds/");
        assertEquals(IMAGES, predictions.size());
        for (ObjectInfo info : predictions) {
            String name = info.key().substring(info.key().lastIndexOf('/') + 1);
            String stem = name.substring(0, name.length() - "_leftImg8bit.png".length());
            String city = stem.substring(0, stem.indexOf('_'));
            int[] pred = grey(run.getBytes(info.key()));
            int[] truth = grey(Files.readAllBytes(cityscapes.resolve("cityscapes/gtFine/val/" + city + "/" + stem
                    + "_gtFine_labelIds.png")));
            assertEquals(ModelRuns.HEIGHT * ModelRuns.WIDTH, pred.length);
            for (int i = 0; i < pred.length; i++) {
                int t = CityscapesLabels.trainId(truth[i]);
                int p = CityscapesLabels.trainId(pred[i]);
                if (t != 255) {
                    confusion[t][p == 255 ? 19 : p]++;
                }
            }
            assertTrue(run.stat("eval/best-val/predictions/color/" + city + "/" + stem + "_color.png").isPresent());
        }
        double sum = 0;
        double sumReference = 0;
        int defined = 0;
        for (int c = 0; c < 19; c++) {
            long tp = confusion[c][c];
            long fn = -tp;
            long fp = -tp;
            for (int j = 0; j < 20; j++) {
                fn += confusion[c][j];
            }
            for (int i = 0; i < 19; i++) {
                fp += confusion[i][c];
            }
            if (tp + fp + fn > 0) {
                sum += (double) tp / (tp + fp + fn);
                defined++;
            }
            sumReference += (double) tp / Math.max(1, tp + fp + fn);
        }
        assertTrue(report.miou() > 0 && defined > 2, "a test with nothing predicted right would show little");
        assertEquals(100 * sum / defined, report.miou(), 1e-9);
        assertEquals(100 * sumReference / 19, report.miouReference(), 1e-9);
        for (int c = 0; c < 19; c++) {
            assertArrayEquals(confusion[c], report.confusionMatrix().rows()[c], "row " + c);
        }

        // The benchmark-style scoring of the same PNGs agrees.
        Path scored = temp.resolve("scored");
        ok("predictions", "--pred", runDir.resolve("eval/best-val/predictions/labelIds").toString(), "--gt",
                cityscapes.resolve("cityscapes/gtFine/val").toString(), "--out", scored.toString(), "--progress", "log");
        EvalReport rescored = report(new LocalObjectStore(scored), "predictions");
        assertEquals(report.miou(), rescored.miou(), 1e-12);
        assertNull(rescored.kernels(), "scoring files computes nothing natively");
        assertEquals(report.pixelAccuracy(), rescored.pixelAccuracy(), 1e-12);

        // Per image: one forward solve with its statistics; timings measured; 2 sample images with pictures.
        for (ImageStats image : report.images()) {
            assertEquals(1, image.solves().size(), image.name());
            assertTrue(image.solves().get(0).steps() > 0 && image.solves().get(0).absResidual() != null);
            assertNotNull(image.solves().get(0).stopReason());
            assertTrue(image.inferenceNanos() > 0 && image.decodeNanos() > 0 && image.writeNanos() > 0);
        }
        assertEquals(IMAGES, report.solver().solves());
        assertEquals(6, run.list("eval/best-val/samples/").size(), "2 samples x (overlay, prediction, truth)");
        Progress progress = RunJson.read(run.getBytes(RunLayout.evalProgress("best-val")), Progress.class, "progress");
        assertEquals(Progress.Phase.SUCCEEDED, progress.phase());
        assertTrue(run.stat(RunLayout.reportHtml("best-val")).isPresent());
    }

    /** The values of an 8-bit grey PNG, read with ImageIO only. */
    private static int[] grey(byte[] png) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        Raster raster = image.getRaster();
        return raster.getSamples(0, 0, image.getWidth(), image.getHeight(), 0, (int[]) null);
    }

    @Test
    void threeShardsMergedEqualOneRun() throws Exception {
        Path runDir = temp.resolve("run");
        // the reference's full test: scales 0.5 (whole image) and 1.25 (four 32x64 windows of 40x80), flipped
        ObjectStore run = segmentationRun(runDir, "TEST.FLIP_TEST", "true", "TEST.MULTI_SCALE", "true",
                "TEST.SCALE_LIST", "[0.5,1.25]");
        ok("--run", runDir.toString(), "--eval-id", "whole", "--progress", "log");
        for (int i = 0; i < 3; i++) {
            Outcome o = ok("--run", runDir.toString(), "--eval-id", "sharded", "--shard", i + "/3", "--progress", "log");
            assertTrue(o.out().contains("mdeq evaluate merge"), o.out());
        }
        ok("merge", "--run", runDir.toString(), "--eval-id", "sharded", "--shards", "3");
        EvalReport whole = report(run, "whole");
        EvalReport merged = report(run, "sharded");
        assertEquals(3, merged.shards());
        assertEquals(whole.fingerprint(), merged.fingerprint());
        assertEquals(whole.kernels(), merged.kernels(), "every shard recorded the same set");
        assertEquals(whole.miou(), merged.miou());
        assertEquals(whole.pixelAccuracy(), merged.pixelAccuracy());
        assertEquals(whole.classes(), merged.classes());
        assertArrayEquals(whole.confusionMatrix().rows(), merged.confusionMatrix().rows());
        assertEquals(whole.solver(), merged.solver());
        assertEquals(withoutTimes(whole.images()), withoutTimes(merged.images()));
        assertTrue(whole.options().get("flip test").startsWith("yes: logits averaged with the mirrored pass, which "
                + "runs the unrolled weight-tied stack"), whole.options().toString());
        assertEquals(5, whole.images().get(0).solves().size(), "1 + 4 windows; the mirrored passes are unrolled");
        assertTrue(whole.options().get("scales").startsWith("0.5, 1.25"), whole.options().toString());
        assertTrue(whole.options().containsKey("sliding window"), whole.options().toString());
        for (ObjectInfo info : run.list("eval/whole/predictions/")) {
            String other = info.key().replace("eval/whole/", "eval/sharded/");
            assertArrayEquals(run.getBytes(info.key()), run.getBytes(other), other);
        }
    }

    @Test
    void referenceExactOrCorrectedIsInTheOptionsTheFingerprintAndTheHtml() throws Exception {
        Path runDir = temp.resolve("run");
        ObjectStore run = segmentationRun(runDir, "TEST.FLIP_TEST", "true", "TEST.MULTI_SCALE", "true");
        ok("--run", runDir.toString(), "--eval-id", "exact", "--progress", "log");
        ok("--run", runDir.toString(), "--eval-id", "corrected", "--progress", "log", "TEST.REFERENCE_EXACT", "false");
        EvalReport exact = report(run, "exact");
        EvalReport corrected = report(run, "corrected");
        assertTrue(exact.options().get("reference exact").startsWith("yes (TEST.REFERENCE_EXACT true)"),
                exact.options().toString());
        assertTrue(corrected.options().get("reference exact").startsWith("no (TEST.REFERENCE_EXACT false)"),
                corrected.options().toString());
        assertTrue(exact.options().get("upsampling").contains("align_corners=False"), exact.options().toString());
        assertTrue(corrected.options().get("upsampling").contains("align_corners=True"),
                corrected.options().toString());
        assertNotEquals(exact.fingerprint(), corrected.fingerprint(), "the fingerprint covers the choice");
        // one pass at scale 1: the mirrored pass solves only in the corrected behaviour
        assertEquals(1, exact.images().get(0).solves().size());
        assertEquals(2, corrected.images().get(0).solves().size());
        String exactHtml = new String(run.getBytes("eval/exact/report.html"), StandardCharsets.UTF_8);
        String correctedHtml = new String(run.getBytes("eval/corrected/report.html"),
                StandardCharsets.UTF_8);
        assertTrue(exactHtml.contains("<th>reference exact</th><td>yes (TEST.REFERENCE_EXACT true): the reference"),
                "the HTML says which behaviour in words");
        assertTrue(correctedHtml.contains("<th>reference exact</th><td>no (TEST.REFERENCE_EXACT false): corrected"),
                "the HTML says which behaviour in words");
    }

    private static List<ImageStats> withoutTimes(List<ImageStats> images) {
        return images.stream().map(s -> new ImageStats(s.name(), s.evaluated(), s.correct(), 0, 0, 0, 0, s.solves()))
                .toList();
    }

    @Test
    void runFolderAndDataOnS3() throws Exception {
        try (S3TestServer s3 = S3TestServer.start();
                ObjectStore run = s3.open("runs/ns/job");
                ObjectStore data = s3.open("data/cityscapes")) {
            try (Stream<Path> files = Files.walk(cityscapes)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    data.put(cityscapes.relativize(file).toString().replace('\\', '/'), file);
                }
            }
            ExperimentConfig config = ModelRuns.segmentation(cityscapes, "DATASET.ROOT", s3.uri("data/cityscapes"));
            ModelRuns.writeConfig(run, config);
            String latest = ModelRuns.checkpoint(run, config, 2, 5, temp);
            Map<String, String> env = new HashMap<>(s3.environment());
            env.put("MDEQ_CACHE_DIR", temp.resolve("cache").toString());
            try (var e = ObjectStores.overrideEnvironment(env)) {
                ok("--run", s3.uri("runs/ns/job"), "--checkpoint", "latest", "--progress", "log");
            }
            ReportSummary summary = RunJson.read(run.getBytes(RunLayout.report("latest-val")), ReportSummary.class,
                    "report");
            assertEquals(latest, summary.checkpoint());
            assertEquals(IMAGES, summary.samples());
            assertNotNull(summary.miou());
            assertEquals(IMAGES, run.list("eval/latest-val/predictions/labelIds/").size());
            assertTrue(Files.isDirectory(temp.resolve("cache")), "the data set was staged to MDEQ_CACHE_DIR");
        }
    }

    @Test
    void corruptImageFailsWithItsPathOrIsSkippedAndCounted() throws Exception {
        Path data = ModelRuns.cityscapes(temp.resolve("data"), IMAGES);
        Path bad = data.resolve("cityscapes/leftImg8bit/val/lindau/lindau_000000_000019_leftImg8bit.png");
        byte[] png = Files.readAllBytes(bad);
        Files.write(bad, java.util.Arrays.copyOf(png, png.length / 3));
        Path runDir = temp.resolve("run");
        ObjectStore run = new LocalObjectStore(runDir);
        ExperimentConfig config = ModelRuns.segmentation(data);
        ModelRuns.writeConfig(run, config);
        ModelRuns.checkpoint(run, config, 1, 3, temp);

        Outcome failed = evaluate("--run", runDir.toString(), "--progress", "log");
        assertEquals(3, failed.code());
        InvalidInputException e = assertInstanceOf(InvalidInputException.class, failed.error());
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
        Progress progress = RunJson.read(run.getBytes(RunLayout.evalProgress("latest-val")), Progress.class, "p");
        assertEquals(Progress.Phase.FAILED, progress.phase());
        assertTrue(run.stat(RunLayout.report("latest-val")).isEmpty());

        Outcome skipped = ok("--run", runDir.toString(), "--skip-bad", "--progress", "log");
        assertTrue(skipped.out().contains("skipped inputs"), skipped.out());
        EvalReport report = report(run, "latest-val");
        assertEquals(IMAGES - 1, report.samples());
        assertEquals(1, report.skipped().items().size());
        SkippedItem item = report.skipped().items().get(0);
        assertEquals("lindau_000000_000019", item.name());
        assertTrue(item.reason().contains(bad.toString()), item.reason());
    }

    @Test
    void classificationTopKMatchesTheModelsLogitsCountedHere() throws Exception {
        Path data = ModelRuns.cifar(temp.resolve("cifar"), 70, 11);
        Path runDir = temp.resolve("run");
        ObjectStore run = new LocalObjectStore(runDir);
        ExperimentConfig config = ModelRuns.classification(data);
        ModelRuns.writeConfig(run, config);
        ModelRuns.checkpoint(run, config, 1, 3, temp);
        Outcome o = ok("--run", runDir.toString(), "--progress", "log");
        assertTrue(o.out().contains("top-1 ") && o.out().contains("70 samples"), o.out());
        EvalReport report = report(run, "latest-val");
        assertEquals(5, report.images().size(), "70 samples in batches of 16");

        // The same batches through a model with the same weights, ranks counted here.
        Cifar10Dataset dataset = Cifar10Dataset.open(data, "val", false);
        long top1 = 0;
        long top5 = 0;
        try (MdeqModel model = MdeqModel.create(config, Device.cpu(), DataType.FLOAT32, 1);
                NDManager manager = model.manager().newSubManager()) {
            for (int start = 0; start < 70; start += 16) {
                int b = Math.min(16, 70 - start);
                float[] pixels = new float[b * 3 * 32 * 32];
                int[] labels = new int[b];
                for (int i = 0; i < b; i++) {
                    Sample s = dataset.get(start + i, DataRandom.forSample(0, 0, start + i));
                    System.arraycopy(s.image(), 0, pixels, i * 3072, 3072);
                    labels[i] = s.labels()[0];
                }
                float[] logits;
                try (MdeqModel.Evaluation eval = model.evaluate(manager.create(pixels, new Shape(b, 3, 32, 32)),
                        MdeqModel.Mode.EQUILIBRIUM, false)) {
                    logits = eval.logits().toFloatArray();
                }
                for (int i = 0; i < b; i++) {
                    int above = 0;
                    for (int c = 0; c < 10; c++) {
                        if (logits[i * 10 + c] > logits[i * 10 + labels[i]]) {
                            above++;
                        }
                    }
                    top1 += above == 0 ? 1 : 0;
                    top5 += above < 5 ? 1 : 0;
                }
            }
        }
        assertEquals(100.0 * top1 / 70, report.top1(), 1e-9);
        assertEquals(100.0 * top5 / 70, report.top5(), 1e-9);
        assertNull(report.miou());

        // Sharded by batches and merged: the same counts.
        for (int i = 0; i < 3; i++) {
            ok("--run", runDir.toString(), "--eval-id", "sharded", "--shard", i + "/3", "--progress", "log");
        }
        ok("merge", "--run", runDir.toString(), "--eval-id", "sharded", "--shards", "3");
        EvalReport merged = report(run, "sharded");
        assertEquals(report.top1(), merged.top1());
        assertEquals(report.top5(), merged.top5());
        assertArrayEquals(report.confusionMatrix().rows(), merged.confusionMatrix().rows());
        assertEquals(withoutTimes(report.images()), withoutTimes(merged.images()));

        // The same weights as a file give the same numbers.
        Path weights = ModelRuns.npz(temp.resolve("w/tiny.npz"), ModelRuns.weights(config, 1));
        ok("--run", runDir.toString(), "--weights", weights.toString(), "--progress", "log");
        EvalReport fromFile = report(run, "weights-tiny-val");
        assertEquals(weights.toString(), fromFile.checkpoint());
        assertEquals(report.top1(), fromFile.top1());
        assertArrayEquals(report.confusionMatrix().rows(), fromFile.confusionMatrix().rows());
    }

    @Test
    void checkpointSelectionByNameAndMissingCheckpoints() throws Exception {
        Path runDir = temp.resolve("run");
        ObjectStore run = segmentationRun(runDir, "TEST.NUM_SAMPLES", "1");
        ok("--run", runDir.toString(), "--checkpoint", "step-000000000005", "--progress", "log");
        EvalReport named = report(run, "step-000000000005-val");
        assertEquals(RunLayout.checkpointFolder(5), named.checkpoint());
        assertEquals("named checkpoint", named.options().get("checkpoint selected by"));
        assertEquals(1, named.samples(), "TEST.NUM_SAMPLES 1 from the run's config");

        Outcome missing = evaluate("--run", runDir.toString(), "--checkpoint", "step-000000000007");
        assertEquals(3, missing.code());
        String message = assertInstanceOf(InvalidInputException.class, missing.error()).getMessage();
        assertTrue(message.contains(RunLayout.checkpointFolder(3)) && message.contains(RunLayout.checkpointFolder(5))
                && message.contains("BEST -> " + RunLayout.checkpointFolder(3)), message);

        Outcome noRun = evaluate("--run", temp.resolve("nothing").toString());
        assertEquals(2, noRun.code(), "checked before anything is read");
        assertTrue(noRun.err().contains("--run: the run folder " + temp.resolve("nothing") + " does not exist"),
                noRun.err());
        Outcome emptyRun = evaluate("--run", Files.createDirectories(temp.resolve("empty")).toString());
        assertTrue(assertInstanceOf(InvalidInputException.class, emptyRun.error()).getMessage()
                .contains("config.yaml not found"));
    }

    @Test
    void usageErrorsSayWhatIsValid() {
        Outcome noRun = evaluate();
        assertEquals(2, noRun.code());
        assertTrue(noRun.err().contains("missing --run") && noRun.err().contains("mdeq evaluate predictions"),
                noRun.err());
        Outcome both = evaluate("--run", "r", "--checkpoint", "best", "--weights", "w.npz");
        assertEquals(2, both.code());
        assertTrue(both.err().contains("not both"), both.err());
        Outcome split = evaluate("--run", "r", "--split", "test");
        assertEquals(2, split.code());
        assertTrue(split.err().contains("use val"), split.err());
        assertEquals(2, evaluate("--run", "r", "--eval-id", "../x").code());
    }
}
