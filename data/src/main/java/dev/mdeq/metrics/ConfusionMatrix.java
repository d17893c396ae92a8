package dev.mdeq.metrics;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Arrays;

/**
 * Exact 64-bit counts of (true class, predicted class) pairs: {@code numClasses} rows (the truth)
 * by {@code numClasses + 1} columns (the prediction). The last column counts predictions that are
 * none of the evaluated classes ("void", e.g. a labelId PNG holding an id the benchmark ignores):
 * as in cityscapesScripts they are errors of the true class (false negatives) and false positives
 * of no class. Pixels whose truth is not evaluated (the ignore label) are not in the matrix; their
 * number is kept in {@link #ignored()} for the report.
 *
 * <p>Partial matrices (of shards, of images) merge by summing, which is exact.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public final class ConfusionMatrix {
    private final int numClasses;
    private final long[] counts;
    private long ignored;

    /** An empty matrix over {@code numClasses} classes. */
    public ConfusionMatrix(int numClasses) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("a confusion matrix needs at least one class, got " + numClasses);
        }
        this.numClasses = numClasses;
        this.counts = new long[numClasses * (numClasses + 1)];
    }

    /**
     * A matrix from its rows (as {@link #rows()} returns them, e.g. read back from JSON).
     *
     * @param rows {@code numClasses} rows of {@code numClasses + 1} non-negative counts
     * @param ignored truth pixels that were not evaluated
     */
    @JsonCreator
    public static ConfusionMatrix of(@JsonProperty("rows") long[][] rows, @JsonProperty("ignored") long ignored) {
        if (rows == null || rows.length == 0) {
            throw new IllegalArgumentException("confusion matrix has no rows");
        }
        ConfusionMatrix m = new ConfusionMatrix(rows.length);
        for (int t = 0; t < rows.length; t++) {
            if (rows[t] == null || rows[t].length != rows.length + 1) {
                throw new IllegalArgumentException("confusion matrix row " + t + " has "
                        + (rows[t] == null ? 0 : rows[t].length) + " columns; expected " + (rows.length + 1)
                        + " (one per class plus the void column)");
            }
            for (int p = 0; p <= rows.length; p++) {
                if (rows[t][p] < 0) {
                    throw new IllegalArgumentException("confusion matrix entry [" + t + "][" + p + "] is negative");
                }
                m.counts[t * (rows.length + 1) + p] = rows[t][p];
            }
        }
        if (ignored < 0) {
            throw new IllegalArgumentException("confusion matrix ignored count is negative");
        }
        m.ignored = ignored;
        return m;
    }

    @JsonProperty("numClasses")
    public int numClasses() {
        return numClasses;
    }

    /** Column index of predictions outside the evaluated classes. */
    public int voidColumn() {
        return numClasses;
    }

    /** Adds {@code n} to the (truth, predicted) cell; {@code predicted == numClasses} is the void column. */
    public void add(int truth, int predicted, long n) {
        if (truth < 0 || truth >= numClasses || predicted < 0 || predicted > numClasses) {
            throw new IndexOutOfBoundsException("cell (" + truth + ", " + predicted + ") is outside a "
                    + numClasses + " x " + (numClasses + 1) + " confusion matrix");
        }
        counts[truth * (numClasses + 1) + predicted] += n;
    }

    /** Counts {@code n} truth pixels that are not evaluated. */
    public void addIgnored(long n) {
        ignored += n;
    }

    /** The count of a (truth, predicted) cell; {@code predicted == numClasses} is the void column. */
    public long count(int truth, int predicted) {
        return counts[truth * (numClasses + 1) + predicted];
    }

    /** True positives of a class. */
    public long truePositives(int c) {
        return count(c, c);
    }

    /** Evaluated pixels (samples) whose truth is {@code c}: the row sum, void column included. */
    public long truthTotal(int c) {
        long s = 0;
        int base = c * (numClasses + 1);
        for (int p = 0; p <= numClasses; p++) {
            s += counts[base + p];
        }
        return s;
    }

    /** Evaluated pixels predicted as {@code c}: the column sum. */
    public long predictedTotal(int c) {
        long s = 0;
        for (int t = 0; t < numClasses; t++) {
            s += counts[t * (numClasses + 1) + c];
        }
        return s;
    }

    /** Every evaluated pixel (sample). */
    public long total() {
        long s = 0;
        for (long c : counts) {
            s += c;
        }
        return s;
    }

    /** Evaluated pixels whose prediction equals the truth. */
    public long correct() {
        long s = 0;
        for (int c = 0; c < numClasses; c++) {
            s += truePositives(c);
        }
        return s;
    }

    /** Truth pixels that were not evaluated (ignore label). */
    @JsonProperty("ignored")
    public long ignored() {
        return ignored;
    }

    /** The counts as {@code numClasses} rows of {@code numClasses + 1} columns (a copy). */
    @JsonProperty("rows")
    public long[][] rows() {
        long[][] rows = new long[numClasses][];
        for (int t = 0; t < numClasses; t++) {
            rows[t] = Arrays.copyOfRange(counts, t * (numClasses + 1), (t + 1) * (numClasses + 1));
        }
        return rows;
    }

    /** Adds another matrix of the same size to this one (exact; fails on overflow). */
    public void merge(ConfusionMatrix other) {
        if (other.numClasses != numClasses) {
            throw new IllegalArgumentException("cannot merge a " + other.numClasses + "-class confusion matrix into a "
                    + numClasses + "-class one");
        }
        for (int i = 0; i < counts.length; i++) {
            counts[i] = Math.addExact(counts[i], other.counts[i]);
        }
        ignored = Math.addExact(ignored, other.ignored);
    }

    public ConfusionMatrix copy() {
        ConfusionMatrix m = new ConfusionMatrix(numClasses);
        m.merge(this);
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfusionMatrix m && m.numClasses == numClasses && m.ignored == ignored
                && Arrays.equals(m.counts, counts);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(counts) + Long.hashCode(ignored);
    }

    @Override
    public String toString() {
        return "ConfusionMatrix" + Arrays.deepToString(rows()) + " ignored=" + ignored;
    }
}
