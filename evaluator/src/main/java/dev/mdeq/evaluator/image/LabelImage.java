package dev.mdeq.evaluator.image;

/**
 * A label map: one unsigned byte per pixel, row-major (train ids or Cityscapes label ids, as the
 * producer says). The array is shared, not copied: treat it as read-only once made.
 *
 * @param width pixels per row
 * @param height rows
 * @param pixels {@code width * height} values
 */
public record LabelImage(int width, int height, byte[] pixels) {
    public LabelImage {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("label image size must be positive, got " + width + "x" + height);
        }
        if (pixels.length != (long) width * height) {
            throw new IllegalArgumentException("label image " + width + "x" + height + " needs " + (long) width * height
                    + " pixels, got " + pixels.length);
        }
    }

    /** The value at (x, y), 0..255. */
    public int get(int x, int y) {
        return pixels[y * width + x] & 0xff;
    }

    /** Width x height, e.g. {@code 2048x1024}. */
    public String size() {
        return width + "x" + height;
    }

    /** A new image with every value v replaced by {@code table[v]}. */
    public LabelImage map(byte[] table) {
        byte[] out = new byte[pixels.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = table[pixels[i] & 0xff];
        }
        return new LabelImage(width, height, out);
    }

    /** This map resized to {@code w x h} by nearest neighbour (label values stay exact). */
    public LabelImage resizeNearest(int w, int h) {
        if (w == width && h == height) {
            return this;
        }
        byte[] out = new byte[w * h];
        for (int y = 0; y < h; y++) {
            int sy = (int) ((long) y * height / h);
            for (int x = 0; x < w; x++) {
                out[y * w + x] = pixels[sy * width + (int) ((long) x * width / w)];
            }
        }
        return new LabelImage(w, h, out);
    }
}
