package dev.mdeq.evaluator.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.evaluator.inference.SlidingWindows.Window;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The reference's window arithmetic and the count-averaged assembly, on hand-built cases. */
class SlidingWindowsTest {

    @Test
    void lastWindowIsShiftedBackToTheBorder() {
        // 5 x 7 image, 3 x 4 windows: rows ceil(2/3)+1 = 2, cols ceil(3/4)+1 = 2; the second row would
        // span 3..6 and the second column 4..8, so both end at the border and start 3 rows / 4 cols before.
        assertEquals(List.of(new Window(0, 0, 3, 4), new Window(0, 3, 3, 7), new Window(2, 0, 5, 4),
                new Window(2, 3, 5, 7)), new SlidingWindows(5, 7, 3, 4).windows());
        // 80 rows, 32-row windows: ceil(48/32)+1 = 3 rows at 0, 32 and (clamped) 48.
        assertEquals(List.of(0, 32, 48), new SlidingWindows(80, 32, 32, 32).windows().stream()
                .map(Window::top).toList());
        // exact fit: no overlap
        assertEquals(List.of(new Window(0, 0, 4, 4), new Window(0, 4, 4, 8)),
                new SlidingWindows(4, 8, 4, 4).windows());
    }

    @Test
    void windowsNeverExceedAnImageSmallerThanTheCrop() {
        assertEquals(List.of(new Window(0, 0, 3, 10), new Window(0, 6, 3, 16)),
                new SlidingWindows(3, 16, 8, 10).windows());
    }

    @Test
    void countsAreTheOverlapOfRowsAndColumns() {
        // rows 0,1 in the first window row only, row 2 in both, rows 3,4 in the second;
        // cols 0..2 first column only, col 3 both, cols 4..6 second.
        int[] rows = {1, 1, 2, 1, 1};
        int[] cols = {1, 1, 1, 2, 1, 1, 1};
        float[] expected = new float[35];
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 7; x++) {
                expected[y * 7 + x] = rows[y] * cols[x];
            }
        }
        assertArrayEquals(expected, new SlidingWindows(5, 7, 3, 4).counts());
    }

    @Test
    void averageDividesEachPixelBySumOfItsWindows() {
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            float[] pixels = new float[2 * 35];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = i * 0.5f - 7;
            }
            NDArray image = manager.create(pixels, new Shape(1, 2, 5, 7));
            int[] calls = {0};
            // window k (1..4, in visiting order) returns its crop plus k: the output is the input
            // plus the mean of the numbers of the windows covering the pixel.
            NDArray out = new SlidingWindows(5, 7, 3, 4).average(image, 2, crop -> crop.add(++calls[0]));
            assertEquals(4, calls[0]);
            int[][] rects = {{0, 0, 3, 4}, {0, 3, 3, 7}, {2, 0, 5, 4}, {2, 3, 5, 7}};
            float[] expected = new float[pixels.length];
            for (int c = 0; c < 2; c++) {
                for (int y = 0; y < 5; y++) {
                    for (int x = 0; x < 7; x++) {
                        float sum = 0;
                        int n = 0;
                        for (int k = 0; k < 4; k++) {
                            if (y >= rects[k][0] && y < rects[k][2] && x >= rects[k][1] && x < rects[k][3]) {
                                sum += k + 1;
                                n++;
                            }
                        }
                        int i = c * 35 + y * 7 + x;
                        expected[i] = pixels[i] + sum / n;
                    }
                }
            }
            assertArrayEquals(expected, out.toFloatArray(), 1e-5f);
            // pixel (2, 3) is in all four windows: mean 2.5; pixel (0, 0) only in window 1
            assertEquals(pixels[2 * 7 + 3] + 2.5f, out.toFloatArray()[2 * 7 + 3], 1e-5f);
            assertEquals(pixels[0] + 1, out.toFloatArray()[0], 1e-5f);
        }
    }
}
