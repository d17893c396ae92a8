package dev.mdeq.data;

/**
 * Per-channel {@code (x / 255 - mean) / std} of 8-bit pixels, precomputed as a 256-entry table per
 * channel (every input of the pipelines is an 8-bit pixel), in the arithmetic of the reference's
 * pipeline: torchvision's {@code ToTensor + Normalize} work in float32 with float32 mean/std;
 * the Cityscapes pipeline's numpy code divides in float32 and subtracts/divides the float64
 * mean/std, rounding to float32 after each step.
 */
public final class Normalization {
    /** CIFAR-10 statistics of the reference's cls_train.py. */
    public static final Normalization CIFAR10 = torchvision(
            new double[] {0.4914, 0.4822, 0.4465}, new double[] {0.2023, 0.1994, 0.2010});
    /** ImageNet statistics (ImageNet pipeline, torchvision arithmetic). */
    public static final Normalization IMAGENET = torchvision(
            new double[] {0.485, 0.456, 0.406}, new double[] {0.229, 0.224, 0.225});
    /** ImageNet statistics in the Cityscapes pipeline's numpy arithmetic (base_dataset.input_transform). */
    public static final Normalization CITYSCAPES = numpy(
            new double[] {0.485, 0.456, 0.406}, new double[] {0.229, 0.224, 0.225});
    /**
     * Fashion-MNIST: mean 0.2860 and std 0.3530 of the 60000 training images' pixels, the same for
     * the three channels the grey image is replicated to.
     */
    public static final Normalization FASHION_MNIST = torchvision(
            new double[] {0.2860, 0.2860, 0.2860}, new double[] {0.3530, 0.3530, 0.3530});

    private final float[][] table;
    private final double[] mean;
    private final double[] std;

    private Normalization(double[] mean, double[] std, float[][] table) {
        this.mean = mean.clone();
        this.std = std.clone();
        this.table = table;
    }

    /** torchvision {@code ToTensor()} then {@code Normalize(mean, std)}: all float32. */
    public static Normalization torchvision(double[] mean, double[] std) {
        float[][] table = new float[mean.length][256];
        for (int c = 0; c < mean.length; c++) {
            float m = (float) mean[c];
            float s = (float) std[c];
            for (int v = 0; v < 256; v++) {
                float x = (float) v / 255f;
                table[c][v] = (x - m) / s;
            }
        }
        return new Normalization(mean, std, table);
    }

    /** numpy {@code img.astype(float32) / 255.0; img -= mean; img /= std} with float64 mean/std. */
    public static Normalization numpy(double[] mean, double[] std) {
        float[][] table = new float[mean.length][256];
        for (int c = 0; c < mean.length; c++) {
            for (int v = 0; v < 256; v++) {
                float x = (float) v / 255f;
                x = (float) (x - mean[c]);
                table[c][v] = (float) (x / std[c]);
            }
        }
        return new Normalization(mean, std, table);
    }

    public int channels() {
        return table.length;
    }

    /** The normalised value of pixel value {@code value} (0..255) in channel {@code channel}. */
    public float apply(int channel, int value) {
        return table[channel][value];
    }

    /** The table of one channel (index: pixel value 0..255); callers must not modify it. */
    float[] table(int channel) {
        return table[channel];
    }

    public double[] mean() {
        return mean.clone();
    }

    public double[] std() {
        return std.clone();
    }
}
