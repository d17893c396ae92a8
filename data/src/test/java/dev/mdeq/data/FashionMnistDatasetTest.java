package dev.mdeq.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mdeq.runstore.run.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistDatasetTest {
    @TempDir
    Path dir;

    private static byte[] images(int n) {
        byte[] data = new byte[n * 28 * 28];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) ((i * 13) % 256);
        }
        return data;
    }

    private void write(String prefix, int n, boolean gzip) throws IOException {
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) ((i * 3) % 10);
        }
        TestImages.idx(dir.resolve(prefix + "-images-idx3-ubyte" + (gzip ? ".gz" : "")), new int[] {n, 28, 28},
                images(n), gzip);
        TestImages.idx(dir.resolve(prefix + "-labels-idx1-ubyte" + (gzip ? ".gz" : "")), new int[] {n}, labels, gzip);
    }

    @Test
    void readsGzippedAndPlainIdxAndReplicatesGreyToThreeNormalisedChannels() throws IOException {
        write("train", 5, true);
        write("t10k", 3, false);
        FashionMnistDataset train = FashionMnistDataset.open(dir, "train", false);
        FashionMnistDataset test = FashionMnistDataset.open(dir, "val", false);
        assertEquals(5, train.size());
        assertEquals(3, test.size());
        Sample s = train.get(4, new DataRandom(0));
        assertEquals(2, s.labels()[0]); // 4 * 3 % 10
        assertEquals(3, s.channels());
        for (int c = 0; c < 3; c++) {
            for (int p : new int[] {0, 100, 783}) {
                int raw = ((4 * 784 + p) * 13) % 256;
                assertEquals((raw / 255.0 - 0.2860) / 0.3530, s.image()[c * 784 + p], 1e-5);
            }
        }
    }

    @Test
    void badIdxFilesAreNamed() throws IOException {
        write("train", 4, false);
        Path labels = dir.resolve("train-labels-idx1-ubyte");
        TestImages.idx(labels, new int[] {3}, new byte[] {1, 2, 3}, false);
        InvalidInputException count = assertThrows(InvalidInputException.class,
                () -> FashionMnistDataset.open(dir, "train", false));
        assertEquals(labels + ": expected 4 labels (one per image of train-images-idx3-ubyte), got dimensions [3]",
                count.getMessage());

        Path images = dir.resolve("train-images-idx3-ubyte");
        byte[] truncated = Files.readAllBytes(images);
        Files.write(images, java.util.Arrays.copyOf(truncated, truncated.length - 10));
        InvalidInputException size = assertThrows(InvalidInputException.class, () -> IdxFile.read(images));
        assertEquals(images + ": IDX dimensions [4, 28, 28] need 3136 data bytes, the file has 3126", size.getMessage());

        Files.write(images, new byte[] {0x50, 0x4B, 3, 4, 0, 0});
        InvalidInputException magic = assertThrows(InvalidInputException.class, () -> IdxFile.read(images));
        assertEquals(images + ": not an IDX file (the first two bytes must be 0)", magic.getMessage());

        InvalidInputException missing = assertThrows(InvalidInputException.class,
                () -> FashionMnistDataset.open(dir, "test", false));
        assertTrue(missing.getMessage().contains("t10k-images-idx3-ubyte: IDX file not found"), missing.getMessage());
    }

    @Test
    void thePresetReadsItsSplitsThroughTheConfig() throws IOException {
        write("train", 4, true);
        write("t10k", 2, true);
        dev.mdeq.config.ExperimentConfig config = dev.mdeq.config.Presets.load("fashion_mnist/cls_mdeq_fmnist",
                java.util.List.of("DATASET.ROOT", dir.toString()));
        ImageDataset train = Datasets.training(config, dir);
        ImageDataset val = Datasets.validation(config, dir);
        assertEquals(4, train.size());
        assertEquals(2, val.size());
        Sample s = val.get(1, new DataRandom(0));
        assertEquals(3, s.channels());
        assertEquals(config.model().imageSize().get(1), s.height());
        assertEquals(config.model().imageSize().get(0), s.width());
    }

    @Test
    void theInstalledRealSetHasSixtyAndTenThousandBalancedImages() {
        Path real = Path.of("/usr/share/datasets/fashion-mnist");
        assumeTrue(Files.isDirectory(real), "dataset-fashion-mnist is not installed");
        FashionMnistDataset test = FashionMnistDataset.open(real, "test", false);
        assertEquals(10000, test.size());
        int[] counts = new int[10];
        double sum = 0;
        for (int i = 0; i < test.size(); i++) {
            Sample s = test.get(i, new DataRandom(0));
            counts[s.labels()[0]]++;
            if (i < 500) {
                for (int p = 0; p < 784; p++) {
                    sum += s.image()[p];
                }
            }
        }
        assertEquals(java.util.Collections.nCopies(10, 1000).toString(), java.util.Arrays.toString(counts));
        // Normalised with the training statistics, test pixels average close to 0.
        assertEquals(0.0, sum / (500 * 784), 0.05);
        assertEquals(60000, FashionMnistDataset.open(real, "train", false).size());
    }
}
