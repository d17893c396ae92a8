package dev.mdeq.evaluator.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.runstore.run.InvalidInputException;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class LabelPngsTest {

    private static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(image, "png", out));
        return out.toByteArray();
    }

    private static LabelImage randomLabels(int w, int h, long seed) {
        byte[] px = new byte[w * h];
        new Random(seed).nextBytes(px);
        return new LabelImage(w, h, px);
    }

    @Test
    void greyPngRoundTripsAndIsAnEightBitGreyFile() throws IOException {
        LabelImage labels = randomLabels(37, 23, 1);
        byte[] png = LabelPngs.writeGrey(labels);
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(BufferedImage.TYPE_BYTE_GRAY, decoded.getType());
        assertEquals(8, decoded.getColorModel().getComponentSize(0));
        for (int y = 0; y < 23; y++) {
            for (int x = 0; x < 37; x++) {
                assertEquals(labels.get(x, y), decoded.getRaster().getSample(x, y, 0));
            }
        }
        LabelImage back = LabelPngs.read(png, "labels.png", 37, 23);
        InvalidInputException wrongSize = assertThrows(InvalidInputException.class,
                () -> LabelPngs.read(png, "gt/x_gtFine_labelIds.png", 2048, 1024));
        assertEquals("gt/x_gtFine_labelIds.png: label map is 37x23, expected 2048x1024 (the size of its image)",
                wrongSize.getMessage());
        assertArrayEquals(labels.pixels(), back.pixels());
        assertEquals("37x23", back.size());
    }

    @Test
    void readsAGreyPngWrittenByPlainImageIo() throws IOException {
        BufferedImage image = new BufferedImage(5, 3, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster r = image.getRaster();
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 5; x++) {
                r.setSample(x, y, 0, 7 * y + x + 200 * (x % 2));
            }
        }
        LabelImage labels = LabelPngs.read(png(image), "x.png");
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 5; x++) {
                assertEquals(7 * y + x + 200 * (x % 2), labels.get(x, y));
            }
        }
    }

    @Test
    void paletteValuesAreTheIndicesLikeNumpyReadsThem() throws IOException {
        LabelImage trainIds = new LabelImage(4, 2, new byte[] {0, 1, 2, 18, (byte) 255, 13, 13, 0});
        byte[] png = CityscapesImages.colourPng(trainIds);
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(png));
        assertTrue(decoded.getColorModel() instanceof IndexColorModel);
        assertEquals(0x804080, decoded.getRGB(0, 0) & 0xffffff); // road 128,64,128
        assertEquals(0x00008e, decoded.getRGB(1, 1) & 0xffffff); // car 0,0,142
        assertArrayEquals(trainIds.pixels(), LabelPngs.read(png, "c.png").pixels());

        // a 4-bit palette PNG (packed pixels) reads as its indices too
        byte[] small = {0, 0, 0, 0};
        IndexColorModel cm = new IndexColorModel(4, 4, small, small, small);
        BufferedImage packed = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_BINARY, cm);
        packed.getRaster().setSample(2, 1, 0, 3);
        packed.getRaster().setSample(0, 0, 0, 1);
        LabelImage read = LabelPngs.read(png(packed), "p.png");
        assertArrayEquals(new byte[] {1, 0, 0, 0, 0, 3}, read.pixels());
    }

    @Test
    void colourAndSixteenBitImagesAreRejectedWithNameAndReason() throws IOException {
        InvalidInputException rgb = assertThrows(InvalidInputException.class, () -> LabelPngs.read(
                png(new BufferedImage(4, 4, BufferedImage.TYPE_3BYTE_BGR)), "pred/a_000000_000001_leftImg8bit.png"));
        assertTrue(rgb.getMessage().startsWith("pred/a_000000_000001_leftImg8bit.png: "), rgb.getMessage());
        assertTrue(rgb.getMessage().contains("3-channel") && rgb.getMessage().contains("8-bit grey"), rgb.getMessage());

        InvalidInputException deep = assertThrows(InvalidInputException.class, () -> LabelPngs.read(
                png(new BufferedImage(4, 4, BufferedImage.TYPE_USHORT_GRAY)), "deep.png"));
        assertTrue(deep.getMessage().contains("16-bit"), deep.getMessage());
    }

    @Test
    void corruptAndForeignFilesFailWithTheirName() {
        byte[] good = LabelPngs.writeGrey(randomLabels(64, 64, 2));
        byte[] truncated = Arrays.copyOf(good, good.length / 2);
        InvalidInputException t = assertThrows(InvalidInputException.class,
                () -> LabelPngs.read(truncated, "gt/x_gtFine_labelIds.png"));
        assertTrue(t.getMessage().startsWith("gt/x_gtFine_labelIds.png: corrupt PNG"), t.getMessage());

        byte[] flipped = good.clone();
        for (int i = 60; i < flipped.length - 20; i += 7) {
            flipped[i] ^= 0x5a;
        }
        InvalidInputException f = assertThrows(InvalidInputException.class, () -> LabelPngs.read(flipped, "f.png"));
        assertTrue(f.getMessage().startsWith("f.png: corrupt PNG"), f.getMessage());

        InvalidInputException j = assertThrows(InvalidInputException.class,
                () -> LabelPngs.read("GIF89a....".getBytes(), "g.png"));
        assertTrue(j.getMessage().contains("not a PNG"), j.getMessage());
        assertThrows(InvalidInputException.class, () -> LabelPngs.read(new byte[0], "empty.png"));
        assertThrows(InvalidInputException.class, () -> LabelPngs.readImage(new byte[] {1, 2, 3}, "img.png"));
    }
}
