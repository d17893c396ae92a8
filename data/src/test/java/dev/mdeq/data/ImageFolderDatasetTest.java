package dev.mdeq.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.runstore.run.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderDatasetTest {
    @TempDir
    Path dir;

    @Test
    void classesAreSortedFolderNamesAndFilesFollowImageFolderOrder() throws IOException {
        Path train = dir.resolve("train");
        TestImages.jpeg(train.resolve("n02/b.JPEG"), TestImages.flat(8, 8, 10, 20, 30), 0.9f);
        TestImages.jpeg(train.resolve("n02/a.jpeg"), TestImages.flat(8, 8, 10, 20, 30), 0.9f);
        TestImages.jpeg(train.resolve("n02/sub/0.jpg"), TestImages.flat(8, 8, 10, 20, 30), 0.9f);
        TestImages.png(train.resolve("n01/z.png"), TestImages.flat(8, 8, 1, 2, 3));
        Files.writeString(train.resolve("n01/notes.txt"), "not an image");
        Files.createDirectories(train.resolve("n03"));
        TestImages.png(train.resolve("n03/x.PNG"), TestImages.flat(8, 8, 1, 2, 3));

        ImageFolderDataset d = ImageFolderDataset.open(train, false, 224);
        assertEquals(List.of("n01", "n02", "n03"), d.classes());
        assertEquals(5, d.size());
        List<String> files = java.util.stream.IntStream.range(0, d.size())
                .mapToObj(i -> train.relativize(d.file(i)).toString() + ":" + d.target(i)).toList();
        assertEquals(List.of("n01/z.png:0", "n02/a.jpeg:1", "n02/b.JPEG:1", "n02/sub/0.jpg:1", "n03/x.PNG:2"), files);
        assertEquals("b", d.sampleName(2));
    }

    @Test
    void validationResizesTheShortSideTo256AndCropsTheCentre() throws IOException {
        // 512x256 is already 256 on its short side: Resize(256) keeps it, CenterCrop(224) starts at
        // top round(32 / 2) = 16 and left round(288 / 2) = 144.
        ImageU8 pattern = TestImages.pattern(256, 512, 3);
        TestImages.png(dir.resolve("val/cls/p.png"), pattern);
        Sample s = ImageFolderDataset.open(dir.resolve("val"), false, 224).get(0, new DataRandom(0));
        assertEquals(224, s.height());
        assertEquals(224, s.width());
        for (int c = 0; c < 3; c++) {
            for (int[] yx : new int[][] {{0, 0}, {100, 37}, {223, 223}}) {
                int raw = pattern.get(yx[0] + 16, yx[1] + 144, c);
                assertEquals(Normalization.IMAGENET.apply(c, raw), s.image()[(c * 224 + yx[0]) * 224 + yx[1]]);
            }
        }
    }

    @Test
    void theConfigReadsRootImagesSplitLikeTheReferenceWithCropSizeFromModelImageSize() throws IOException {
        for (String cls : new String[] {"n01", "n02"}) {
            TestImages.png(dir.resolve("images/train").resolve(cls).resolve("0.png"), TestImages.pattern(90, 120, 3));
            TestImages.png(dir.resolve("images/val").resolve(cls).resolve("0.png"), TestImages.pattern(90, 120, 3));
        }
        dev.mdeq.config.ExperimentConfig config = dev.mdeq.config.Presets.load("imagenet/cls_mdeq_SMALL",
                List.of("DATASET.ROOT", dir.toString(), "MODEL.NUM_CLASSES", "2", "MODEL.IMAGE_SIZE", "[64, 64]"));
        ImageDataset train = Datasets.training(config, dir);
        assertEquals(2, train.size());
        assertEquals(64, train.get(1, new DataRandom(0)).width());
        // Validation: shorter side int(64 / 0.875) = 73, longer int(73 * 120 / 90) = 97, then the centre
        // 64x64 at top round(4.5) = 4 (Python rounds halves to even), left round(16.5) = 16.
        ImageDataset val = Datasets.validation(config, dir);
        assertEquals(64, val.get(0, new DataRandom(0)).height());
        ImageU8 expected = Resize.pilBilinear(TestImages.pattern(90, 120, 3), 97, 73).crop(4, 16, 64, 64);
        float[] chw = val.get(0, new DataRandom(0)).image();
        assertEquals(Normalization.IMAGENET.apply(1, expected.get(10, 20, 1)), chw[64 * 64 + 10 * 64 + 20]);

        dev.mdeq.config.ExperimentConfig thousand = dev.mdeq.config.Presets.load("imagenet/cls_mdeq_SMALL",
                List.of("DATASET.ROOT", dir.toString()));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Datasets.training(thousand, dir));
        assertTrue(e.getMessage().endsWith("has 2 classes but MODEL.NUM_CLASSES is 1000"), e.getMessage());
    }

    @Test
    void validationSizesFollowTorchvision() {
        // 500x375 (w x h): short side 375 -> 256, long side int(256 * 500 / 375) = 341; crop 224.
        ImageU8 out = ImageNetTransforms.validation(TestImages.pattern(375, 500, 3), 224);
        assertEquals(224, out.width());
        ImageU8 flat = ImageNetTransforms.validation(TestImages.flat(300, 301, 90, 90, 90), 224);
        // A flat image stays flat through the antialiased resize.
        for (int i = 0; i < flat.data().length; i++) {
            assertEquals(90, flat.data()[i] & 0xFF);
        }
    }

    @Test
    void randomResizedCropBoxesRespectScaleAndRatioAndFallBackToTheCentre() {
        for (int seed = 0; seed < 500; seed++) {
            ImageNetTransforms.Box b = ImageNetTransforms.randomResizedCropBox(500, 375, new DataRandom(seed));
            assertTrue(b.top() >= 0 && b.left() >= 0 && b.top() + b.height() <= 375 && b.left() + b.width() <= 500);
            double area = (double) b.width() * b.height() / (500 * 375);
            assertTrue(area > 0.07 && area <= 1.0, "area fraction " + area);
            double ratio = (double) b.width() / b.height();
            assertTrue(ratio > 0.70 && ratio < 1.40, "ratio " + ratio);
        }
        // 1000x10: no attempt can fit (h >= sqrt(800 * 3/4) > 10), so the fallback: ratio 100 > 4/3,
        // h = 10, w = round(10 * 4/3) = 13, centred: left (1000 - 13) / 2 = 493.
        ImageNetTransforms.Box fallback = ImageNetTransforms.randomResizedCropBox(1000, 10, new DataRandom(1));
        assertEquals(new ImageNetTransforms.Box(0, 493, 10, 13), fallback);
        // A tall 10x1000 image: ratio 0.01 < 3/4: w = 10, h = round(10 / 0.75) = 13, top 493.
        assertEquals(new ImageNetTransforms.Box(493, 0, 13, 10), ImageNetTransforms.centreFallback(10, 1000));
    }

    @Test
    void trainingGivesFlippedAndUnflipped224Crops() throws IOException {
        TestImages.jpeg(dir.resolve("train/a/0.JPEG"), TestImages.pattern(120, 160, 3), 0.95f);
        ImageFolderDataset d = ImageFolderDataset.open(dir.resolve("train"), true, 224);
        for (int seed = 0; seed < 5; seed++) {
            Sample s = d.get(0, new DataRandom(seed));
            assertEquals(3 * 224 * 224, s.image().length);
            assertEquals(0, s.labels()[0]);
        }
        ImageU8 image = TestImages.pattern(10, 20, 3);
        ImageU8 flipped = image.flipHorizontal();
        assertEquals(image.get(3, 0, 1), flipped.get(3, 19, 1));
        assertEquals(image.get(7, 19, 2), flipped.get(7, 0, 2));
    }

    @Test
    void jpegAndGreyImagesDecodeToRgb() throws IOException {
        Path colour = TestImages.jpeg(dir.resolve("c.jpg"), TestImages.flat(16, 16, 200, 40, 90), 1.0f);
        ImageU8 rgb = ImageFiles.readRgb(colour);
        assertEquals(200, rgb.get(5, 5, 0), 3);
        assertEquals(40, rgb.get(5, 5, 1), 3);
        assertEquals(90, rgb.get(5, 5, 2), 3);
        ImageU8 greySource = ImageU8.zeros(4, 4, 1);
        greySource.set(1, 2, 0, 77);
        ImageU8 grey = ImageFiles.readRgb(TestImages.png(dir.resolve("g.png"), greySource));
        assertEquals(77, grey.get(1, 2, 0));
        assertEquals(77, grey.get(1, 2, 2));
    }

    @Test
    void jpegDecodingMatchesPillow() throws Exception {
        // pil-decoded.jpg/.rgb: a Pillow JPEG and Pillow's decoding of it (make_jpeg_fixture.py).
        Path jpeg = dir.resolve("x.jpg");
        try (java.io.InputStream in = getClass().getResourceAsStream("pil-decoded.jpg")) {
            Files.copy(in, jpeg);
        }
        byte[] expected;
        try (java.io.InputStream in = getClass().getResourceAsStream("pil-decoded.rgb")) {
            expected = in.readAllBytes();
        }
        ImageU8 decoded = ImageFiles.readRgb(jpeg);
        assertEquals(53, decoded.width());
        assertEquals(37, decoded.height());
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, decoded.data());
    }

    @Test
    void alphaAndPaletteImagesGiveTheirRgbValues() throws IOException {
        java.awt.image.BufferedImage argb = new java.awt.image.BufferedImage(3, 2, java.awt.image.BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(1, 1, 0x80_0A_14_1E);
        Path a = dir.resolve("a.png");
        javax.imageio.ImageIO.write(argb, "png", a.toFile());
        ImageU8 fromAlpha = ImageFiles.readRgb(a);
        assertEquals(10, fromAlpha.get(1, 1, 0));
        assertEquals(20, fromAlpha.get(1, 1, 1));
        assertEquals(30, fromAlpha.get(1, 1, 2));

        byte[] r = {0, (byte) 200};
        byte[] g = {0, 100};
        byte[] b = {0, 50};
        java.awt.image.BufferedImage indexed = new java.awt.image.BufferedImage(2, 2,
                java.awt.image.BufferedImage.TYPE_BYTE_BINARY, new java.awt.image.IndexColorModel(1, 2, r, g, b));
        indexed.getRaster().setSample(0, 1, 0, 1);
        Path p = dir.resolve("p.png");
        javax.imageio.ImageIO.write(indexed, "png", p.toFile());
        ImageU8 fromPalette = ImageFiles.readRgb(p);
        assertEquals(200, fromPalette.get(1, 0, 0));
        assertEquals(50, fromPalette.get(1, 0, 2));
        assertEquals(0, fromPalette.get(0, 0, 1));
    }

    @Test
    void corruptImagesAndEmptyFoldersAreNamed() throws IOException {
        Path train = dir.resolve("train");
        Path bad = TestImages.jpeg(train.resolve("a/bad.JPEG"), TestImages.flat(32, 32, 1, 2, 3), 0.9f);
        byte[] bytes = Files.readAllBytes(bad);
        Files.write(bad, java.util.Arrays.copyOf(bytes, 40));
        ImageFolderDataset d = ImageFolderDataset.open(train, false, 224);
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> d.get(0, new DataRandom(0)));
        assertTrue(e.getMessage().startsWith(bad + ": corrupt or unsupported image"), e.getMessage());

        Files.write(bad, "plain text".getBytes());
        InvalidInputException text = assertThrows(InvalidInputException.class, () -> d.get(0, new DataRandom(0)));
        assertTrue(text.getMessage().startsWith(bad + ": not an image in a readable format"), text.getMessage());

        Files.createDirectories(train.resolve("b"));
        InvalidInputException empty = assertThrows(InvalidInputException.class, () -> ImageFolderDataset.open(train, true, 224));
        assertTrue(empty.getMessage().startsWith(train.resolve("b") + ": class folder holds no image files"),
                empty.getMessage());
    }
}
