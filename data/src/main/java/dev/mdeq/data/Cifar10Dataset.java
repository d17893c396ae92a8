package dev.mdeq.data;

import dev.mdeq.config.Task;
import dev.mdeq.runstore.run.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CIFAR-10 in its binary distribution format ({@code cifar-10-batches-bin}): {@code data_batch_1..5.bin}
 * (train) and {@code test_batch.bin} (test), each a sequence of 3073-byte records: one label byte
 * (0..9), then 1024 red, 1024 green and 1024 blue bytes of a 32x32 image, rows top to bottom.
 * All records are held in memory (150 MB for the training split).
 *
 * <p>Transforms as the reference's cls_train.py: training with DATASET.AUGMENT is
 * {@code RandomCrop(32, padding=4)} (zero padding) then {@code RandomHorizontalFlip()}; then
 * {@code ToTensor + Normalize(CIFAR mean, std)}.
 */
public final class Cifar10Dataset implements ImageDataset {
    public static final int SIDE = 32;
    public static final int RECORD = 1 + 3 * SIDE * SIDE;
    public static final List<String> CLASSES = List.of(
            "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");
    private static final int PADDING = 4;

    private final String description;
    private final String split;
    private final byte[] records;
    private final int size;
    private final boolean augment;

    private Cifar10Dataset(String description, String split, byte[] records, boolean augment) {
        this.description = description;
        this.split = split;
        this.records = records;
        this.size = records.length / RECORD;
        this.augment = augment;
    }

    /**
     * Opens a split: {@code train} reads data_batch_1..5.bin, {@code val}/{@code test} test_batch.bin,
     * from {@code root} or {@code root/cifar-10-batches-bin}.
     */
    public static Cifar10Dataset open(Path root, String split, boolean augment) {
        List<String> names = switch (split) {
            case "train" -> List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                    "data_batch_4.bin", "data_batch_5.bin");
            case "val", "valid", "test" -> List.of("test_batch.bin");
            default -> throw new InvalidInputException("CIFAR-10 split '" + split
                    + "' is not known; valid: train, val (= test)");
        };
        Path folder = Files.isRegularFile(root.resolve(names.get(0))) ? root : root.resolve("cifar-10-batches-bin");
        List<byte[]> parts = new ArrayList<>();
        long total = 0;
        for (String name : names) {
            byte[] part = readFile(folder.resolve(name), root);
            parts.add(part);
            total += part.length;
        }
        byte[] all = new byte[Math.toIntExact(total)];
        int offset = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, offset, part.length);
            offset += part.length;
        }
        return new Cifar10Dataset("cifar10 " + split + " (" + folder + ", " + (all.length / RECORD) + " images)",
                split, all, augment);
    }

    /** Reads and checks one batch file: its length and every label byte. */
    static byte[] readFile(Path file, Path root) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException(file + ": CIFAR-10 batch file not found (DATASET.ROOT " + root
                    + " must hold the binary version's data_batch_1..5.bin and test_batch.bin, directly or in "
                    + "cifar-10-batches-bin/)");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InvalidInputException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (bytes.length == 0 || bytes.length % RECORD != 0) {
            throw new InvalidInputException(file + ": " + bytes.length + " bytes is not a positive multiple of "
                    + RECORD + " (a CIFAR-10 record is 1 label byte + 3072 pixel bytes); the file is truncated "
                    + "or not the binary version");
        }
        for (int r = 0; r < bytes.length / RECORD; r++) {
            int label = bytes[r * RECORD] & 0xFF;
            if (label > 9) {
                throw new InvalidInputException(file + ": record " + r + " has label " + label
                        + "; CIFAR-10 labels are 0..9");
            }
        }
        return bytes;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public int size() {
        return size;
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
        return "cifar10_" + split + "_" + index;
    }

    @Override
    public Sample get(int index, DataRandom random) {
        int base = index * RECORD;
        int label = records[base] & 0xFF;
        int top = PADDING;
        int left = PADDING;
        boolean flip = false;
        if (augment) {
            // torchvision RandomCrop(32, padding=4): offsets into the 40x40 padded image, then flip p 0.5.
            top = random.randint(0, 2 * PADDING);
            left = random.randint(0, 2 * PADDING);
            flip = random.bernoulli(0.5);
        }
        float[] out = new float[3 * SIDE * SIDE];
        Normalization norm = Normalization.CIFAR10;
        for (int c = 0; c < 3; c++) {
            float[] table = norm.table(c);
            int plane = base + 1 + c * SIDE * SIDE;
            for (int y = 0; y < SIDE; y++) {
                int sy = y + top - PADDING;
                for (int x = 0; x < SIDE; x++) {
                    int ox = flip ? SIDE - 1 - x : x;
                    int sx = x + left - PADDING;
                    int value = sy >= 0 && sy < SIDE && sx >= 0 && sx < SIDE ? records[plane + sy * SIDE + sx] & 0xFF : 0;
                    out[(c * SIDE + y) * SIDE + ox] = table[value];
                }
            }
        }
        return new Sample(index, out, 3, SIDE, SIDE, new int[] {label});
    }
}
