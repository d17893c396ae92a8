package dev.mdeq.evaluator.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

class CityscapesImagesTest {

    @Test
    void trainIdsToLabelIdsFollowTheBenchmarkTable() {
        LabelImage trainIds = new LabelImage(5, 1, new byte[] {0, 1, 13, 18, (byte) 255});
        LabelImage labelIds = CityscapesImages.toLabelIds(trainIds);
        // road 7, sidewalk 8, car 26, bicycle 33, ignore -> 0 (unlabeled)
        assertArrayEquals(new byte[] {7, 8, 26, 33, 0}, labelIds.pixels());
        LabelImage back = CityscapesImages.toTrainIds(new LabelImage(6, 1, new byte[] {7, 8, 26, 33, 0, 34}));
        assertArrayEquals(new byte[] {0, 1, 13, 18, (byte) 255, (byte) 255}, back.pixels());
    }

    @Test
    void overlayBlendsClassColourAndKeepsIgnoredPixels() {
        BufferedImage image = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, 0x102030);
        image.setRGB(1, 0, 0x405060);
        LabelImage labels = new LabelImage(2, 1, new byte[] {13, (byte) 255}); // car (0,0,142), ignore
        BufferedImage out = CityscapesImages.overlay(image, labels, 0.5);
        // (16+0)/2 = 8, (32+0)/2 = 16, (48+142)/2 = 95
        assertEquals((8 << 16) | (16 << 8) | 95, out.getRGB(0, 0) & 0xffffff);
        assertEquals(0x405060, out.getRGB(1, 0) & 0xffffff);
        assertThrows(IllegalArgumentException.class,
                () -> CityscapesImages.overlay(image, new LabelImage(1, 1, new byte[1]), 0.5));
    }

    @Test
    void cityscapesNamesParse() {
        CityscapesName n = CityscapesName.parse("gtFine/val/frankfurt/frankfurt_000000_000294_gtFine_labelIds.png")
                .orElseThrow();
        assertEquals("frankfurt_000000_000294", n.stem());
        assertEquals("gtFine_labelIds", n.type());
        assertEquals("frankfurt/frankfurt_000000_000294_leftImg8bit.png", n.predictionPath());
        assertEquals("munster_000001_000019", CityscapesName.parse("munster_000001_000019.png").orElseThrow().stem());
        assertTrue(CityscapesName.parse("readme.png").isEmpty());
        assertTrue(CityscapesName.parse("frankfurt_000000_000294_leftImg8bit.jpg").isEmpty());
    }

    @Test
    void previewsResizeImagesAndLabelMaps() {
        BufferedImage wide = new BufferedImage(2048, 1024, BufferedImage.TYPE_INT_RGB);
        BufferedImage small = Previews.resize(wide, 1024, 512);
        assertEquals(1024, small.getWidth());
        assertEquals(512, small.getHeight());
        assertEquals(wide, Previews.resize(wide, 2048, 1024));
        byte[] jpeg = Previews.jpeg(small, 0.8f);
        assertEquals((byte) 0xff, jpeg[0]);
        assertEquals((byte) 0xd8, jpeg[1]);

        LabelImage labels = new LabelImage(4, 2, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        assertArrayEquals(new byte[] {1, 3}, labels.resizeNearest(2, 1).pixels());
        assertArrayEquals(new byte[] {1, 1, 2, 2, 3, 3, 4, 4, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 5, 5, 6,
            6, 7, 7, 8, 8}, labels.resizeNearest(8, 4).pixels());
    }
}
