package dev.mdeq.metrics;

import java.util.Random;

/**
 * Synthetic Cityscapes-like label maps for tests and benchmarks: rectangles of classes over a
 * background (long runs, as real segmentations), a prediction that disagrees near region borders
 * and in scattered pixels, and some ignore pixels.
 */
public final class SyntheticLabels {
    private SyntheticLabels() {
    }

    /**
     * A pair of train-id maps (truth, prediction), row-major, {@code width * height} each.
     *
     * @param errorRate fraction of prediction pixels replaced by a random class
     */
    public static byte[][] trainIds(int width, int height, int classes, double errorRate, long seed) {
        Random r = new Random(seed);
        byte[] truth = new byte[width * height];
        byte[] pred = new byte[width * height];
        java.util.Arrays.fill(truth, (byte) 0);
        for (int k = 0; k < 40; k++) {
            int c = r.nextInt(classes + 1);
            byte v = (byte) (c == classes ? 255 : c);
            int w = 1 + r.nextInt(width / 3);
            int h = 1 + r.nextInt(height / 3);
            int x0 = r.nextInt(width - w + 1);
            int y0 = r.nextInt(height - h + 1);
            for (int y = y0; y < y0 + h; y++) {
                java.util.Arrays.fill(truth, y * width + x0, y * width + x0 + w, v);
            }
        }
        int shift = 3;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                // The prediction is the truth shifted a few pixels (errors along borders), with no ignore label.
                int v = truth[y * width + Math.min(width - 1, x + shift)] & 0xff;
                pred[y * width + x] = (byte) (v == 255 ? r.nextInt(classes) : v);
            }
        }
        int errors = (int) (errorRate * pred.length);
        for (int i = 0; i < errors; i++) {
            pred[r.nextInt(pred.length)] = (byte) r.nextInt(classes);
        }
        return new byte[][] {truth, pred};
    }

    /** Maps with an independent random class (or ignore) at every pixel: the accumulator's worst case. */
    public static byte[][] noise(int n, int classes, long seed) {
        Random r = new Random(seed);
        byte[] truth = new byte[n];
        byte[] pred = new byte[n];
        for (int i = 0; i < n; i++) {
            int t = r.nextInt(classes + 1);
            truth[i] = (byte) (t == classes ? 255 : t);
            pred[i] = (byte) r.nextInt(classes);
        }
        return new byte[][] {truth, pred};
    }
}
