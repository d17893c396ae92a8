package dev.mdeq.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.runstore.run.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CityscapesDatasetTest {
    @TempDir
    Path root;

    private static final String IMAGE = "leftImg8bit/val/ulm/ulm_000000_000019_leftImg8bit.png";
    private static final String LABEL = "gtFine/val/ulm/ulm_000000_000019_gtFine_labelIds.png";

    /** An 8x16 image and its label ids: column x holds label id x + 5 (ids 5..20), row 0 is ego vehicle (1). */
    private ImageU8 writeSample(String image, String label) throws IOException {
        ImageU8 rgb = TestImages.pattern(8, 16, 3);
        ImageU8 ids = ImageU8.zeros(8, 16, 1);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 16; x++) {
                ids.set(y, x, 0, y == 0 ? 1 : x + 5);
            }
        }
        TestImages.png(root.resolve("cityscapes").resolve(image), rgb);
        TestImages.png(root.resolve("cityscapes").resolve(label), ids);
        return rgb;
    }

    private static CityscapesTransforms.Settings validation() {
        return new CityscapesTransforms.Settings(2048, 2048, 1024, 16, false, false, false, 255);
    }

    private static int expectedTrainId(int labelId) {
        // docs/reference-model.md §5: 7->0, 8->1, 11->2, 12->3, 13->4, 17->5, 19->6, 20->7; the rest ignored.
        return switch (labelId) {
            case 7 -> 0;
            case 8 -> 1;
            case 11 -> 2;
            case 12 -> 3;
            case 13 -> 4;
            case 17 -> 5;
            case 19 -> 6;
            case 20 -> 7;
            default -> 255;
        };
    }

    private void writeList(String name, String content) throws IOException {
        Files.createDirectories(root.resolve("list/cityscapes"));
        Files.writeString(root.resolve("list/cityscapes").resolve(name), content);
    }

    @Test
    void validationSamplesAreFullSizeNormalisedWithTrainIds() throws IOException {
        ImageU8 rgb = writeSample(IMAGE, LABEL);
        writeList("val.lst", "\n" + IMAGE + "  \t" + LABEL + "\n\n");
        CityscapesList list = CityscapesList.read(root, "list/cityscapes/val.lst");
        assertEquals(2, list.entries().get(0).line());
        CityscapesDataset d = new CityscapesDataset(list, validation(), 0);
        assertEquals("ulm_000000_000019_leftImg8bit", d.sampleName(0));
        Sample s = d.get(0, new DataRandom(0));
        assertEquals(8, s.height());
        assertEquals(16, s.width());
        double[] mean = {0.485, 0.456, 0.406};
        double[] std = {0.229, 0.224, 0.225};
        for (int c = 0; c < 3; c++) {
            for (int[] yx : new int[][] {{0, 0}, {3, 9}, {7, 15}}) {
                double expected = (rgb.get(yx[0], yx[1], c) / 255.0 - mean[c]) / std[c];
                assertEquals(expected, s.image()[(c * 8 + yx[0]) * 16 + yx[1]], 1e-5);
            }
        }
        for (int x = 0; x < 16; x++) {
            assertEquals(255, s.labels()[x], "ego vehicle row");
            assertEquals(expectedTrainId(x + 5), s.labels()[16 + x], "label id " + (x + 5));
        }
    }

    @Test
    void unscaledTrainingCropsPadWithZeroPixelsAndIgnoreLabels() throws IOException {
        ImageU8 rgb = writeSample(IMAGE, LABEL);
        writeList("train.lst", IMAGE + " " + LABEL + "\n");
        // SCALE_FACTOR 0: scale 0.5, BASE_SIZE 32: long side int(32 * 0.5 + 0.5) = 16 = the image's,
        // so no resampling; the 20x10 crop is larger than 16x8: padded, x = y = 0.
        CityscapesTransforms.Settings settings = new CityscapesTransforms.Settings(32, 20, 10, 0, true, false, false, 255);
        CityscapesDataset d = new CityscapesDataset(CityscapesList.read(root, "list/cityscapes/train.lst"), settings, 0);
        Sample s = d.get(0, new DataRandom(3));
        assertEquals(10, s.height());
        assertEquals(20, s.width());
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 10; y++) {
                for (int x = 0; x < 20; x++) {
                    int raw = y < 8 && x < 16 ? rgb.get(y, x, c) : 0;
                    assertEquals(Normalization.CITYSCAPES.apply(c, raw), s.image()[(c * 10 + y) * 20 + x]);
                }
            }
        }
        assertEquals(expectedTrainId(12), s.labels()[3 * 20 + 7]);
        assertEquals(255, s.labels()[9 * 20 + 3]);
        assertEquals(255, s.labels()[2 * 20 + 17]);
    }

    @Test
    void trainingFlipsHalfTheTimeAndCropsInsideTheScaledImage() throws IOException {
        writeSample(IMAGE, LABEL);
        writeList("train.lst", IMAGE + " " + LABEL + "\n");
        CityscapesList list = CityscapesList.read(root, "list/cityscapes/train.lst");
        CityscapesTransforms.Settings noFlip = new CityscapesTransforms.Settings(32, 8, 4, 0, true, false, false, 255);
        CityscapesTransforms.Settings flip = new CityscapesTransforms.Settings(32, 8, 4, 0, true, true, false, 255);
        int flipped = 0;
        for (int seed = 0; seed < 200; seed++) {
            Sample plain = new CityscapesDataset(list, noFlip, 0).get(0, new DataRandom(seed));
            Sample maybe = new CityscapesDataset(list, flip, 0).get(0, new DataRandom(seed));
            // Same draws for scale and crop; the flip draw comes last.
            if (!java.util.Arrays.equals(plain.labels(), maybe.labels())) {
                flipped++;
                for (int y = 0; y < 4; y++) {
                    for (int x = 0; x < 8; x++) {
                        assertEquals(plain.labels()[y * 8 + x], maybe.labels()[y * 8 + 7 - x]);
                    }
                }
            }
        }
        assertTrue(flipped > 70 && flipped < 130, "flipped " + flipped + " of 200");
    }

    @Test
    void scaledSizesUseTheReferenceRounding() {
        // 2048x1024 at long side int(2048 * 0.7 + 0.5) = 1434: short side int(1024 * 1434 / 2048 + 0.5) = 717.
        assertArrayEquals(new int[] {1434, 717}, CityscapesTransforms.scaledSize(2048, 1024, 1434));
        // A portrait 100x300 to long 50: width int(100 * 50 / 300 + 0.5) = int(17.17) = 17.
        assertArrayEquals(new int[] {17, 50}, CityscapesTransforms.scaledSize(100, 300, 50));
        // 3x2 to long 5: int(2 * 5 / 3 + 0.5) = int(3.83) = 3.
        assertArrayEquals(new int[] {5, 3}, CityscapesTransforms.scaledSize(3, 2, 5));
    }

    @Test
    void scaledTrainingSamplesAreWindowsOfTheOpenCvResize() throws IOException {
        ImageU8 rgb = writeSample(IMAGE, LABEL);
        writeList("train.lst", IMAGE + " " + LABEL + "\n");
        // SCALE_FACTOR 16: scales 0.5..2.1 of BASE_SIZE 16: long sides 8..34, crop 6x4.
        CityscapesTransforms.Settings settings = new CityscapesTransforms.Settings(16, 6, 4, 16, true, false, false, 255);
        CityscapesDataset d = new CityscapesDataset(CityscapesList.read(root, "list/cityscapes/train.lst"), settings, 0);
        java.util.Set<Integer> widths = new java.util.HashSet<>();
        for (int seed = 0; seed < 300; seed++) {
            Sample s = d.get(0, new DataRandom(seed));
            // Find the scale (long side) and crop position that produce this sample.
            boolean found = false;
            for (int k = 0; k <= 16 && !found; k++) {
                int longSide = (int) (16 * (0.5 + k / 10.0) + 0.5);
                int[] size = CityscapesTransforms.scaledSize(16, 8, longSide);
                ImageU8 full = Resize.linear(rgb, size[0], size[1]);
                for (int y = 0; y + 4 <= size[1] && !found; y++) {
                    for (int x = 0; x + 6 <= size[0] && !found; x++) {
                        ImageU8 crop = full.crop(y, x, 4, 6);
                        float[] chw = Chw.normalize(crop, Normalization.CITYSCAPES);
                        if (java.util.Arrays.equals(chw, s.image())) {
                            found = true;
                            widths.add(size[0]);
                        }
                    }
                }
            }
            assertTrue(found, "seed " + seed + ": sample is no crop of a reference scale");
        }
        assertEquals(17, widths.size(), "every scale 0.5..2.1 drawn: " + widths);
    }

    @Test
    void imageOnlyListsGiveSamplesWithoutLabels() throws IOException {
        writeSample(IMAGE, LABEL);
        writeList("test.lst", IMAGE + "\n");
        CityscapesList list = CityscapesList.read(root, "list/cityscapes/test.lst");
        assertTrue(list.imageOnly());
        assertNull(new CityscapesDataset(list, validation(), 0).get(0, new DataRandom(0)).labels());
    }

    @Test
    void listProblemsNameTheListFileAndTheLine() throws IOException {
        writeSample(IMAGE, LABEL);
        Path list = root.resolve("list/cityscapes/val.lst");
        writeList("val.lst", IMAGE + " " + LABEL + "\n\n" + IMAGE + " gtFine/val/ulm/missing_labelIds.png\n");
        InvalidInputException missing = assertThrows(InvalidInputException.class,
                () -> CityscapesList.read(root, "list/cityscapes/val.lst"));
        assertEquals(list + ": 1 file(s) named by the list do not exist; line 3: label "
                + "gtFine/val/ulm/missing_labelIds.png not found ("
                + root.resolve("cityscapes/gtFine/val/ulm/missing_labelIds.png") + ")", missing.getMessage());

        writeList("val.lst", IMAGE + " " + LABEL + "\n" + IMAGE + " " + LABEL + " extra\n");
        InvalidInputException fields = assertThrows(InvalidInputException.class,
                () -> CityscapesList.read(root, "list/cityscapes/val.lst"));
        assertTrue(fields.getMessage().startsWith(list + " line 2: expected 'image_path label_path'"), fields.getMessage());

        writeList("val.lst", IMAGE + " " + LABEL + "\n" + IMAGE + "\n");
        InvalidInputException mixed = assertThrows(InvalidInputException.class,
                () -> CityscapesList.read(root, "list/cityscapes/val.lst"));
        assertTrue(mixed.getMessage().startsWith(list + " line 2: 1 field(s) where the lines before have 2"),
                mixed.getMessage());

        InvalidInputException noList = assertThrows(InvalidInputException.class,
                () -> CityscapesList.read(root, "list/cityscapes/train.lst"));
        assertTrue(noList.getMessage().startsWith(root.resolve("list/cityscapes/train.lst")
                + ": Cityscapes list file not found"), noList.getMessage());
    }

    @Test
    void badImagesAndLabelsNameTheFileAndTheReason() throws IOException {
        writeSample(IMAGE, LABEL);
        writeList("val.lst", IMAGE + " " + LABEL + "\n");
        CityscapesDataset d = new CityscapesDataset(CityscapesList.read(root, "list/cityscapes/val.lst"), validation(), 0);
        Path label = root.resolve("cityscapes").resolve(LABEL);
        Path image = root.resolve("cityscapes").resolve(IMAGE);

        TestImages.png(label, ImageU8.zeros(8, 12, 1));
        InvalidInputException size = assertThrows(InvalidInputException.class, () -> d.get(0, new DataRandom(0)));
        assertEquals(label + ": label map is 12x8 but its image " + image + " is 16x8 ("
                + root.resolve("list/cityscapes/val.lst") + " line 1)", size.getMessage());

        TestImages.png(label, TestImages.pattern(8, 16, 3));
        InvalidInputException colour = assertThrows(InvalidInputException.class, () -> d.get(0, new DataRandom(0)));
        assertTrue(colour.getMessage().startsWith(label + ": a label map must be an 8-bit grey image of label ids, got 3 band(s)"),
                colour.getMessage());

        byte[] png = Files.readAllBytes(image);
        Files.write(image, java.util.Arrays.copyOf(png, png.length / 2));
        InvalidInputException corrupt = assertThrows(InvalidInputException.class, () -> d.get(0, new DataRandom(0)));
        assertTrue(corrupt.getMessage().startsWith(image + ": corrupt or unsupported image: "), corrupt.getMessage());
    }

    @Test
    void numSamplesKeepsTheFirstEntries() throws IOException {
        writeSample(IMAGE, LABEL);
        writeSample("leftImg8bit/val/ulm/ulm_000001_000019_leftImg8bit.png", "gtFine/val/ulm/ulm_000001_000019_gtFine_labelIds.png");
        writeList("val.lst", IMAGE + " " + LABEL + "\nleftImg8bit/val/ulm/ulm_000001_000019_leftImg8bit.png "
                + "gtFine/val/ulm/ulm_000001_000019_gtFine_labelIds.png\n");
        CityscapesList list = CityscapesList.read(root, "list/cityscapes/val.lst");
        assertEquals(2, new CityscapesDataset(list, validation(), 0).size());
        assertEquals(1, new CityscapesDataset(list, validation(), 1).size());
    }
}
