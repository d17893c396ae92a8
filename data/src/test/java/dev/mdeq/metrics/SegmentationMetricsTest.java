package dev.mdeq.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.data.CityscapesLabels;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SegmentationMetricsTest {
    private static final double EPS = 1e-12;

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static SegmentationMetrics score(int k, int[] truth, int[] pred) {
        ConfusionMatrix m = new ConfusionMatrix(k);
        new PixelAccumulator(m, LabelEncoding.trainIds(k), LabelEncoding.trainIds(k)).add(truth, pred);
        return SegmentationMetrics.of(m, SegmentationMetrics.numberedNames(k));
    }

    @Test
    void handComputedMatrixWithIgnoreAndVoidPixels() {
        // pixel 5 has truth 255 (ignored); pixel 6 predicts 255 (no class: an error of class 0).
        byte[] truth = bytes(0, 0, 1, 1, 2, 255, 0, 1);
        byte[] pred = bytes(0, 1, 1, 1, 0, 2, 255, 2);
        ConfusionMatrix m = new ConfusionMatrix(3);
        PixelAccumulator.PixelCounts counts = new PixelAccumulator(m, LabelEncoding.trainIds(3),
                LabelEncoding.trainIds(3)).add(truth, pred);

        assertArrayEquals(new long[] {1, 1, 0, 1}, m.rows()[0]);
        assertArrayEquals(new long[] {0, 2, 1, 0}, m.rows()[1]);
        assertArrayEquals(new long[] {1, 0, 0, 0}, m.rows()[2]);
        assertEquals(1, m.ignored());
        assertEquals(new PixelAccumulator.PixelCounts(7, 3, 1), counts);

        SegmentationMetrics s = SegmentationMetrics.of(m, List.of("a", "b", "c"));
        // class 0: tp 1, fp 1 (class-2 pixel predicted 0), fn 2 (one predicted 1, one void) -> 1/4
        // class 1: tp 2, fp 1, fn 1 -> 2/4;  class 2: tp 0, fp 1, fn 1 -> 0
        assertEquals(0.25, s.classes().get(0).iou(), EPS);
        assertEquals(0.5, s.classes().get(1).iou(), EPS);
        assertEquals(0.0, s.classes().get(2).iou(), EPS);
        assertEquals(1, s.classes().get(0).falsePositives());
        assertEquals(2, s.classes().get(0).falseNegatives());
        assertEquals(0.25, s.miou(), EPS);
        assertEquals(0.25, s.miouReference(), EPS);
        assertEquals(3.0 / 7, s.pixelAccuracy(), EPS);
        assertEquals((1.0 / 3 + 2.0 / 3 + 0) / 3, s.meanClassAccuracy(), EPS);
        assertEquals(7, s.evaluatedPixels());
        assertEquals(1, s.ignoredPixels());
        assertEquals(1, s.voidPredictions());
        assertEquals(List.of(), s.absentClasses());
    }

    @Test
    void classAbsentFromTruthAndPredictionIsLeftOutOfBenchmarkMeanButCountsZeroInReference() {
        SegmentationMetrics s = score(4, new int[] {0, 0, 1, 2}, new int[] {0, 1, 1, 2});
        assertEquals(0.5, s.classes().get(0).iou(), EPS);
        assertEquals(0.5, s.classes().get(1).iou(), EPS);
        assertEquals(1.0, s.classes().get(2).iou(), EPS);
        assertTrue(Double.isNaN(s.classes().get(3).iou()));
        assertEquals(0.0, s.classes().get(3).iouReference(), EPS);
        assertEquals(List.of("class 3"), s.absentClasses());
        assertEquals(2.0 / 3, s.miou(), EPS);
        assertEquals(2.0 / 4, s.miouReference(), EPS);
        assertEquals((0.5 + 1 + 1) / 3, s.meanClassAccuracy(), EPS);
        assertEquals((0.5 + 1 + 1 + 0) / 4, s.meanClassAccuracyReference(), EPS);
    }

    @Test
    void classPredictedButAbsentFromTruthHasIouZeroAndNoAccuracy() {
        SegmentationMetrics s = score(3, new int[] {0, 0}, new int[] {0, 2});
        assertEquals(0.5, s.classes().get(0).iou(), EPS);
        assertEquals(0.0, s.classes().get(2).iou(), EPS);
        assertTrue(Double.isNaN(s.classes().get(2).accuracy()));
        assertEquals(List.of("class 1"), s.absentClasses());
        assertEquals(0.25, s.miou(), EPS);
        assertEquals(0.5 / 3, s.miouReference(), EPS);
        assertEquals(0.5, s.meanClassAccuracy(), EPS); // only class 0 has truth: 1 of 2 right
    }

    @Test
    void allIgnoredGivesUndefinedBenchmarkNumbersAndZeroReference() {
        SegmentationMetrics s = score(19, new int[] {255, 255, 255}, new int[] {0, 3, 255});
        assertEquals(0, s.evaluatedPixels());
        assertEquals(3, s.ignoredPixels());
        assertTrue(Double.isNaN(s.miou()));
        assertTrue(Double.isNaN(s.pixelAccuracy()));
        assertTrue(Double.isNaN(s.meanClassAccuracy()));
        assertEquals(0.0, s.miouReference(), EPS);
        assertEquals(19, s.absentClasses().size());
    }

    @Test
    void emptyLabelMapsAddNothing() {
        ConfusionMatrix m = new ConfusionMatrix(19);
        PixelAccumulator acc = new PixelAccumulator(m, LabelEncoding.trainIds(19), LabelEncoding.trainIds(19));
        assertEquals(new PixelAccumulator.PixelCounts(0, 0, 0), acc.add(new byte[0], new byte[0]));
        assertEquals(new PixelAccumulator.PixelCounts(0, 0, 0), acc.add(new int[0], new int[0]));
        assertEquals(new ConfusionMatrix(19), m);
        assertTrue(Double.isNaN(SegmentationMetrics.of(m, CityscapesLabels.NAMES).miou()));
    }

    @Test
    void oneClassOnlyPerfectlyPredicted() {
        int[] labels = new int[100];
        Arrays.fill(labels, 5);
        SegmentationMetrics s = score(19, labels, labels.clone());
        assertEquals(1.0, s.miou(), EPS);
        assertEquals(1.0 / 19, s.miouReference(), EPS);
        assertEquals(1.0, s.pixelAccuracy(), EPS);
        assertEquals(18, s.absentClasses().size());
    }

    @Test
    void labelMapsOfDifferentSizesAreRejected() {
        PixelAccumulator acc = new PixelAccumulator(new ConfusionMatrix(3), LabelEncoding.trainIds(3),
                LabelEncoding.trainIds(3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> acc.add(new byte[4], new byte[5]));
        assertTrue(e.getMessage().contains("4") && e.getMessage().contains("5"), e.getMessage());
    }

    @Test
    void namesMustMatchClassCount() {
        assertThrows(IllegalArgumentException.class, () -> SegmentationMetrics.of(new ConfusionMatrix(3),
                List.of("a", "b")));
    }
}
