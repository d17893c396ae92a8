package dev.mdeq.trainer.data;

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

    public DataOrder(int datasetSize, int batchSize, boolean shuffle, boolean dropLast, long seed) {
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
        return dropLast ? datasetSize / batchSize : (datasetSize + batchSize - 1) / batchSize;
    }

    /** Samples an epoch delivers (fewer than the data set with drop_last). */
    public int samplesPerEpoch() {
        return dropLast ? batchesPerEpoch() * batchSize : datasetSize;
    }

    /** Data set indices in the order epoch {@code epoch} reads them (all of them, before drop_last). */
    public int[] epochOrder(int epoch) {
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
