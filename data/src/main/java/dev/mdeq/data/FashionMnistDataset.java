package dev.mdeq.data;

import dev.mdeq.config.Task;
import dev.mdeq.runstore.run.InvalidInputException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Fashion-MNIST in IDX format ({@code train-images-idx3-ubyte[.gz]}, {@code train-labels-idx1-ubyte[.gz]},
 * {@code t10k-*}; {@code apt-get install dataset-fashion-mnist} puts them in
 * /usr/share/datasets/fashion-mnist). 28x28 grey images, 10 classes.
 *
 * <p>The MDEQ stem takes 3 channels, so each grey image is replicated to 3 identical channels,
 * normalised with the training set's mean and std ({@link Normalization#FASHION_MNIST}). No
 * augmentation (the preset trains without it; DATASET.AUGMENT adds a horizontal flip).
 */
public final class FashionMnistDataset implements ImageDataset {
    public static final int SIDE = 28;
    public static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private final String description;
    private final String split;
    private final byte[] pixels;
    private final byte[] labels;
    private final boolean augment;

    private FashionMnistDataset(String description, String split, byte[] pixels, byte[] labels, boolean augment) {
        this.description = description;
        this.split = split;
        this.pixels = pixels;
        this.labels = labels;
        this.augment = augment;
    }

    /** Opens a split: {@code train}, or {@code val}/{@code test}/{@code t10k} (the 10000 test images). */
    public static FashionMnistDataset open(Path root, String split, boolean augment) {
        String prefix = switch (split) {
            case "train" -> "train";
            case "val", "valid", "test", "t10k" -> "t10k";
            default -> throw new InvalidInputException("Fashion-MNIST split '" + split
                    + "' is not known; valid: train, val (= t10k test set)");
        };
        IdxFile images = IdxFile.read(root.resolve(prefix + "-images-idx3-ubyte"));
        IdxFile labels = IdxFile.read(root.resolve(prefix + "-labels-idx1-ubyte"));
        if (images.dims().length != 3 || images.dims()[1] != SIDE || images.dims()[2] != SIDE) {
            throw new InvalidInputException(images.file() + ": expected N x 28 x 28 images, got dimensions "
                    + Arrays.toString(images.dims()));
        }
        if (labels.dims().length != 1 || labels.dims()[0] != images.dims()[0]) {
            throw new InvalidInputException(labels.file() + ": expected " + images.dims()[0]
                    + " labels (one per image of " + images.file().getFileName() + "), got dimensions "
                    + Arrays.toString(labels.dims()));
        }
        byte[] l = labels.data();
        for (int i = 0; i < l.length; i++) {
            if ((l[i] & 0xFF) > 9) {
                throw new InvalidInputException(labels.file() + ": label " + i + " is " + (l[i] & 0xFF)
                        + "; Fashion-MNIST labels are 0..9");
            }
        }
        return new FashionMnistDataset("fashion_mnist " + split + " (" + root + ", " + l.length + " images)",
                split, images.data(), l, augment);
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public Task task() {
        return Task.CLASSIFICATION;
    }

    @Override
    public int numClasses() {
        return 10;
    }

    @Override
    public String sampleName(int index) {
        return "fashion_mnist_" + split + "_" + index;
    }

    @Override
    public Sample get(int index, DataRandom random) {
        boolean flip = augment && random.bernoulli(0.5);
        int n = SIDE * SIDE;
        float[] out = new float[3 * n];
        float[] table = Normalization.FASHION_MNIST.table(0);
        int base = index * n;
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                int sx = flip ? SIDE - 1 - x : x;
                out[y * SIDE + x] = table[pixels[base + y * SIDE + sx] & 0xFF];
            }
        }
        System.arraycopy(out, 0, out, n, n);
        System.arraycopy(out, 0, out, 2 * n, n);
        return new Sample(index, out, 3, SIDE, SIDE, new int[] {labels[index] & 0xFF});
    }
}
