package dev.mdeq.metrics;

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

    /** The floor: read both arrays once and sum them (no branch, so it does not depend on the data). */
    private static long plainScan(byte[] t, byte[] p) {
        int sum = 0;
        for (int i = 0; i < t.length; i++) {
            sum += t[i] + p[i];
        }
        return sum;
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

    /**
     * Median pixels/s of each variant. Variants run in turns (one run of each per round) after a
     * warm-up, so a change of the shared machine's load hits all of them alike.
     */
    private static double[] measure(Work... variants) {
        long sink = 0;
        for (int w = 0; w < 20; w++) {
            for (Work v : variants) {
                sink += v.run();
            }
        }
        double[][] rates = new double[variants.length][REPS];
        for (int i = 0; i < REPS; i++) {
            for (int v = 0; v < variants.length; v++) {
                long t0 = System.nanoTime();
                sink += variants[v].run();
                rates[v][i] = (double) W * H / ((System.nanoTime() - t0) / 1e9);
            }
        }
        if (sink == 42) {
            System.out.print("");
        }
        double[] medians = new double[variants.length];
        for (int v = 0; v < variants.length; v++) {
            Arrays.sort(rates[v]);
            medians[v] = rates[v][REPS / 2];
        }
        return medians;
    }

    @Test
    void accumulationThroughput() {
        byte[][] real = SyntheticLabels.trainIds(W, H, K, 0.02, 1);
        byte[][] noise = SyntheticLabels.noise(W * H, K, 2);
        int[] bins = new int[(K + 1) * (K + 1)];
        System.out.printf("%nConfusion-matrix accumulation, %dx%d label maps, %d classes (Mpixel/s, median of %d)%n",
                W, H, K, REPS);
        String[] names = {"plain scan of both arrays (floor)", "per-pixel histogram",
            "PixelAccumulator, byte[] maps", "PixelAccumulator, int[] maps"};
        byte[][][] inputs = {real, noise};
        double[][] results = new double[2][];
        for (int d = 0; d < 2; d++) {
            byte[] t = inputs[d][0];
            byte[] p = inputs[d][1];
            int[] ti = new int[t.length];
            int[] pi = new int[p.length];
            for (int i = 0; i < t.length; i++) {
                ti[i] = t[i] & 0xff;
                pi[i] = p[i] & 0xff;
            }
            PixelAccumulator bytes = new PixelAccumulator(new ConfusionMatrix(K), LabelEncoding.trainIds(K),
                    LabelEncoding.trainIds(K));
            PixelAccumulator ints = new PixelAccumulator(new ConfusionMatrix(K), LabelEncoding.trainIds(K),
                    LabelEncoding.trainIds(K));
            results[d] = measure(
                    () -> plainScan(t, p),
                    () -> {
                        perPixelHistogram(t, p, bins);
                        return bins[0];
                    },
                    () -> bytes.add(t, p).correct(),
                    () -> ints.add(ti, pi).correct());
        }
        System.out.printf("%-36s %14s %14s%n", "", "Cityscapes-like", "random noise");
        for (int i = 0; i < names.length; i++) {
            System.out.printf("%-36s %8.0f %5.2fx %8.0f %5.2fx%n", names[i], results[0][i] / 1e6,
                    results[0][i] / results[0][0], results[1][i] / 1e6, results[1][i] / results[1][0]);
        }
    }
}
