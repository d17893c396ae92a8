package dev.mdeq.data;

/**
 * Where the training data stream stands: the epoch, and how many samples of that epoch's order
 * have been consumed (always a multiple of the batch size during training). This is the data-order
 * state a checkpoint saves; {@link BatchLoader#open} restarts from it and, because the order and
 * every augmentation are functions of (seed, epoch, sample index), a resumed run sees exactly the
 * batches an uninterrupted run would have seen.
 *
 * @param epoch the epoch, from 0
 * @param position samples of the epoch already consumed
 */
public record DataPosition(int epoch, int position) {
    public DataPosition {
        if (epoch < 0 || position < 0) {
            throw new IllegalArgumentException("data position must not be negative, got epoch " + epoch
                    + " position " + position);
        }
    }

    /** The start of an epoch. */
    public static DataPosition startOf(int epoch) {
        return new DataPosition(epoch, 0);
    }
}
