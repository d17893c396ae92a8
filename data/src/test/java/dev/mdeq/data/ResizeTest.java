package dev.mdeq.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResizeTest {

    /** The blocks of resize-fixtures.txt (made by OpenCV 4.6 and Pillow 9.4, see make_resize_fixtures.py). */
    private static Map<String, ImageU8> fixtures() throws IOException {
        Map<String, ImageU8> out = new HashMap<>();
        try (InputStream in = ResizeTest.class.getResourceAsStream("resize-fixtures.txt")) {
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            for (int i = 1; i + 1 < lines.length; i += 2) {
                String[] head = lines[i].split(" ");
                String[] values = lines[i + 1].split(" ");
                byte[] data = new byte[values.length];
                for (int k = 0; k < values.length; k++) {
                    data[k] = (byte) Integer.parseInt(values[k]);
                }
                out.put(head[0], new ImageU8(Integer.parseInt(head[1]), Integer.parseInt(head[2]),
                        Integer.parseInt(head[3]), data));
            }
        }
        return out;
    }

    @Test
    void matchesOpenCvAndPillowBitForBit() throws IOException {
        Map<String, ImageU8> f = fixtures();
        ImageU8 rgb = f.get("input_rgb");
        ImageU8 ids = f.get("input_ids");
        int checked = 0;
        for (Map.Entry<String, ImageU8> e : f.entrySet()) {
            String name = e.getKey();
            if (name.startsWith("input")) {
                continue;
            }
            ImageU8 expected = e.getValue();
            int w = expected.width();
            int h = expected.height();
            ImageU8 actual;
            if (name.startsWith("cv_linear")) {
                actual = Resize.linear(rgb, w, h);
            } else if (name.startsWith("cv_nearest")) {
                actual = Resize.nearest(ids, w, h);
            } else {
                actual = Resize.pilBilinear(rgb, w, h);
            }
            assertArrayEquals(expected.data(), actual.data(), name);
            checked++;
        }
        assertEquals(27, checked);
    }

    @Test
    void linearUpscaleByTwoByHand() {
        // Half-pixel centres: destination x = 0..3 samples source x = -0.25 (clamped to 0), 0.25, 0.75, 1.25
        // (clamped to 1): 0, 0.75*0 + 0.25*100, 0.25*0 + 0.75*100, 100.
        ImageU8 src = new ImageU8(1, 2, 1, new byte[] {0, 100});
        ImageU8 out = Resize.linear(src, 4, 1);
        assertArrayEquals(new byte[] {0, 25, 75, 100}, out.data());
    }

    @Test
    void linearRoundsAsOpenCvFixedPoint() {
        // Exact values 0, 0.5, 1.5, 2. Horizontal sums with 11-bit weights: 0, 1024, 3072, 4096. One
        // source row: vertical weights (2048, 0): ((2048 * (S >> 4)) >> 16 + 2) >> 2 = 0, 1, 2, 2.
        ImageU8 row = new ImageU8(1, 2, 1, new byte[] {0, 2});
        assertArrayEquals(new byte[] {0, 1, 2, 2}, Resize.linear(row, 4, 1).data());
        // Two equal rows upscaled to 4: the first output row has vertical weights (512, 1536), which
        // round each product down separately: 0.5 becomes 0 and 1.5 becomes 1 (as cv2.resize does).
        ImageU8 square = new ImageU8(2, 2, 1, new byte[] {0, 2, 0, 2});
        byte[] out = Resize.linear(square, 4, 4).data();
        assertArrayEquals(new byte[] {0, 0, 1, 2}, java.util.Arrays.copyOfRange(out, 0, 4));
    }

    @Test
    void nearestIsFloorOfScaledIndexNotHalfPixel() {
        ImageU8 src = new ImageU8(1, 4, 1, new byte[] {10, 20, 30, 40});
        // 4 -> 2: x * 2 -> source 0, 2.  4 -> 3: floor(x * 4/3) -> 0, 1, 2.
        assertArrayEquals(new byte[] {10, 30}, Resize.nearest(src, 2, 1).data());
        assertArrayEquals(new byte[] {10, 20, 30}, Resize.nearest(src, 3, 1).data());
    }

    @Test
    void pilShrinksWithAWidenedTriangleFilter() {
        // 4 -> 2: scale 2, support 2. Output 0: centre 1, pixels 0..2 with triangle weights 0.75, 0.75,
        // 0.25 normalised to 3/7, 3/7, 1/7: 0*3/7 + 70*3/7 + 140/7 = 50. Output 1: centre 3, pixels 1..3,
        // weights 1/7, 3/7, 3/7: 10 + 60 + 90 = 160.
        ImageU8 src = new ImageU8(1, 4, 1, new byte[] {0, 70, (byte) 140, (byte) 210});
        ImageU8 out = Resize.pilBilinear(src, 2, 1);
        assertEquals(50, out.get(0, 0, 0));
        assertEquals(160, out.get(0, 1, 0));
    }

    @Test
    void windowsEqualCropsOfTheFullResize() throws IOException {
        ImageU8 rgb = fixtures().get("input_rgb");
        ImageU8 ids = fixtures().get("input_ids");
        int[][] sizes = {{31, 22}, {7, 5}, {26, 18}};
        for (int[] s : sizes) {
            ImageU8 full = Resize.linear(rgb, s[0], s[1]);
            ImageU8 fullIds = Resize.nearest(ids, s[0], s[1]);
            for (int top = 0; top < s[1]; top += 2) {
                for (int left = 0; left < s[0]; left += 3) {
                    int h = Math.min(4, s[1] - top);
                    int w = Math.min(5, s[0] - left);
                    assertArrayEquals(full.crop(top, left, h, w).data(),
                            Resize.linearWindow(rgb, s[0], s[1], top, left, h, w).data());
                    assertArrayEquals(fullIds.crop(top, left, h, w).data(),
                            Resize.nearestWindow(ids, s[0], s[1], top, left, h, w).data());
                }
            }
        }
    }

    @Test
    void cropOutsideTheImageIsRefused() {
        ImageU8 src = ImageU8.zeros(4, 4, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> src.crop(2, 2, 3, 3));
        assertEquals("crop 3x3 at (2, 2) does not fit in a 4x4 image", e.getMessage());
    }
}
