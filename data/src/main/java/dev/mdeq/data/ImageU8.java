package dev.mdeq.data;

/**
 * An 8-bit image as OpenCV and PIL hold it: rows of interleaved channels (HWC), channel order RGB
 * for colour images, one channel for label maps. Pixel values are unsigned bytes.
 *
 * @param height rows
 * @param width columns
 * @param channels 1 (grey / label ids) or 3 (RGB)
 * @param data {@code height * width * channels} bytes, row-major HWC
 */
public record ImageU8(int height, int width, int channels, byte[] data) {
    public ImageU8 {
        if (height < 1 || width < 1 || channels < 1) {
            throw new IllegalArgumentException("image must be at least 1x1 with 1 channel, got " + height + "x"
                    + width + "x" + channels);
        }
        if ((long) height * width * channels != data.length) {
            throw new IllegalArgumentException("image " + height + "x" + width + "x" + channels + " needs "
                    + ((long) height * width * channels) + " bytes, got " + data.length);
        }
    }

    /** A black image. */
    public static ImageU8 zeros(int height, int width, int channels) {
        return new ImageU8(height, width, channels, new byte[height * width * channels]);
    }

    /** The value (0..255) at row y, column x, channel c. */
    public int get(int y, int x, int c) {
        return data[(y * width + x) * channels + c] & 0xFF;
    }

    public void set(int y, int x, int c, int value) {
        data[(y * width + x) * channels + c] = (byte) value;
    }

    /** The rectangle of {@code height x width} pixels whose top-left corner is (top, left); must lie inside. */
    public ImageU8 crop(int top, int left, int height, int width) {
        if (top < 0 || left < 0 || height < 1 || width < 1 || top + height > this.height
                || left + width > this.width) {
            throw new IllegalArgumentException("crop " + width + "x" + height + " at (" + left + ", " + top
                    + ") does not fit in a " + sizeString() + " image");
        }
        byte[] out = new byte[height * width * channels];
        for (int y = 0; y < height; y++) {
            System.arraycopy(data, ((top + y) * this.width + left) * channels, out, y * width * channels,
                    width * channels);
        }
        return new ImageU8(height, width, channels, out);
    }

    /** The mirror image (left-right). */
    public ImageU8 flipHorizontal() {
        byte[] out = new byte[data.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                System.arraycopy(data, (y * width + x) * channels, out, (y * width + (width - 1 - x)) * channels,
                        channels);
            }
        }
        return new ImageU8(height, width, channels, out);
    }

    /** "WxH" (width first, as Cityscapes sizes are written) for messages. */
    public String sizeString() {
        return width + "x" + height;
    }
}
