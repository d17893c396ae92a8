package dev.mdeq.data;

import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.Task;
import java.util.Arrays;

/**
 * The order in which one split is read: a permutation per epoch drawn from (seed, epoch) when
 * shuffling (as the reference's {@code shuffle=True}), the identity otherwise, cut into batches.
 * Segmentation training drops the last incomplete batch ({@code drop_last=True} in the reference's
 * seg_train.py); classification training (cls_train.py) and evaluation keep it.
 */
public final class DataOrder {
    private final int datasetSize;
    private final int batchSize;
    private final boolean shuffle;
    private final boolean dropLast;
    private final long seed;
    /** The indices read (evaluation of a subset or shard), or null for all of them. */
    private final int[] subset;

    public DataOrder(int datasetSize, int batchSize, boolean shuffle, boolean dropLast, long seed) {
        this(datasetSize, batchSize, shuffle, dropLast, seed, null);
    }

    private DataOrder(int datasetSize, int batchSize, boolean shuffle, boolean dropLast, long seed, int[] subset) {
        if (datasetSize < 0) {
            throw new IllegalArgumentException("data set size must not be negative, got " + datasetSize);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        this.datasetSize = datasetSize;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.dropLast = dropLast;
        this.seed = seed;
        this.subset = subset;
    }

    /**
     * The training order of a config: shuffled with RUN.SEED unless TRAIN.SHUFFLE is off, drop_last
     * for segmentation only, as the reference's loaders.
     */
    public static DataOrder forTraining(ExperimentConfig config, int datasetSize, int batchSize) {
        return new DataOrder(datasetSize, batchSize, config.train().shuffle(), config.task() == Task.SEGMENTATION,
                config.run().seed());
    }

    /** The evaluation order: every sample once, in data set order, the last batch possibly smaller. */
    public static DataOrder evaluation(int datasetSize, int batchSize) {
        return new DataOrder(datasetSize, batchSize, false, false, 0L);
    }

    /**
     * Evaluation of some samples only, in the given order (a validation subset such as the first
     * RUN.VAL_SAMPLES).
     */
    public static DataOrder evaluation(int datasetSize, int batchSize, int[] indices) {
        for (int i : indices) {
            if (i < 0 || i >= datasetSize) {
                throw new IllegalArgumentException("sample index " + i + " is outside the data set of " + datasetSize);
            }
        }
        return new DataOrder(datasetSize, batchSize, false, false, 0L, indices.clone());
    }

    public int datasetSize() {
        return datasetSize;
    }

    public int batchSize() {
        return batchSize;
    }

    public long seed() {
        return seed;
    }

    public boolean shuffle() {
        return shuffle;
    }

    public boolean dropLast() {
        return dropLast;
    }

    /** Batches per epoch: floor(n / B) with drop_last, else ceil(n / B). */
    public int batchesPerEpoch() {
        int n = samplesRead();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** Samples an epoch delivers (fewer than it reads with drop_last). */
    public int samplesPerEpoch() {
        return dropLast ? batchesPerEpoch() * batchSize : samplesRead();
    }

    private int samplesRead() {
        return subset != null ? subset.length : datasetSize;
    }

    /** Data set indices in the order epoch {@code epoch} reads them (all of them, before drop_last). */
    public int[] epochOrder(int epoch) {
        if (subset != null) {
            return subset.clone();
        }
        if (!shuffle) {
            int[] identity = new int[datasetSize];
            Arrays.setAll(identity, i -> i);
            return identity;
        }
        return DataRandom.forOrder(seed, epoch).permutation(datasetSize);
    }

    /** The position after {@code position}'s epoch is finished: the start of the next epoch. */
    public DataPosition normalize(DataPosition position) {
        check(position);
        return position.position() == samplesPerEpoch() ? DataPosition.startOf(position.epoch() + 1) : position;
    }

    /** Fails unless the position lies on a batch boundary inside its epoch. */
    public void check(DataPosition position) {
        int p = position.position();
        if (p > samplesPerEpoch() || (p % batchSize != 0 && p != samplesPerEpoch())) {
            throw new IllegalArgumentException("data position " + p + " of epoch " + position.epoch()
                    + " is not a batch boundary of this order (batch size " + batchSize + ", "
                    + samplesPerEpoch() + " samples per epoch)");
        }
    }
}
