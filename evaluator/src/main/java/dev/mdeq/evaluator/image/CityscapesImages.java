package dev.mdeq.evaluator.image;

import dev.mdeq.data.CityscapesLabels;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;

/**
 * Cityscapes conversions of label maps: train ids to label ids (the submission format) and back,
 * train ids to the benchmark's colour palette, and overlays (an image blended with its colour
 * prediction).
 */
public final class CityscapesImages {
    private static final byte[] TRAIN_TO_LABEL = new byte[256];
    private static final byte[] LABEL_TO_TRAIN = new byte[256];
    private static final IndexColorModel PALETTE;

    static {
        Headless.ensure();
        for (int v = 0; v < 256; v++) {
            // Pixels that are no class (255) become label id 0 ("unlabeled"), which the benchmark ignores.
            TRAIN_TO_LABEL[v] = (byte) (v < CityscapesLabels.NUM_CLASSES ? CityscapesLabels.labelId(v) : 0);
            LABEL_TO_TRAIN[v] = (byte) CityscapesLabels.trainId(v);
        }
        byte[] r = new byte[256];
        byte[] g = new byte[256];
        byte[] b = new byte[256];
        for (int v = 0; v < 256; v++) {
            int rgb = CityscapesLabels.rgb(v);
            r[v] = (byte) (rgb >> 16);
            g[v] = (byte) (rgb >> 8);
            b[v] = (byte) rgb;
        }
        PALETTE = new IndexColorModel(8, 256, r, g, b);
    }

    private CityscapesImages() {
    }

    /** Train ids (0..18, 255 ignore) to label ids (7..33; ignore becomes 0 "unlabeled"). */
    public static LabelImage toLabelIds(LabelImage trainIds) {
        return trainIds.map(TRAIN_TO_LABEL);
    }

    /** Label ids to train ids (every id the benchmark does not evaluate becomes 255). */
    public static LabelImage toTrainIds(LabelImage labelIds) {
        return labelIds.map(LABEL_TO_TRAIN);
    }

    /** The benchmark's palette by train id (ignore and other values black). */
    public static IndexColorModel palette() {
        return PALETTE;
    }

    /** A colour PNG of a train-id map (8-bit palette PNG). */
    public static byte[] colourPng(LabelImage trainIds) {
        return LabelPngs.writePalette(trainIds, PALETTE);
    }

    /**
     * The image blended with the colour of each pixel's class: {@code (1 - alpha) * image + alpha *
     * colour}; pixels with no class (255) keep the image's colour.
     *
     * @param image the input image, the same size as the label map
     * @param trainIds the prediction (or ground truth) in train ids
     * @param alpha weight of the class colour, 0..1
     */
    public static BufferedImage overlay(BufferedImage image, LabelImage trainIds, double alpha) {
        if (image.getWidth() != trainIds.width() || image.getHeight() != trainIds.height()) {
            throw new IllegalArgumentException("overlay: image is " + image.getWidth() + "x" + image.getHeight()
                    + " but the label map is " + trainIds.size());
        }
        if (alpha < 0 || alpha > 1) {
            throw new IllegalArgumentException("overlay alpha must be in 0..1, got " + alpha);
        }
        int w = image.getWidth();
        int h = image.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[w];
        int a = (int) Math.round(alpha * 256);
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int c = trainIds.get(x, y);
                if (c < CityscapesLabels.NUM_CLASSES) {
                    row[x] = blend(row[x], CityscapesLabels.rgb(c), a);
                }
            }
            out.setRGB(0, y, w, 1, row, 0, w);
        }
        return out;
    }

    private static int blend(int base, int colour, int a) {
        int r = (((base >> 16) & 0xff) * (256 - a) + ((colour >> 16) & 0xff) * a) >> 8;
        int g = (((base >> 8) & 0xff) * (256 - a) + ((colour >> 8) & 0xff) * a) >> 8;
        int b = ((base & 0xff) * (256 - a) + (colour & 0xff) * a) >> 8;
        return (r << 16) | (g << 8) | b;
    }
}
