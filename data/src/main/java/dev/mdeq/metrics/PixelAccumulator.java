package dev.mdeq.metrics;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Adds label maps (truth, prediction) pixel by pixel to a {@link ConfusionMatrix}. Label maps come
 * as {@code byte[]} (decoded PNGs; values read unsigned) or {@code int[]} (an argmax), row-major,
 * one value per pixel; their {@link LabelEncoding}s say which value is which class.
 *
 * <p>Speed: a segmentation map is mostly long runs of one (truth, prediction) pair, so the loop
 * compares pixels with the current run's pair and touches the histogram only when the pair
 * changes; byte maps are compared eight pixels at a time. On Cityscapes-like maps this runs at
 * about the speed of a plain scan of both arrays; on random maps (a new pair at almost every pixel)
 * about as fast as a per-pixel histogram (docs/benchmarks.md, Evaluation). Byte maps are the fast
 * path: pass an argmax as bytes when it has fewer than 256 classes.
 * Counts of one call are kept in {@code int}s (a Java array has fewer than 2^31 elements) and then
 * added to the matrix's 64-bit counts.
 *
 * <p>Not thread-safe: use one accumulator per thread and {@link ConfusionMatrix#merge} the results.
 */
public final class PixelAccumulator {
    /** Reads 8 bytes of a byte array as one long (byte order does not matter for equality). */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long BYTE_ONES = 0x0101010101010101L;
    /** Pixels taken one by one after a word that breaks the run (measured: 16 suits real and noisy maps). */
    private static final int MIXED_CHUNK = 16;

    private final ConfusionMatrix matrix;
    private final int numClasses;
    private final int stride;
    /** Flat bin offset of each truth value's row; not-evaluated values go to the extra row numClasses. */
    private final int[] rowOf = new int[256];
    /** Column of each prediction value; values that are no class go to the void column. */
    private final int[] colOf = new int[256];
    /** (numClasses + 1) x (numClasses + 1) counts of the current call; the last row is the ignored truth. */
    private final int[] bins;
    /** Buffers for int label maps narrowed to bytes (kept: images of a data set share a size). */
    private byte[] truthBytes;
    private byte[] predictionBytes;

    /** Accumulates into {@code matrix} (shared: the caller owns and reads it). */
    public PixelAccumulator(ConfusionMatrix matrix, LabelEncoding truth, LabelEncoding prediction) {
        if (truth.numClasses() != matrix.numClasses() || prediction.numClasses() != matrix.numClasses()) {
            throw new IllegalArgumentException("label encodings " + truth + " / " + prediction + " do not match a "
                    + matrix.numClasses() + "-class confusion matrix");
        }
        this.matrix = matrix;
        this.numClasses = matrix.numClasses();
        this.stride = numClasses + 1;
        for (int v = 0; v < 256; v++) {
            int t = truth.classOf(v);
            rowOf[v] = (t < 0 ? numClasses : t) * stride;
            int p = prediction.classOf(v);
            colOf[v] = p < 0 ? numClasses : p;
        }
        this.bins = new int[stride * stride];
    }

    /** The matrix this accumulator adds to. */
    public ConfusionMatrix matrix() {
        return matrix;
    }

    /**
     * Adds one image whose label maps are bytes (e.g. decoded 8-bit PNGs): the fast path. Eight
     * pixels at a time are compared with the current run's (truth, prediction) pair as two 64-bit
     * words; where they differ, the next {@value #MIXED_CHUNK} pixels go one by one.
     */
    public PixelCounts add(byte[] truth, byte[] prediction) {
        checkLengths(truth.length, prediction.length);
        int n = truth.length;
        if (n == 0) {
            return PixelCounts.NONE;
        }
        int prev = ((truth[0] & 0xff) << 8) | (prediction[0] & 0xff);
        long truthWord = (prev >>> 8) * BYTE_ONES;
        long predWord = (prev & 0xff) * BYTE_ONES;
        int run = 0;
        int i = 0;
        while (i < n) {
            if (i + 8 <= n && (long) LONGS.get(truth, i) == truthWord && (long) LONGS.get(prediction, i) == predWord) {
                run += 8;
                i += 8;
                continue;
            }
            int end = Math.min(n, i + MIXED_CHUNK);
            for (; i < end; i++) {
                int key = ((truth[i] & 0xff) << 8) | (prediction[i] & 0xff);
                if (key == prev) {
                    run++;
                } else {
                    bins[rowOf[prev >>> 8] + colOf[prev & 0xff]] += run;
                    prev = key;
                    run = 1;
                }
            }
            truthWord = (prev >>> 8) * BYTE_ONES;
            predWord = (prev & 0xff) * BYTE_ONES;
        }
        bins[rowOf[prev >>> 8] + colOf[prev & 0xff]] += run;
        return flush();
    }

    /**
     * Adds one image whose label maps are ints (e.g. an argmax); values outside 0..255 count as
     * 255. They are narrowed to bytes first (one pass), then counted as byte maps.
     */
    public PixelCounts add(int[] truth, int[] prediction) {
        checkLengths(truth.length, prediction.length);
        return add(narrow(truth, true), narrow(prediction, false));
    }

    /** Adds one image whose truth is bytes (a decoded label PNG) and prediction ints (an argmax). */
    public PixelCounts add(byte[] truth, int[] prediction) {
        checkLengths(truth.length, prediction.length);
        return add(truth, narrow(prediction, false));
    }

    /** The values as bytes (out of range: 255) in a reused buffer. */
    private byte[] narrow(int[] values, boolean truthBuffer) {
        byte[] out = truthBuffer ? truthBytes : predictionBytes;
        if (out == null || out.length != values.length) {
            out = new byte[values.length];
            if (truthBuffer) {
                truthBytes = out;
            } else {
                predictionBytes = out;
            }
        }
        for (int i = 0; i < values.length; i++) {
            int v = values[i];
            out[i] = (byte) ((v & ~0xff) == 0 ? v : 255);
        }
        return out;
    }

    private static void checkLengths(int truth, int prediction) {
        if (truth != prediction) {
            throw new IllegalArgumentException("label maps differ in size: truth has " + truth + " pixels, prediction "
                    + prediction);
        }
    }

    /** Moves this call's counts into the matrix and returns the image's totals. */
    private PixelCounts flush() {
        long evaluated = 0;
        long correct = 0;
        for (int t = 0; t < numClasses; t++) {
            for (int p = 0; p <= numClasses; p++) {
                int c = bins[t * stride + p];
                if (c != 0) {
                    matrix.add(t, p, c);
                    evaluated += c;
                    if (t == p) {
                        correct += c;
                    }
                }
            }
        }
        long ignored = 0;
        for (int p = 0; p <= numClasses; p++) {
            ignored += bins[numClasses * stride + p];
        }
        matrix.addIgnored(ignored);
        Arrays.fill(bins, 0);
        return new PixelCounts(evaluated, correct, ignored);
    }

    /**
     * What one image added.
     *
     * @param evaluated pixels whose truth is an evaluated class
     * @param correct evaluated pixels predicted right
     * @param ignored pixels whose truth is the ignore label
     */
    public record PixelCounts(long evaluated, long correct, long ignored) {
        static final PixelCounts NONE = new PixelCounts(0, 0, 0);
    }
}
