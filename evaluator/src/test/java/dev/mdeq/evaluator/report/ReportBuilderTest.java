package dev.mdeq.evaluator.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mdeq.config.Task;
import dev.mdeq.metrics.LabelEncoding;
import dev.mdeq.evaluator.results.EvalContext;
import dev.mdeq.evaluator.results.EvalTally;
import dev.mdeq.evaluator.results.ImageStats;
import dev.mdeq.evaluator.results.SkippedItem;
import dev.mdeq.evaluator.results.SolverRun;
import dev.mdeq.runstore.run.ReportSummary;
import dev.mdeq.runstore.run.RunJson;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ReportBuilderTest {
    private static final double EPS = 1e-9;
    private static final List<String> NAMES = List.of("road", "car", "sky", "bus");

    private static EvalContext context(Task task, List<String> items) {
        return new EvalContext("e1", task, "model", "step-000000001000", "cityscapes val", "MODEL:\n  NAME: x\n",
                "abc123", NAMES, items.size(), EvalContext.itemListSha256(items), Map.of("flip", "false"));
    }

    /** Two images; class "bus" never occurs; one ignored pixel; solver runs with one NaN residual. */
    private static EvalTally segmentationTally() {
        EvalTally tally = EvalTally.segmentation(4);
        var acc = tally.pixelAccumulator(LabelEncoding.trainIds(4), LabelEncoding.trainIds(4));
        var a = acc.add(new int[] {0, 0, 1, 255}, new int[] {0, 1, 1, 2});
        var b = acc.add(new int[] {2, 2}, new int[] {2, 0});
        tally.addImage(new ImageStats("a", a.evaluated(), a.correct(), 1_000_000, 2_000_000, 300_000, 400_000,
                List.of(new SolverRun(10, 0.5, 0.01, false, "STEP_LIMIT"), new SolverRun(20, 0.25, 0.02, true, "TOLERANCE"))));
        tally.addImage(new ImageStats("b", b.evaluated(), b.correct(), 1_000_000, 2_000_000, 300_000, 400_000,
                List.of(new SolverRun(30, Double.NaN, Double.NaN, false, "NON_FINITE"), new SolverRun(12, 1.0, 0.03, true, null))));
        tally.addSkipped(new SkippedItem("c", SkippedItem.Kind.CORRUPT, "c: corrupt PNG"));
        return tally;
    }

    @Test
    void segmentationNumbersArePercentWithUndefinedAsNull() {
        EvalReport r = ReportBuilder.build(context(Task.SEGMENTATION, List.of("a", "b", "c")), segmentationTally(),
                List.of(4_000_000_000L), TrainingCurves.empty(), null, Instant.EPOCH, "default");
        // matrix: road row [1,1,0,0], car row [0,1,0,0], sky row [1,0,1,0]; ignored 1
        // road: tp1 fp1 fn1 -> 1/3; car: tp1 fp1 fn0 -> 1/2; sky: tp1 fp0 fn1 -> 1/2; bus: undefined
        assertEquals(100.0 / 3, r.classes().get(0).iou(), EPS);
        assertEquals(50.0, r.classes().get(1).iou(), EPS);
        assertNull(r.classes().get(3).iou());
        assertEquals(0.0, r.classes().get(3).iouReference(), EPS);
        assertEquals(100 * (1.0 / 3 + 0.5 + 0.5) / 3, r.miou(), EPS);
        assertEquals(100 * (1.0 / 3 + 0.5 + 0.5) / 4, r.miouReference(), EPS);
        assertEquals(300.0 / 5, r.pixelAccuracy(), EPS);
        assertEquals(List.of("bus"), r.absentClasses());
        assertEquals(new EvalReport.Pixels(5, 1, 0), r.pixels());
        assertEquals(2L, r.samples());
        assertEquals("segmentation", r.task());
        assertEquals("eval/e1/report.html", r.reportHtml());
        assertEquals(1L, r.skipped().counts().get(SkippedItem.Kind.CORRUPT));

        SolverSummary s = r.solver();
        assertEquals(4, s.solves());
        assertEquals(18.0, s.steps().mean(), EPS);
        assertEquals(16.0, s.steps().median(), EPS);
        assertEquals(30.0, s.steps().max(), EPS);
        assertEquals(0.5, s.absResidual().median(), EPS);
        assertEquals(3, s.absResidual().count());
        assertEquals(1, s.nonFinite());
        assertEquals(2, s.notConverged());
        assertEquals(Map.of("STEP_LIMIT", 1L, "TOLERANCE", 1L, "NON_FINITE", 1L, "unknown", 1L), s.stopReasons());

        assertEquals(0.002, r.timings().decodeSeconds(), EPS);
        assertEquals(0.004, r.timings().inferenceSeconds(), EPS);
        assertEquals(0.0006, r.timings().metricsSeconds(), EPS);
        assertEquals(0.0008, r.timings().writeSeconds(), EPS);
        assertEquals(0.5, r.timings().imagesPerSecond(), EPS);
    }

    @Test
    void theOperatorReadsTheHeadlineThroughReportSummary() throws IOException {
        EvalReport r = ReportBuilder.build(context(Task.SEGMENTATION, List.of("a", "b", "c")), segmentationTally(),
                List.of(1L), TrainingCurves.empty(), null, Instant.EPOCH, "default");
        byte[] json = RunJson.write(r);
        ReportSummary summary = RunJson.read(json, ReportSummary.class, "report.json");
        assertEquals("e1", summary.evalId());
        assertEquals("segmentation", summary.task());
        assertEquals("step-000000001000", summary.checkpoint());
        assertEquals(2L, summary.samples());
        assertEquals(r.miou(), summary.miou(), EPS);
        assertEquals(60.0, summary.pixelAccuracy(), EPS);
        assertNull(summary.top1());
        assertEquals("eval/e1/report.html", summary.reportHtml());

        JsonNode tree = RunJson.mapper().readTree(json);
        assertTrue(tree.get("classes").get(3).get("iou") == null, "undefined IoU is left out (null), not NaN");
        assertFalse(new String(json).contains("NaN"), "no NaN tokens in report.json");
        assertEquals(5, tree.get("confusionMatrix").get("labels").size());
        assertEquals(1, tree.get("confusionMatrix").get("rows").get(0).get(1).asLong());
        EvalReport back = RunJson.read(json, EvalReport.class, "report.json");
        assertEquals(r.miou(), back.miou(), EPS);
        assertEquals(r.images(), back.images());
    }

    @Test
    void classificationReportFillsTopK() {
        EvalTally tally = EvalTally.classification(4);
        tally.classification().addScores(new float[] {4, 3, 2, 1}, 0);
        tally.classification().addScores(new float[] {4, 3, 2, 1}, 1);
        tally.classification().addScores(new float[] {4, 3, 2, 1}, 3);
        EvalReport r = ReportBuilder.build(context(Task.CLASSIFICATION, List.of("batch0")), tally, List.of(1L),
                TrainingCurves.empty(), null, Instant.EPOCH, "default");
        assertEquals(100.0 / 3, r.top1(), EPS);
        assertEquals(100.0, r.top5(), EPS);
        assertEquals(3L, r.samples());
        assertNull(r.miou());
        assertEquals(List.of("sky"), r.absentClasses());
        assertNull(r.classes().get(2).accuracy());
        ReportSummary summary = RunJson.read(RunJson.write(r), ReportSummary.class, "report.json");
        assertEquals(r.top1(), summary.top1(), EPS);
        assertEquals("classification", summary.task());
    }

    @Test
    void htmlIsSelfContainedWithRenderedCharts() throws IOException {
        EvalTally tally = segmentationTally();
        TrainingCurves curves = TrainingCurves.parse("{\"step\":1,\"loss\":2}\n{\"step\":2,\"loss\":1.5,\"lr\":0.1}\n");
        EvalReport r = ReportBuilder.build(context(Task.SEGMENTATION, List.of("a", "b", "c")), tally, List.of(1L),
                curves, "metrics.jsonl", Instant.EPOCH, "default");
        byte[] tiny = dev.mdeq.evaluator.image.Previews.jpeg(new BufferedImage(8, 4, BufferedImage.TYPE_INT_RGB), 0.8f);
        String html = HtmlReport.render(r, curves, List.of(
                new HtmlReport.Picture("a", "overlay", "image/jpeg", tiny),
                new HtmlReport.Picture("a", "prediction <pred>", "image/png", null)));
        assertFalse(html.contains("http://") || html.contains("https://") || html.contains("src=\"/")
                || html.contains("<script"), "no external resources");
        assertTrue(html.contains("mIoU (Cityscapes benchmark)") && html.contains("mIoU (MDEQ reference formula)"));
        assertTrue(html.contains("bus"), "absent class listed");
        assertTrue(html.contains("prediction &lt;pred&gt;"), "captions are escaped");
        assertTrue(html.contains("picture not found"));
        assertTrue(html.contains("c: corrupt PNG"));
        Matcher m = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
        int charts = 0;
        while (m.find()) {
            BufferedImage chart = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(1))));
            assertNotNull(chart);
            assertTrue(chart.getWidth() >= 300 && chart.getHeight() >= 100);
            charts++;
        }
        // per-class bars, confusion heatmap, 2 curves (loss, lr), solver-step histogram
        assertEquals(5, charts);
        assertTrue(html.contains("data:image/jpeg;base64,"));
    }
}
