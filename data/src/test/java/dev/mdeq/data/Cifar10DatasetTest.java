package dev.mdeq.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.runstore.run.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10DatasetTest {
    @TempDir
    Path dir;

    private static final double[] MEAN = {0.4914, 0.4822, 0.4465};
    private static final double[] STD = {0.2023, 0.1994, 0.2010};

    private static double normalised(int value, int channel) {
        return (value / 255.0 - MEAN[channel]) / STD[channel];
    }

    private Path writeSplits(Path folder) throws IOException {
        for (int i = 1; i <= 5; i++) {
            TestImages.cifar(folder.resolve("data_batch_" + i + ".bin"), i, (i + 3) % 10);
        }
        TestImages.cifar(folder.resolve("test_batch.bin"), 7, 2, 9);
        return folder;
    }

    @Test
    void readsBatchFilesInOrderWithLabelsAndNormalisedPlanes() throws IOException {
        writeSplits(dir.resolve("cifar-10-batches-bin"));
        Cifar10Dataset train = Cifar10Dataset.open(dir, "train", false);
        assertEquals(10, train.size());
        // data_batch_3.bin holds records 4 and 5: labels 3 and 6.
        assertEquals(3, train.get(4, new DataRandom(0)).labels()[0]);
        assertEquals(6, train.get(5, new DataRandom(0)).labels()[0]);

        Cifar10Dataset test = Cifar10Dataset.open(dir, "val", false);
        assertEquals(3, test.size());
        Sample s = test.get(1, new DataRandom(0));
        assertEquals(2, s.labels()[0]);
        assertEquals(3 * 32 * 32, s.image().length);
        for (int c = 0; c < 3; c++) {
            for (int[] yx : new int[][] {{0, 0}, {5, 17}, {31, 31}}) {
                double expected = normalised(TestImages.cifarPixel(1, c, yx[0], yx[1]), c);
                assertEquals(expected, s.image()[(c * 32 + yx[0]) * 32 + yx[1]], 1e-5);
            }
        }
    }

    @Test
    void augmentationIsAPaddedCropOfThirtyTwoWithOptionalFlipCoveringEveryOffset() throws IOException {
        writeSplits(dir);
        Cifar10Dataset test = Cifar10Dataset.open(dir, "test", true);
        Set<String> seen = new HashSet<>();
        for (int seed = 0; seed < 3000; seed++) {
            Sample s = test.get(0, new DataRandom(seed));
            String match = findCrop(s.image());
            assertTrue(match != null, "seed " + seed + ": output is no padded crop of the record");
            seen.add(match);
        }
        // 9 x 9 offsets x 2 flips, all drawn.
        assertEquals(162, seen.size());
    }

    /** Which (top, left, flip) of the 40x40 zero-padded record 0 the output equals, or null. */
    private static String findCrop(float[] image) {
        for (int top = 0; top <= 8; top++) {
            for (int left = 0; left <= 8; left++) {
                for (boolean flip : new boolean[] {false, true}) {
                    if (isCrop(image, top, left, flip)) {
                        return top + "," + left + "," + flip;
                    }
                }
            }
        }
        return null;
    }

    private static boolean isCrop(float[] image, int top, int left, boolean flip) {
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    int sy = y + top - 4;
                    int sx = (flip ? 31 - x : x) + left - 4;
                    int v = sy >= 0 && sy < 32 && sx >= 0 && sx < 32 ? TestImages.cifarPixel(0, c, sy, sx) : 0;
                    if (Math.abs(image[(c * 32 + y) * 32 + x] - normalised(v, c)) > 1e-5) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    @Test
    void aFileOfTheWrongLengthNamesTheFileAndTheRecordSize() throws IOException {
        writeSplits(dir);
        Path bad = dir.resolve("test_batch.bin");
        Files.write(bad, new byte[3073 * 2 + 100]);
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Cifar10Dataset.open(dir, "val", false));
        assertTrue(e.getMessage().startsWith(bad + ": 6246 bytes is not a positive multiple of 3073"), e.getMessage());
    }

    @Test
    void aLabelAboveNineIsRefusedWithItsRecord() throws IOException {
        writeSplits(dir);
        TestImages.cifar(dir.resolve("test_batch.bin"), 1, 12);
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Cifar10Dataset.open(dir, "val", false));
        assertEquals(dir.resolve("test_batch.bin") + ": record 1 has label 12; CIFAR-10 labels are 0..9", e.getMessage());
    }

    @Test
    void aMissingBatchFileAndAnUnknownSplitAreExplained() throws IOException {
        writeSplits(dir);
        Files.delete(dir.resolve("data_batch_4.bin"));
        InvalidInputException missing = assertThrows(InvalidInputException.class,
                () -> Cifar10Dataset.open(dir, "train", false));
        assertTrue(missing.getMessage().startsWith(dir.resolve("data_batch_4.bin") + ": CIFAR-10 batch file not found"),
                missing.getMessage());
        InvalidInputException split = assertThrows(InvalidInputException.class,
                () -> Cifar10Dataset.open(dir, "extra", false));
        assertEquals("CIFAR-10 split 'extra' is not known; valid: train, val (= test)", split.getMessage());
    }
}
