package dev.mdeq.evaluator.metrics;

import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Confusion-matrix accumulation throughput on 1024x2048 label maps (Cityscapes full resolution),
 * against a plain scan of the same two arrays (the floor: any accumulation reads every pixel of
 * both) and a straightforward per-pixel histogram. Prints pixels/s; asserts nothing about time.
 */
@Tag("benchmark")
class AccumulationBenchmark {
    private static final int W = 2048;
    private static final int H = 1024;
    private static final int K = 19;
    private static final int REPS = 15;

    private static int[] rowOf;
    private static int[] colOf;

    static {
        rowOf = new int[256];
        colOf = new int[256];
        Arrays.fill(rowOf, K * (K + 1));
        Arrays.fill(colOf, K);
        for (int c = 0; c < K; c++) {
            rowOf[c] = c * (K + 1);
            colOf[c] = c;
        }
    }

    /** The floor: read both arrays once, count equal pixels. */
    private static long plainScan(byte[] t, byte[] p) {
        long equal = 0;
        for (int i = 0; i < t.length; i++) {
            equal += t[i] == p[i] ? 1 : 0;
        }
        return equal;
    }

    /** A histogram update per pixel (what a direct port of numpy's bincount does). */
    private static void perPixelHistogram(byte[] t, byte[] p, int[] bins) {
        for (int i = 0; i < t.length; i++) {
            bins[rowOf[t[i] & 0xff] + colOf[p[i] & 0xff]]++;
        }
    }

    private interface Work {
        long run();
    }

    /** Median pixels/s over REPS runs after warm-up. */
    private static double measure(Work work) {
        long sink = 0;
        for (int i = 0; i < 5; i++) {
            sink += work.run();
        }
        double[] rates = new double[REPS];
        for (int i = 0; i < REPS; i++) {
            long t0 = System.nanoTime();
            sink += work.run();
            rates[i] = (double) W * H / ((System.nanoTime() - t0) / 1e9);
        }
        Arrays.sort(rates);
        if (sink == 42) {
            System.out.print("");
        }
        return rates[REPS / 2];
    }

    @Test
    void accumulationThroughput() {
        byte[][] real = SyntheticLabels.trainIds(W, H, K, 0.02, 1);
        byte[][] noise = SyntheticLabels.noise(W * H, K, 2);
        int[] bins = new int[(K + 1) * (K + 1)];
        System.out.printf("%nConfusion-matrix accumulation, %dx%d label maps, %d classes (Mpixel/s, median of %d)%n",
                W, H, K, REPS);
        System.out.printf("%-34s %12s %12s%n", "", "blocky maps", "noise maps");
        byte[][][] inputs = {real, noise};
        double[][] results = new double[3][2];
        for (int d = 0; d < 2; d++) {
            byte[] t = inputs[d][0];
            byte[] p = inputs[d][1];
            int[] ti = new int[t.length];
            int[] pi = new int[p.length];
            for (int i = 0; i < t.length; i++) {
                ti[i] = t[i] & 0xff;
                pi[i] = p[i] & 0xff;
            }
            results[0][d] = measure(() -> plainScan(t, p));
            results[1][d] = measure(() -> {
                perPixelHistogram(t, p, bins);
                return bins[0];
            });
            results[2][d] = measure(() -> new PixelAccumulator(new ConfusionMatrix(K), LabelEncoding.trainIds(K),
                    LabelEncoding.trainIds(K)).add(t, p).correct());
            if (d == 0) {
                double ints = measure(() -> new PixelAccumulator(new ConfusionMatrix(K), LabelEncoding.trainIds(K),
                        LabelEncoding.trainIds(K)).add(ti, pi).correct());
                System.out.printf("(PixelAccumulator on int[] maps, blocky: %.0f Mpixel/s)%n", ints / 1e6);
            }
        }
        String[] names = {"plain scan (floor)", "per-pixel histogram", "PixelAccumulator (run-length)"};
        for (int i = 0; i < 3; i++) {
            System.out.printf("%-34s %12.0f %12.0f   (%.2fx / %.2fx the floor)%n", names[i], results[i][0] / 1e6,
                    results[i][1] / 1e6, results[i][0] / results[0][0], results[i][1] / results[0][1]);
        }
    }
}
