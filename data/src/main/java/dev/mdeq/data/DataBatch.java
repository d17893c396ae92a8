package dev.mdeq.data;

/**
 * A batch as the training loop consumes it: plain arrays, turned into NDArrays by the trainer.
 *
 * @param images B*C*H*W normalised pixels, float32, row-major NCHW
 * @param shape {B, C, H, W}
 * @param labels B class indices (classification), B*H*W train ids (segmentation, 255 = ignore),
 *     or null for an image-only split
 * @param labelShape {B} or {B, H, W}; null with the labels
 * @param sampleIds the data set index of every sample
 * @param epoch the epoch the batch belongs to
 * @param nextPosition the data position after this batch: what a checkpoint taken after this
 *     batch's step saves
 */
public record DataBatch(float[] images, int[] shape, int[] labels, int[] labelShape, int[] sampleIds, int epoch,
        DataPosition nextPosition) {

    public int size() {
        return shape[0];
    }
}
