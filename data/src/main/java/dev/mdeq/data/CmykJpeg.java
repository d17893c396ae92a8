package dev.mdeq.data;

import dev.mdeq.runstore.run.InvalidInputException;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Four-component (CMYK and YCCK) JPEGs decoded to RGB as Pillow 9.4 does with
 * {@code Image.open(f).convert("RGB")}: libjpeg's raw samples (ImageIO's {@code readRaster}, no
 * colour conversion), YCCK turned into CMYK as libjpeg's {@code ycck_cmyk_convert} does, the samples
 * read as inverted (Adobe's convention, which Pillow assumes for every CMYK JPEG: rawmode
 * {@code CMYK;I}), then Pillow's {@code cmyk2rgb}. No colour management, as Pillow applies none.
 */
final class CmykJpeg {
    private static final String FORMAT = "javax_imageio_jpeg_image_1.0";
    /** Java's warning for a stream that ends before the EOI marker; Pillow refuses such files. */
    private static final String TRUNCATED = "Truncated File";

    // libjpeg's YCbCr -> RGB tables (jdcolor.c build_ycc_rgb_table): 16-bit fixed point.
    private static final int SCALEBITS = 16;
    private static final int ONE_HALF = 1 << (SCALEBITS - 1);
    private static final int[] CR_R = new int[256];
    private static final int[] CB_B = new int[256];
    private static final int[] CR_G = new int[256];
    private static final int[] CB_G = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int x = i - 128;
            CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALEBITS;
            CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALEBITS;
            CR_G[i] = -fix(0.71414) * x;
            CB_G[i] = -fix(0.34414) * x + ONE_HALF;
        }
    }

    private CmykJpeg() {
    }

    /** Whether {@code bytes} are a JPEG whose frame has 4 components (false when its header is unreadable). */
    static boolean isFourComponent(byte[] bytes) {
        if (bytes.length < 2 || (bytes[0] & 0xff) != 0xff || (bytes[1] & 0xff) != 0xd8) {
            return false;
        }
        ImageReader reader = ImageIO.getImageReadersByFormatName("jpeg").next();
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in);
            return components(header(reader)) == 4;
        } catch (IOException | RuntimeException e) {
            return false;
        } finally {
            reader.dispose();
        }
    }

    /** The RGB image of a 4-component JPEG; a corrupt or truncated one fails naming {@code file}. */
    static ImageU8 readRgb(Path file, byte[] bytes) {
        ImageReader reader = ImageIO.getImageReadersByFormatName("jpeg").next();
        List<String> truncation = new ArrayList<>();
        reader.addIIOReadWarningListener((source, warning) -> {
            if (warning.startsWith(TRUNCATED)) {
                truncation.add(warning);
            }
        });
        Element header;
        Raster raster;
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in);
            header = header(reader);
            raster = reader.readRaster(0, null);
        } catch (IOException | RuntimeException e) {
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new InvalidInputException(file + ": corrupt or unsupported image: " + reason, e);
        } finally {
            reader.dispose();
        }
        if (!truncation.isEmpty()) {
            throw new InvalidInputException(file + ": corrupt or unsupported image: " + truncation.get(0));
        }
        if (components(header) != 4 || raster.getNumBands() != 4 || raster.getSampleModel().getSampleSize(0) != 8) {
            throw new InvalidInputException(file + ": corrupt or unsupported image: expected an 8-bit JPEG of 4"
                    + " components (CMYK or YCCK), got " + raster.getNumBands() + " band(s)");
        }
        return toRgb(raster, isYcck(header));
    }

    /**
     * libjpeg's reading of a 4-component frame (jdapimin.c): YCCK when an Adobe APP14 marker says
     * transform 2 (or any value but 0), CMYK when it says 0 or there is no such marker.
     */
    private static boolean isYcck(Element header) {
        NodeList adobe = header.getElementsByTagName("app14Adobe");
        if (adobe.getLength() == 0) {
            return false;
        }
        // libjpeg keeps the last APP14 marker it saw.
        Element last = (Element) adobe.item(adobe.getLength() - 1);
        return Integer.parseInt(last.getAttribute("transform")) != 0;
    }

    private static Element header(ImageReader reader) throws IOException {
        return (Element) reader.getImageMetadata(0).getAsTree(FORMAT);
    }

    private static int components(Element header) {
        NodeList sof = header.getElementsByTagName("sof");
        return sof.getLength() == 0 ? 0 : Integer.parseInt(((Element) sof.item(0)).getAttribute("numFrameComponents"));
    }

    /** Raw samples (Y Cb Cr K or inverted C M Y K, as stored) to RGB. */
    static ImageU8 toRgb(Raster raster, boolean ycck) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        byte[] out = new byte[w * h * 3];
        int[] row = new int[w * 4];
        for (int y = 0; y < h; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
            for (int x = 0; x < w; x++) {
                int s0 = row[x * 4];
                int s1 = row[x * 4 + 1];
                int s2 = row[x * 4 + 2];
                int c;
                int m;
                int ye;
                if (ycck) {
                    // libjpeg stores 255 - R (G, B) of the YCbCr part as C (M, Y); Pillow's CMYK;I
                    // inverts that back, leaving libjpeg's clamped R, G, B.
                    c = clamp(s0 + CR_R[s2]);
                    m = clamp(s0 + ((CB_G[s1] + CR_G[s2]) >> SCALEBITS));
                    ye = clamp(s0 + CB_B[s1]);
                } else {
                    c = 255 - s0;
                    m = 255 - s1;
                    ye = 255 - s2;
                }
                int notK = row[x * 4 + 3]; // 255 - k with k = 255 - stored sample
                int o = (y * w + x) * 3;
                out[o] = (byte) (notK - mulDiv255(c, notK));
                out[o + 1] = (byte) (notK - mulDiv255(m, notK));
                out[o + 2] = (byte) (notK - mulDiv255(ye, notK));
            }
        }
        return new ImageU8(h, w, 3, out);
    }

    /** Pillow's MULDIV255: a * b / 255 rounded, in integers. */
    private static int mulDiv255(int a, int b) {
        int t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }

    private static int fix(double v) {
        return (int) (v * (1L << SCALEBITS) + 0.5);
    }
}
