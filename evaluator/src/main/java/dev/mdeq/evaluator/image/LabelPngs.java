package dev.mdeq.evaluator.image;

import dev.mdeq.runstore.run.InvalidInputException;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;

/**
 * Label maps as PNG files (javax.imageio): 8-bit grey (Cityscapes {@code *_labelIds.png} and the
 * submission format), 8-bit palette (colour predictions). Reading accepts 8-bit grey and palette
 * PNGs (a palette PNG's values are its indices, as PIL/numpy read them) and rejects anything else
 * with the file's name and the reason.
 */
public final class LabelPngs {
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    /** zlib level 4: within a few percent of level 9's size on label maps, several times faster. */
    private static final float COMPRESSION_QUALITY = 1f - 4f / 9f;

    static {
        Headless.ensure();
        // Decode in memory: no temporary files in the container's file system.
        ImageIO.setUseCache(false);
    }

    private LabelPngs() {
    }

    /**
     * Decodes a label PNG.
     *
     * @param png the file's bytes
     * @param name the file's path or key, used in error messages
     * @throws InvalidInputException naming the file and the reason when it is not an 8-bit grey or
     *     palette PNG or cannot be decoded
     */
    public static LabelImage read(byte[] png, String name) {
        if (png.length < PNG_SIGNATURE.length || !startsWithSignature(png)) {
            throw new InvalidInputException(name + ": not a PNG file (" + png.length + " bytes, no PNG signature)");
        }
        BufferedImage image;
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(png))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new InvalidInputException(name + ": no PNG decoder accepts this file");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                image = reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof InvalidInputException iie) {
                throw iie;
            }
            throw new InvalidInputException(name + ": corrupt PNG (" + describe(e) + ")", e);
        }
        return toLabels(image, name);
    }

    /**
     * Decodes a label PNG that must have a given size (e.g. the size of its image).
     *
     * @throws InvalidInputException naming the file, its size and the expected one
     */
    public static LabelImage read(byte[] png, String name, int expectedWidth, int expectedHeight) {
        LabelImage labels = read(png, name);
        if (labels.width() != expectedWidth || labels.height() != expectedHeight) {
            throw new InvalidInputException(name + ": label map is " + labels.size() + ", expected " + expectedWidth
                    + "x" + expectedHeight + " (the size of its image)");
        }
        return labels;
    }

    /**
     * Decodes an image (PNG or JPEG, e.g. a {@code leftImg8bit} photo) for overlays.
     *
     * @throws InvalidInputException naming the file when it cannot be decoded
     */
    public static BufferedImage readImage(byte[] bytes, String name) {
        try {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
            if (image == null) {
                throw new InvalidInputException(name + ": not an image format this decoder knows (PNG or JPEG expected)");
            }
            return image;
        } catch (IOException | RuntimeException e) {
            if (e instanceof InvalidInputException iie) {
                throw iie;
            }
            throw new InvalidInputException(name + ": corrupt image (" + describe(e) + ")", e);
        }
    }

    private static LabelImage toLabels(BufferedImage image, String name) {
        int w = image.getWidth();
        int h = image.getHeight();
        Raster raster = image.getRaster();
        if (raster.getNumBands() != 1) {
            throw new InvalidInputException(name + ": a " + raster.getNumBands() + "-channel image (" + describeType(image)
                    + "); expected an 8-bit grey label PNG (label ids per pixel), not a colour image");
        }
        int bits = image.getColorModel().getComponentSize(0);
        boolean palette = image.getColorModel() instanceof IndexColorModel;
        if (!palette && bits != 8) {
            throw new InvalidInputException(name + ": a " + bits + "-bit grey image; expected 8-bit grey label ids");
        }
        if (image.getType() == BufferedImage.TYPE_BYTE_GRAY || image.getType() == BufferedImage.TYPE_BYTE_INDEXED) {
            if (raster.getSampleModel() instanceof ComponentSampleModel sm && sm.getScanlineStride() == w
                    && sm.getPixelStride() == 1 && raster.getDataBuffer() instanceof DataBufferByte db
                    && db.getNumBanks() == 1 && db.getOffset() == 0 && db.getData().length == w * h
                    && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0) {
                return new LabelImage(w, h, db.getData());
            }
        }
        // Palette images with fewer than 8 bits are packed; read them sample by sample.
        int[] samples = raster.getSamples(0, 0, w, h, 0, (int[]) null);
        byte[] pixels = new byte[w * h];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) samples[i];
        }
        return new LabelImage(w, h, pixels);
    }

    /** Encodes a label map as an 8-bit grey PNG (the Cityscapes labelIds / submission format). */
    public static byte[] writeGrey(LabelImage labels) {
        BufferedImage image = new BufferedImage(labels.width(), labels.height(), BufferedImage.TYPE_BYTE_GRAY);
        byte[] data = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        System.arraycopy(labels.pixels(), 0, data, 0, data.length);
        return encode(image);
    }

    /** Encodes a label map as an 8-bit palette PNG: pixel value v shows as the palette's colour v. */
    public static byte[] writePalette(LabelImage labels, IndexColorModel palette) {
        BufferedImage image = new BufferedImage(labels.width(), labels.height(), BufferedImage.TYPE_BYTE_INDEXED,
                palette);
        byte[] data = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        System.arraycopy(labels.pixels(), 0, data, 0, data.length);
        return encode(image);
    }

    /** Encodes any image as PNG (fast zlib level). */
    public static byte[] encode(BufferedImage image) {
        return encode(image, "png", COMPRESSION_QUALITY);
    }

    /** Encodes an image in memory with an ImageIO writer ({@code png}, {@code jpeg}) at a quality 0..1. */
    static byte[] encode(BufferedImage image, String format, float quality) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName(format).next();
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode a " + format + " image in memory", e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    private static boolean startsWithSignature(byte[] png) {
        for (int i = 0; i < PNG_SIGNATURE.length; i++) {
            if (png[i] != PNG_SIGNATURE[i]) {
                return false;
            }
        }
        return true;
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        Throwable cause = e.getCause();
        while (cause != null && cause != e) {
            sb.append(": ").append(cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
            e = cause;
            cause = cause.getCause();
        }
        return sb.toString();
    }

    private static String describeType(BufferedImage image) {
        return switch (image.getType()) {
            case BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_INT_RGB -> "RGB";
            case BufferedImage.TYPE_4BYTE_ABGR, BufferedImage.TYPE_INT_ARGB -> "RGBA";
            default -> image.getColorModel().getNumComponents() + " components";
        };
    }
}
