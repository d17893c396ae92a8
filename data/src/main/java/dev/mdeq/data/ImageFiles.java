package dev.mdeq.data;

import dev.mdeq.runstore.run.InvalidInputException;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Reading and writing image files (PNG, JPEG and whatever else {@link ImageIO} decodes) as
 * {@link ImageU8}. A file that is missing, unreadable or not an image fails with an
 * {@link InvalidInputException} naming the file and the reason.
 */
public final class ImageFiles {
    static {
        // Decoding from memory: no temporary cache files per image.
        ImageIO.setUseCache(false);
    }

    private ImageFiles() {
    }

    /**
     * A colour image as RGB, as cv2.imread(IMREAD_COLOR) / PIL convert("RGB") give it: the decoded
     * sample values, without colour management (an embedded ICC profile is ignored, as OpenCV and
     * PIL ignore it); grey images are replicated to three channels, alpha is dropped, palette
     * images are expanded. CMYK and YCCK JPEGs give the RGB Pillow 9.4 gives ({@link CmykJpeg}).
     */
    public static ImageU8 readRgb(Path file) {
        byte[] bytes = readBytes(file);
        BufferedImage image;
        try {
            image = decode(file, bytes);
        } catch (InvalidInputException e) {
            // ImageIO refuses some 4-component JPEGs, e.g. with an RGB ICC profile ("Unsupported Image Type").
            if (CmykJpeg.isFourComponent(bytes)) {
                return CmykJpeg.readRgb(file, bytes);
            }
            throw e;
        }
        if (image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_CMYK) {
            // ImageIO's CMYK image converts to RGB through Java2D's CMYK colour space, not as Pillow does.
            return CmykJpeg.readRgb(file, bytes);
        }
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] out = new byte[w * h * 3];
        Raster raster = image.getRaster();
        boolean eightBit = raster.getSampleModel().getSampleSize(0) == 8;
        int space = image.getColorModel().getColorSpace().getType();
        boolean palette = image.getColorModel() instanceof IndexColorModel;
        if (image.getType() == BufferedImage.TYPE_3BYTE_BGR) {
            byte[] bgr = ((DataBufferByte) raster.getDataBuffer()).getData();
            for (int i = 0; i < w * h; i++) {
                out[i * 3] = bgr[i * 3 + 2];
                out[i * 3 + 1] = bgr[i * 3 + 1];
                out[i * 3 + 2] = bgr[i * 3];
            }
        } else if (!palette && eightBit && space == ColorSpace.TYPE_RGB && raster.getNumBands() >= 3) {
            int[] row = new int[w];
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < h; y++) {
                    raster.getSamples(0, y, w, 1, c, row);
                    for (int x = 0; x < w; x++) {
                        out[(y * w + x) * 3 + c] = (byte) row[x];
                    }
                }
            }
        } else if (!palette && eightBit && space == ColorSpace.TYPE_GRAY) {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    int o = (y * w + x) * 3;
                    out[o] = (byte) row[x];
                    out[o + 1] = (byte) row[x];
                    out[o + 2] = (byte) row[x];
                }
            }
        } else {
            // Palette, 16-bit and other layouts: Java2D's conversion to 8-bit sRGB.
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                image.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++) {
                    int o = (y * w + x) * 3;
                    out[o] = (byte) (row[x] >> 16);
                    out[o + 1] = (byte) (row[x] >> 8);
                    out[o + 2] = (byte) row[x];
                }
            }
        }
        return new ImageU8(h, w, 3, out);
    }

    /**
     * A label map: an 8-bit single-channel PNG (Cityscapes {@code *_labelIds.png}); anything else
     * (colour, 16-bit, palette) is refused because its values would not be label ids.
     */
    public static ImageU8 readLabels(Path file) {
        BufferedImage image = decode(file, readBytes(file));
        Raster raster = image.getRaster();
        if (raster.getNumBands() != 1 || raster.getSampleModel().getSampleSize(0) != 8
                || image.getColorModel().getColorSpace().getType() != ColorSpace.TYPE_GRAY) {
            throw new InvalidInputException(file + ": a label map must be an 8-bit grey image of label ids, got "
                    + raster.getNumBands() + " band(s) of " + raster.getSampleModel().getSampleSize(0)
                    + " bits" + (image.getColorModel() instanceof IndexColorModel ? " (palette)" : ""));
        }
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] out = new byte[w * h];
        if (raster.getDataBuffer() instanceof DataBufferByte bytes && image.getType() == BufferedImage.TYPE_BYTE_GRAY) {
            System.arraycopy(bytes.getData(), 0, out, 0, out.length);
        } else {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    out[y * w + x] = (byte) row[x];
                }
            }
        }
        return new ImageU8(h, w, 1, out);
    }

    private static byte[] readBytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(file + ": file not found");
        } catch (IOException e) {
            throw new InvalidInputException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static BufferedImage decode(Path file, byte[] bytes) {
        BufferedImage image;
        try (InputStream in = new java.io.ByteArrayInputStream(bytes)) {
            image = ImageIO.read(in);
        } catch (IOException | RuntimeException e) {
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (e.getCause() != null && e.getCause().getMessage() != null) {
                reason += " (" + e.getCause().getMessage() + ")";
            }
            throw new InvalidInputException(file + ": corrupt or unsupported image: " + reason, e);
        }
        if (image == null) {
            throw new InvalidInputException(file + ": not an image in a readable format (" + bytes.length
                    + " bytes; PNG and JPEG are read)");
        }
        return image;
    }

    /** PNG bytes of an 8-bit image: RGB for 3 channels, grey for 1. */
    public static byte[] encodePng(ImageU8 image) {
        BufferedImage out;
        if (image.channels() == 3) {
            out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_3BYTE_BGR);
            byte[] bgr = ((DataBufferByte) out.getRaster().getDataBuffer()).getData();
            byte[] rgb = image.data();
            for (int i = 0; i < image.width() * image.height(); i++) {
                bgr[i * 3] = rgb[i * 3 + 2];
                bgr[i * 3 + 1] = rgb[i * 3 + 1];
                bgr[i * 3 + 2] = rgb[i * 3];
            }
        } else if (image.channels() == 1) {
            out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_BYTE_GRAY);
            System.arraycopy(image.data(), 0, ((DataBufferByte) out.getRaster().getDataBuffer()).getData(), 0,
                    image.data().length);
        } else {
            throw new IllegalArgumentException("PNG encoding takes 1 or 3 channels, got " + image.channels());
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(out, "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
