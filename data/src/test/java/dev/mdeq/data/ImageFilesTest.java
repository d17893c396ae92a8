package dev.mdeq.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.runstore.run.InvalidInputException;
import java.awt.color.ColorSpace;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 4-component JPEGs against Pillow 9.4's {@code convert("RGB")}: the fixtures and Pillow's bytes
 * come from make_cmyk_fixtures.py (32x24, varied inks, ramps, paper white, all inks).
 */
class ImageFilesTest {
    @TempDir
    Path dir;

    @Test
    void cmykJpegDecodesToPillowsRgb() throws IOException {
        Path jpeg = fixture("pil-cmyk.jpg");
        // ImageIO reads it, as a CMYK image whose Java2D conversion to RGB is not Pillow's.
        assertEquals(ColorSpace.TYPE_CMYK, ImageIO.read(jpeg.toFile()).getColorModel().getColorSpace().getType());
        assertPillow("pil-cmyk.rgb", ImageFiles.readRgb(jpeg));
    }

    @Test
    void cmykJpegWithoutAdobeMarkerIsReadAsInvertedCmykLikePillow() throws IOException {
        assertPillow("pil-cmyk.rgb", ImageFiles.readRgb(fixture("pil-cmyk-noadobe.jpg")));
    }

    @Test
    void cmykJpegThatImageIoRefusesIsDecodedToo() throws IOException {
        Path jpeg = fixture("pil-cmyk-icc.jpg");
        IIOException refused = assertThrows(IIOException.class, () -> ImageIO.read(jpeg.toFile()));
        assertEquals("Unsupported Image Type", refused.getMessage());
        assertPillow("pil-cmyk.rgb", ImageFiles.readRgb(jpeg));
    }

    @Test
    void ycckJpegDecodesToPillowsRgb() throws IOException {
        assertPillow("pil-ycck.rgb", ImageFiles.readRgb(fixture("pil-ycck.jpg")));
    }

    @Test
    void truncatedCmykJpegsFailWithTheirPath() throws IOException {
        for (String name : new String[] {"pil-cmyk.jpg", "pil-cmyk-icc.jpg", "pil-ycck.jpg"}) {
            byte[] bytes = Files.readAllBytes(fixture(name));
            for (int length : new int[] {bytes.length - 300, 30}) {
                Path cut = dir.resolve("cut-" + length + "-" + name);
                Files.write(cut, Arrays.copyOf(bytes, length));
                InvalidInputException e = assertThrows(InvalidInputException.class, () -> ImageFiles.readRgb(cut));
                assertTrue(e.getMessage().startsWith(cut + ": corrupt or unsupported image: "), e.getMessage());
            }
        }
    }

    @Test
    void corruptCmykHeaderFailsWithItsPathAndReason() throws IOException {
        byte[] bytes = Files.readAllBytes(fixture("pil-cmyk-icc.jpg"));
        int sof = indexOf(bytes, new byte[] {(byte) 0xff, (byte) 0xc0});
        bytes[sof + 9] = 5; // 5 components: the frame header no longer matches its length
        Path bad = dir.resolve("bad.jpg");
        Files.write(bad, bytes);
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> ImageFiles.readRgb(bad));
        assertTrue(e.getMessage().startsWith(bad + ": corrupt or unsupported image: "), e.getMessage());
    }

    private Path fixture(String name) throws IOException {
        Path file = dir.resolve(name);
        try (InputStream in = getClass().getResourceAsStream(name)) {
            Files.copy(in, file);
        }
        return file;
    }

    private void assertPillow(String expectedRgb, ImageU8 decoded) throws IOException {
        byte[] expected;
        try (InputStream in = getClass().getResourceAsStream(expectedRgb)) {
            expected = in.readAllBytes();
        }
        assertEquals(32, decoded.width());
        assertEquals(24, decoded.height());
        assertEquals(3, decoded.channels());
        assertArrayEquals(expected, decoded.data());
    }

    private static int indexOf(byte[] bytes, byte[] marker) {
        for (int i = 0; i + marker.length <= bytes.length; i++) {
            if (bytes[i] == marker[0] && bytes[i + 1] == marker[1]) {
                return i;
            }
        }
        throw new AssertionError("marker not found");
    }
}
