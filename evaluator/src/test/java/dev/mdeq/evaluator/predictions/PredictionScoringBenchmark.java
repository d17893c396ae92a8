package dev.mdeq.evaluator.predictions;

import dev.mdeq.evaluator.image.CityscapesName;
import dev.mdeq.evaluator.image.LabelImage;
import dev.mdeq.evaluator.image.LabelPngs;
import dev.mdeq.metrics.SyntheticLabels;
import dev.mdeq.evaluator.report.EvalReport;
import dev.mdeq.evaluator.shard.ShardSpec;
import dev.mdeq.runstore.storage.LocalObjectStore;
import dev.mdeq.data.CityscapesLabels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End-to-end {@code evaluate predictions} on synthetic full-resolution (1024x2048) labelId PNGs in
 * a local folder store: images/s and where the time goes (decode, metrics, writes). Also the cost
 * of writing one prediction in the submission format and as colour PNG (what model-based
 * evaluation pays per image). Prints numbers; asserts nothing about time.
 */
@Tag("benchmark")
class PredictionScoringBenchmark {
    private static final int W = 2048;
    private static final int H = 1024;
    private static final int IMAGES = 12;

    @TempDir
    Path dir;

    @Test
    void endToEnd() {
        LocalObjectStore gt = new LocalObjectStore(dir.resolve("gt"));
        LocalObjectStore pred = new LocalObjectStore(dir.resolve("pred"));
        LabelImage sample = null;
        for (int i = 0; i < IMAGES; i++) {
            byte[][] maps = SyntheticLabels.trainIds(W, H, CityscapesLabels.NUM_CLASSES, 0.02, i);
            String stem = String.format("frankfurt_%06d_%06d", i, 19);
            LabelImage truth = dev.mdeq.evaluator.image.CityscapesImages.toLabelIds(new LabelImage(W, H, maps[0]));
            LabelImage guess = dev.mdeq.evaluator.image.CityscapesImages.toLabelIds(new LabelImage(W, H, maps[1]));
            gt.putBytes("frankfurt/" + stem + "_gtFine_labelIds.png", LabelPngs.writeGrey(truth));
            pred.putBytes("frankfurt/" + stem + "_leftImg8bit.png", LabelPngs.writeGrey(guess));
            sample = new LabelImage(W, H, maps[1]);
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PredictionScoring scoring = new PredictionScoring(pred, gt, null, new LocalObjectStore(dir.resolve("warm")));
        scoring.run(new PredictionScoring.Settings("warm", ShardSpec.WHOLE, false, 3),
                b -> b.progress(p -> p.console(false).out(new PrintStream(log, true, StandardCharsets.UTF_8))));

        long t0 = System.nanoTime();
        EvalReport r = new PredictionScoring(pred, gt, null, new LocalObjectStore(dir.resolve("run")))
                .run(new PredictionScoring.Settings("bench", ShardSpec.WHOLE, false, 3),
                        b -> b.progress(p -> p.console(false).out(new PrintStream(log, true, StandardCharsets.UTF_8)))).report();
        double total = (System.nanoTime() - t0) / 1e9;
        EvalReport.Timings t = r.timings();
        double perImage = t.decodeSeconds() + t.metricsSeconds() + t.writeSeconds();
        System.out.printf("%nevaluate predictions, %d synthetic %dx%d labelId PNG pairs, local folder store%n",
                IMAGES, W, H);
        System.out.printf("end to end: %.2f images/s (%.2f s in all, incl. listing and report)%n", IMAGES / total,
                total);
        System.out.printf("per image: decode %.1f ms (%.0f%%), metrics %.1f ms (%.0f%%), writes %.1f ms (%.0f%%; "
                        + "3 sample pictures in all)%n",
                1000 * t.decodeSeconds() / IMAGES, 100 * t.decodeSeconds() / total,
                1000 * t.metricsSeconds() / IMAGES, 100 * t.metricsSeconds() / total,
                1000 * t.writeSeconds() / IMAGES, 100 * t.writeSeconds() / total);
        System.out.printf("report and listing: %.2f s (%.0f%%)%n", total - perImage, 100 * (total - perImage) / total);

        PredictionWriter writer = new PredictionWriter(new LocalObjectStore(dir.resolve("writes")), "w");
        CityscapesName name = CityscapesName.parse("frankfurt_000000_000019_leftImg8bit.png").orElseThrow();
        for (int i = 0; i < 3; i++) {
            writer.writeLabelIds(name, sample);
            writer.writeColour(name, sample);
        }
        long w0 = System.nanoTime();
        int reps = 5;
        for (int i = 0; i < reps; i++) {
            writer.writeLabelIds(name, sample);
        }
        long w1 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            writer.writeColour(name, sample);
        }
        long w2 = System.nanoTime();
        System.out.printf("writing one prediction: labelIds PNG %.1f ms, colour PNG %.1f ms%n",
                (w1 - w0) / 1e6 / reps, (w2 - w1) / 1e6 / reps);
    }
}
