package dev.mdeq.metrics;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Arrays;

/**
 * Accumulated classification results: the top-1 confusion matrix and, for ranks 0..{@value #MAX_RANK}-1,
 * how many samples had their true class at that rank. Filled from scores (logits, probabilities:
 * any monotone score) or from ranked predictions; merges exactly by summing.
 *
 * <p>Ranking from scores: classes sort by score, descending, ties broken by the lower class index
 * (so the top-1 prediction is the first maximum, as an argmax). A sample with a NaN score anywhere
 * is counted wrong at every rank and its prediction goes to the void column (counted in
 * {@link #invalidSamples()}): a diverged model must not score by accident.
 *
 * <p>Not thread-safe: one per thread, then {@link #merge}.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public final class ClassificationCounts {
    /** Ranks counted: top-1 up to top-5. */
    public static final int MAX_RANK = 5;

    private final ConfusionMatrix confusion;
    private final long[] hitsAtRank;
    private long invalidSamples;

    public ClassificationCounts(int numClasses) {
        this(new ConfusionMatrix(numClasses), new long[MAX_RANK], 0);
    }

    @JsonCreator
    ClassificationCounts(@JsonProperty("confusion") ConfusionMatrix confusion,
            @JsonProperty("hitsAtRank") long[] hitsAtRank, @JsonProperty("invalidSamples") long invalidSamples) {
        if (confusion == null || hitsAtRank == null || hitsAtRank.length != MAX_RANK) {
            throw new IllegalArgumentException("classification counts need a confusion matrix and " + MAX_RANK
                    + " rank counts");
        }
        this.confusion = confusion;
        this.hitsAtRank = hitsAtRank.clone();
        this.invalidSamples = invalidSamples;
    }

    public int numClasses() {
        return confusion.numClasses();
    }

    /** The top-1 confusion matrix (rows truth, columns prediction); the live object. */
    @JsonProperty("confusion")
    public ConfusionMatrix confusion() {
        return confusion;
    }

    /** Samples whose true class was at rank r (0 = top-1), for r below {@link #MAX_RANK}. */
    @JsonProperty("hitsAtRank")
    public long[] hitsAtRank() {
        return hitsAtRank.clone();
    }

    /** Samples with a NaN score. */
    @JsonProperty("invalidSamples")
    public long invalidSamples() {
        return invalidSamples;
    }

    /** Samples counted. */
    public long samples() {
        return confusion.total();
    }

    /** Samples whose true class is among the {@code k} best-ranked classes. */
    public long correctAtK(int k) {
        if (k < 1 || k > MAX_RANK) {
            throw new IllegalArgumentException("top-k is counted for k = 1.." + MAX_RANK + ", not " + k);
        }
        long s = 0;
        for (int r = 0; r < k; r++) {
            s += hitsAtRank[r];
        }
        return s;
    }

    /** Adds one sample from its scores (one per class). */
    public void addScores(float[] scores, int label) {
        addScores(scores, 0, label);
    }

    /**
     * Adds a batch: {@code scores} holds {@code labels.length} rows of {@code numClasses} scores
     * (row-major, as a [batch, classes] tensor's data).
     */
    public void addBatch(float[] scores, int[] labels) {
        int k = numClasses();
        if (scores.length != labels.length * k) {
            throw new IllegalArgumentException("scores hold " + scores.length + " values; expected " + labels.length
                    + " samples x " + k + " classes");
        }
        for (int i = 0; i < labels.length; i++) {
            addScores(scores, i * k, labels[i]);
        }
    }

    private void addScores(float[] scores, int offset, int label) {
        int k = numClasses();
        checkLabel(label);
        if (offset + k > scores.length) {
            throw new IllegalArgumentException("scores hold " + (scores.length - offset) + " values; expected " + k);
        }
        float own = scores[offset + label];
        int rank = 0;
        int best = 0;
        float bestScore = Float.NEGATIVE_INFINITY;
        boolean invalid = false;
        for (int c = 0; c < k; c++) {
            float s = scores[offset + c];
            if (Float.isNaN(s)) {
                invalid = true;
                break;
            }
            if (s > own || (s == own && c < label)) {
                rank++;
            }
            if (s > bestScore || c == 0) {
                bestScore = s;
                best = c;
            }
        }
        if (invalid) {
            invalidSamples++;
            confusion.add(label, confusion.voidColumn(), 1);
            return;
        }
        confusion.add(label, best, 1);
        if (rank < MAX_RANK) {
            hitsAtRank[rank]++;
        }
    }

    /**
     * Adds one sample from ranked predictions (best first; only the first {@value #MAX_RANK}
     * matter). An empty ranking counts as wrong with a void prediction.
     */
    public void addRanked(int[] ranked, int label) {
        checkLabel(label);
        if (ranked.length == 0) {
            confusion.add(label, confusion.voidColumn(), 1);
            return;
        }
        int top = ranked[0];
        confusion.add(label, top >= 0 && top < numClasses() ? top : confusion.voidColumn(), 1);
        for (int r = 0; r < Math.min(MAX_RANK, ranked.length); r++) {
            if (ranked[r] == label) {
                hitsAtRank[r]++;
                break;
            }
        }
    }

    private void checkLabel(int label) {
        if (label < 0 || label >= numClasses()) {
            throw new IllegalArgumentException("label " + label + " is not a class (0.." + (numClasses() - 1) + ")");
        }
    }

    /** Adds another set of counts (exact). */
    public void merge(ClassificationCounts other) {
        confusion.merge(other.confusion);
        for (int r = 0; r < MAX_RANK; r++) {
            hitsAtRank[r] = Math.addExact(hitsAtRank[r], other.hitsAtRank[r]);
        }
        invalidSamples = Math.addExact(invalidSamples, other.invalidSamples);
    }

    public ClassificationCounts copy() {
        return new ClassificationCounts(confusion.copy(), hitsAtRank, invalidSamples);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClassificationCounts c && c.confusion.equals(confusion)
                && Arrays.equals(c.hitsAtRank, hitsAtRank) && c.invalidSamples == invalidSamples;
    }

    @Override
    public int hashCode() {
        return confusion.hashCode() * 31 + Arrays.hashCode(hitsAtRank);
    }
}
