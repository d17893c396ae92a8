package dev.mdeq.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** Writes small files in the real on-disk formats for the tests. */
final class TestImages {
    private TestImages() {
    }

    /** A PNG through ImageIO (RGB or 8-bit grey). */
    static Path png(Path file, ImageU8 image) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, ImageFiles.encodePng(image));
        return file;
    }

    /** A JPEG through ImageIO at the given quality (0..1). */
    static Path jpeg(Path file, ImageU8 image, float quality) throws IOException {
        Files.createDirectories(file.getParent());
        int type = image.channels() == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB;
        BufferedImage out = new BufferedImage(image.width(), image.height(), type);
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                if (image.channels() == 1) {
                    out.getRaster().setSample(x, y, 0, image.get(y, x, 0));
                } else {
                    out.setRGB(x, y, (image.get(y, x, 0) << 16) | (image.get(y, x, 1) << 8) | image.get(y, x, 2));
                }
            }
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(quality);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(stream);
            writer.write(null, new IIOImage(out, null, null), param);
        } finally {
            writer.dispose();
        }
        Files.write(file, bytes.toByteArray());
        return file;
    }

    /** An image whose pixel (y, x, c) is {@code (y * 31 + x * 7 + c * 50) % 256}. */
    static ImageU8 pattern(int height, int width, int channels) {
        ImageU8 image = ImageU8.zeros(height, width, channels);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int c = 0; c < channels; c++) {
                    image.set(y, x, c, (y * 31 + x * 7 + c * 50) % 256);
                }
            }
        }
        return image;
    }

    /** A one-colour RGB image. */
    static ImageU8 flat(int height, int width, int r, int g, int b) {
        ImageU8 image = ImageU8.zeros(height, width, 3);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.set(y, x, 0, r);
                image.set(y, x, 1, g);
                image.set(y, x, 2, b);
            }
        }
        return image;
    }

    /** A CIFAR-10 binary batch file: per record the label byte, then R, G, B planes of {@link #cifarPixel}. */
    static Path cifar(Path file, int... labels) throws IOException {
        byte[] bytes = new byte[labels.length * Cifar10Dataset.RECORD];
        for (int r = 0; r < labels.length; r++) {
            int base = r * Cifar10Dataset.RECORD;
            bytes[base] = (byte) labels[r];
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        bytes[base + 1 + c * 1024 + y * 32 + x] = (byte) cifarPixel(r, c, y, x);
                    }
                }
            }
        }
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
        return file;
    }

    /** The pixel value the test CIFAR files hold at record r, channel c, row y, column x. */
    static int cifarPixel(int r, int c, int y, int x) {
        return (r * 40 + c * 80 + y * 5 + x * 3) % 256;
    }

    /** An IDX file of unsigned bytes, gzipped or not. */
    static Path idx(Path file, int[] dims, byte[] data, boolean gzip) throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        raw.write(new byte[] {0, 0, 0x08, (byte) dims.length});
        for (int d : dims) {
            raw.write(new byte[] {(byte) (d >>> 24), (byte) (d >>> 16), (byte) (d >>> 8), (byte) d});
        }
        raw.write(data);
        byte[] bytes = raw.toByteArray();
        if (gzip) {
            ByteArrayOutputStream zipped = new ByteArrayOutputStream();
            try (GZIPOutputStream out = new GZIPOutputStream(zipped)) {
                out.write(bytes);
            }
            bytes = zipped.toByteArray();
        }
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
        return file;
    }
}
