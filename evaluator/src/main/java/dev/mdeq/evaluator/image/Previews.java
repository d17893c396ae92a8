package dev.mdeq.evaluator.image;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/** Reduced pictures for the report (a 2048-pixel-wide PNG per sample would make the page huge). */
public final class Previews {
    static {
        Headless.ensure();
    }

    private Previews() {
    }

    /** The image resized (bilinear) to {@code w x h}; unchanged when it has that size. */
    public static BufferedImage resize(BufferedImage image, int w, int h) {
        return image.getWidth() == w && image.getHeight() == h ? image : scale(image, w, h);
    }

    private static BufferedImage scale(BufferedImage image, int w, int h) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(image, 0, 0, w, h, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    /** JPEG bytes of an RGB image (for photo-like pictures such as overlays). */
    public static byte[] jpeg(BufferedImage image, float quality) {
        BufferedImage rgb = image;
        if (image.getType() != BufferedImage.TYPE_INT_RGB && image.getType() != BufferedImage.TYPE_3BYTE_BGR) {
            rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
            Graphics2D g = rgb.createGraphics();
            g.drawImage(image, 0, 0, null);
            g.dispose();
        }
        return LabelPngs.encode(rgb, "jpeg", quality);
    }
}
