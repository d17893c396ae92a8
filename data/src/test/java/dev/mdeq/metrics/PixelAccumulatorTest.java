package dev.mdeq.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mdeq.data.CityscapesLabels;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The run-length accumulation against a plain per-pixel count written independently here. */
class PixelAccumulatorTest {

    /** Reference: one pixel at a time, straight from the definitions. */
    private static ConfusionMatrix naive(int k, int[] truth, int[] pred, boolean labelIds) {
        ConfusionMatrix m = new ConfusionMatrix(k);
        for (int i = 0; i < truth.length; i++) {
            int t = truth[i];
            int p = pred[i];
            if (labelIds) {
                t = t < 0 || t > 255 ? 255 : CityscapesLabels.trainId(t);
                p = p < 0 || p > 255 ? 255 : CityscapesLabels.trainId(p);
            }
            if (t < 0 || t >= k) {
                m.addIgnored(1);
            } else {
                m.add(t, p >= 0 && p < k ? p : k, 1);
            }
        }
        return m;
    }

    /** Blocky maps with runs (as real segmentations) plus noise, values from {@code values}. */
    private static int[] labels(Random r, int n, int[] values) {
        return labels(r, n, values, 40);
    }

    private static int[] labels(Random r, int n, int[] values, int maxRun) {
        int[] out = new int[n];
        int i = 0;
        while (i < n) {
            int run = 1 + r.nextInt(r.nextBoolean() ? 3 : maxRun);
            int v = values[r.nextInt(values.length)];
            for (int j = 0; j < run && i < n; j++) {
                out[i++] = v;
            }
        }
        return out;
    }

    private static byte[] asBytes(int[] v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    @Test
    void byteIntAndMixedInputsAgreeWithNaiveCountOnTrainIds() {
        Random r = new Random(7);
        int[] values = {0, 1, 2, 3, 4, 5, 17, 18, 19, 200, 255};
        for (int trial = 0; trial < 20; trial++) {
            int n = r.nextInt(5000);
            int[] truth = labels(r, n, values);
            int[] pred = labels(r, n, values);
            ConfusionMatrix expected = naive(19, truth, pred, false);

            for (int variant = 0; variant < 3; variant++) {
                ConfusionMatrix m = new ConfusionMatrix(19);
                PixelAccumulator acc = new PixelAccumulator(m, LabelEncoding.trainIds(19), LabelEncoding.trainIds(19));
                PixelAccumulator.PixelCounts c = switch (variant) {
                    case 0 -> acc.add(asBytes(truth), asBytes(pred));
                    case 1 -> acc.add(truth, pred);
                    default -> acc.add(asBytes(truth), pred);
                };
                assertEquals(expected, m, "variant " + variant + " trial " + trial);
                assertEquals(expected.total(), c.evaluated());
                assertEquals(expected.correct(), c.correct());
                assertEquals(expected.ignored(), c.ignored());
            }
        }
    }

    @Test
    void longRunsAcrossWordsAndOddLengths() {
        Random r = new Random(5);
        int[] values = {0, 7, 18, 255};
        for (int n : new int[] {1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1003, 4096}) {
            for (int maxRun : new int[] {1, 9, 300, 5000}) {
                int[] truth = labels(r, n, values, maxRun);
                int[] pred = r.nextBoolean() ? truth.clone() : labels(r, n, values, maxRun);
                ConfusionMatrix m = new ConfusionMatrix(19);
                new PixelAccumulator(m, LabelEncoding.trainIds(19), LabelEncoding.trainIds(19))
                        .add(asBytes(truth), asBytes(pred));
                assertEquals(naive(19, truth, pred, false), m, "n " + n + " max run " + maxRun);
            }
        }
    }

    @Test
    void intValuesOutsideAByteAreIgnoredOrVoidNotWrappedAround() {
        // 256 + 3 must not be read as class 3; -1 must not be read as 255 -> 255 happens to be void anyway.
        int[] truth = {3, 259, -1, 3, 3};
        int[] pred = {259, 3, 3, -253, 3};
        ConfusionMatrix m = new ConfusionMatrix(19);
        new PixelAccumulator(m, LabelEncoding.trainIds(19), LabelEncoding.trainIds(19)).add(truth, pred);
        assertEquals(naive(19, truth, pred, false), m);
        assertEquals(2, m.ignored());
        assertEquals(2, m.count(3, 19));
        assertEquals(1, m.count(3, 3));
    }

    @Test
    void cityscapesLabelIdsMapThroughTheOfficialTable() {
        Random r = new Random(3);
        int[] values = {0, 1, 6, 7, 8, 11, 24, 26, 33, 34, 255};
        int[] truth = labels(r, 3000, values);
        int[] pred = labels(r, 3000, values);
        ConfusionMatrix m = new ConfusionMatrix(19);
        new PixelAccumulator(m, LabelEncoding.cityscapesLabelIds(), LabelEncoding.cityscapesLabelIds())
                .add(asBytes(truth), asBytes(pred));
        assertEquals(naive(19, truth, pred, true), m);
        // label id 7 (road) is train id 0; 26 (car) is 13
        ConfusionMatrix one = new ConfusionMatrix(19);
        new PixelAccumulator(one, LabelEncoding.cityscapesLabelIds(), LabelEncoding.cityscapesLabelIds())
                .add(new byte[] {7}, new byte[] {26});
        assertEquals(1, one.count(0, 13));
    }

    @Test
    void imagesAccumulateAndMatricesMergeExactly() {
        Random r = new Random(11);
        int[] values = {0, 1, 2, 255};
        ConfusionMatrix whole = new ConfusionMatrix(3);
        PixelAccumulator acc = new PixelAccumulator(whole, LabelEncoding.trainIds(3), LabelEncoding.trainIds(3));
        ConfusionMatrix a = new ConfusionMatrix(3);
        ConfusionMatrix b = new ConfusionMatrix(3);
        for (int i = 0; i < 10; i++) {
            int[] t = labels(r, 1000, values);
            int[] p = labels(r, 1000, values);
            acc.add(t, p);
            new PixelAccumulator(i % 2 == 0 ? a : b, LabelEncoding.trainIds(3), LabelEncoding.trainIds(3)).add(t, p);
        }
        a.merge(b);
        assertEquals(whole, a);
    }

    @Test
    void countsAre64Bit() {
        ConfusionMatrix m = new ConfusionMatrix(2);
        m.add(1, 0, 3_000_000_000L);
        ConfusionMatrix other = m.copy();
        m.merge(other);
        assertEquals(6_000_000_000L, m.count(1, 0));
        assertEquals(6_000_000_000L, m.total());
        assertEquals(m, ConfusionMatrix.of(m.rows(), m.ignored()));
        m.add(0, 0, Long.MAX_VALUE - 1);
        assertThrows(ArithmeticException.class, () -> m.merge(m.copy()));
    }

    @Test
    void encodingsMustMatchTheMatrix() {
        assertThrows(IllegalArgumentException.class, () -> new PixelAccumulator(new ConfusionMatrix(5),
                LabelEncoding.cityscapesLabelIds(), LabelEncoding.trainIds(5)));
        assertThrows(IllegalArgumentException.class, () -> ConfusionMatrix.of(new long[][] {{1, 2, 3}}, 0));
    }
}
