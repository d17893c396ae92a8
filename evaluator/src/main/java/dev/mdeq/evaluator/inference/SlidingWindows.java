package dev.mdeq.evaluator.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The reference's sliding-window tiling of an image scaled above 1 in multi-scale testing (the
 * Cityscapes {@code multi_scale_inference} of the HRNet code MDEQ uses, docs/reference-model.md §5): windows of
 * the crop size with stride = crop size, {@code ceil((H - crop) / stride) + 1} rows and as many
 * columns computed the same way; a window that would cross the border is shifted back so that it
 * ends at the border (overlapping its neighbour), and none is larger than the image. Each pixel's
 * output is the average over the windows that cover it.
 *
 * @param height image height
 * @param width image width
 * @param cropHeight window height (TEST.IMAGE_SIZE[1])
 * @param cropWidth window width (TEST.IMAGE_SIZE[0])
 */
public record SlidingWindows(int height, int width, int cropHeight, int cropWidth) {
    public SlidingWindows {
        if (height < 1 || width < 1 || cropHeight < 1 || cropWidth < 1) {
            throw new IllegalArgumentException("sliding windows need positive sizes, got image " + height + "x" + width
                    + " and crop " + cropHeight + "x" + cropWidth);
        }
    }

    /**
     * One window: rows {@code top} (inclusive) to {@code bottom} (exclusive), columns {@code left}
     * to {@code right}.
     */
    public record Window(int top, int left, int bottom, int right) {
        public int height() {
            return bottom - top;
        }

        public int width() {
            return right - left;
        }

        /** The window of an {@code (N, C, H, W)} array. */
        NDIndex index() {
            return new NDIndex(":, :, {}:{}, {}:{}", top, bottom, left, right);
        }
    }

    /** The windows, row by row, as the reference visits them. */
    public List<Window> windows() {
        int rows = steps(height, cropHeight);
        int cols = steps(width, cropWidth);
        List<Window> out = new ArrayList<>(rows * cols);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int bottom = Math.min(r * cropHeight + cropHeight, height);
                int right = Math.min(c * cropWidth + cropWidth, width);
                out.add(new Window(Math.max(bottom - cropHeight, 0), Math.max(right - cropWidth, 0), bottom, right));
            }
        }
        return out;
    }

    /** How many windows cover each pixel, row-major {@code height x width}. */
    public float[] counts() {
        float[] counts = new float[height * width];
        for (Window w : windows()) {
            for (int y = w.top(); y < w.bottom(); y++) {
                for (int x = w.left(); x < w.right(); x++) {
                    counts[y * width + x]++;
                }
            }
        }
        return counts;
    }

    /**
     * Runs {@code perWindow} on every window of {@code image} {@code (1, C, H, W)} and averages the
     * outputs ({@code (1, K, h, w)} for a window of h x w) over the windows covering each pixel.
     * Each window's intermediates are freed before the next one runs.
     *
     * @param channels K, the channels of the outputs
     * @return {@code (1, K, H, W)}, owned by the image's manager
     */
    public NDArray average(NDArray image, int channels, UnaryOperator<NDArray> perWindow) {
        Shape shape = image.getShape();
        if (shape.get(2) != height || shape.get(3) != width) {
            throw new IllegalArgumentException("windows of a " + height + "x" + width + " image applied to " + shape);
        }
        NDManager owner = image.getManager();
        NDArray sum = owner.zeros(new Shape(1, channels, height, width), image.getDataType());
        for (Window w : windows()) {
            try (NDManager scope = owner.newSubManager()) {
                NDArray crop = image.get(w.index());
                crop.attach(scope);
                NDArray out = perWindow.apply(crop);
                NDArray region = sum.get(w.index());
                region.attach(scope);
                sum.set(w.index(), region.add(out));
            }
        }
        try (NDManager scope = owner.newSubManager()) {
            NDArray counts = scope.create(counts(), new Shape(1, 1, height, width)).toType(image.getDataType(), false);
            return sum.divi(counts);
        }
    }

    /** {@code ceil((size - crop) / crop) + 1}: 1 when the image is no larger than the crop. */
    private static int steps(int size, int crop) {
        return (int) Math.ceil((double) (size - crop) / crop) + 1;
    }
}
