package dev.mdeq.data;

/**
 * One decoded, transformed sample, ready to be batched.
 *
 * @param index the sample's index in its data set
 * @param image normalised pixels, CHW, float32
 * @param channels C
 * @param height H
 * @param width W
 * @param labels one class index (classification), or H*W train ids with 255 = ignore
 *     (segmentation); null for an image-only split (a Cityscapes test list)
 */
public record Sample(int index, float[] image, int channels, int height, int width, int[] labels) {
    public Sample {
        if (image.length != channels * height * width) {
            throw new IllegalArgumentException("sample " + index + ": " + image.length + " pixels for shape "
                    + channels + "x" + height + "x" + width);
        }
    }
}
