package dev.mdeq.evaluator.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.trainer.model.MdeqModel;
import dev.mdeq.trainer.model.layers.Interpolation;
import dev.mdeq.trainer.solver.SolverStats;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Segmentation inference with the real tiny model, checked against the same steps done one by one
 * here: model passes, flips, crops and window averages computed on plain Java arrays.
 */
class SegmentationInferenceTest {
    private static final int K = 19;
    private static final int H = 32;
    private static final int W = 64;
    private static MdeqModel model;
    private static float[] pixels;

    @BeforeAll
    static void model() {
        ExperimentConfig config = ModelRuns.segmentation(Path.of("unused"));
        model = MdeqModel.create(config, Device.cpu(), DataType.FLOAT32, 3);
        Random random = new Random(5);
        pixels = new float[3 * H * W];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextGaussian();
        }
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static SegmentationInference inference(List<Double> scales, boolean flip, int cropH, int cropW) {
        return new SegmentationInference(model, new SegmentationInference.Options(true, scales, flip, W, cropH, cropW));
    }

    private static float[] scores(SegmentationInference inference, List<SolverStats> solves) {
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray image = scope.create(pixels, new Shape(1, 3, H, W));
            NDArray out = inference.scores(image, solves::add);
            assertEquals(new Shape(1, K, H, W), out.getShape());
            return out.toFloatArray();
        }
    }

    /** The model's logits for a (3, h, w) image, upsampled with aligned corners to h x w. */
    private static float[] pass(float[] image, int h, int w) {
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray x = scope.create(image, new Shape(1, 3, h, w));
            try (MdeqModel.Evaluation eval = model.evaluate(x, MdeqModel.Mode.EQUILIBRIUM, false)) {
                return Interpolation.bilinearAlignCorners(eval.logits(), h, w).toFloatArray();
            }
        }
    }

    private static float[] mirror(float[] a, int channels, int h, int w) {
        float[] out = new float[a.length];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    out[(c * h + y) * w + x] = a[(c * h + y) * w + (w - 1 - x)];
                }
            }
        }
        return out;
    }

    private static float[] resize(float[] a, int channels, int h, int w, int toH, int toW) {
        try (NDManager scope = model.manager().newSubManager()) {
            return Interpolation.bilinear(scope.create(a, new Shape(1, channels, h, w)), toH, toW).toFloatArray();
        }
    }

    @Test
    void oneScaleIsTheModelsUpsampledLogits() {
        List<SolverStats> solves = new ArrayList<>();
        float[] out = scores(inference(List.of(1.0), false, H, W), solves);
        assertArrayEquals(pass(pixels, H, W), out, 1e-6f);
        assertEquals(1, solves.size());
    }

    @Test
    void withoutMultiScaleTheImageIsNotResizedToTheBaseSize() {
        // TEST.BASE_SIZE 32 would make scale 1 a 16x32 image; without TEST.MULTI_SCALE the full image is used
        float[] full = scores(new SegmentationInference(model, new SegmentationInference.Options(false,
                List.of(1.0), false, 32, H, W)), new ArrayList<>());
        assertArrayEquals(pass(pixels, H, W), full, 1e-6f);
        float[] based = scores(new SegmentationInference(model, new SegmentationInference.Options(true,
                List.of(1.0), false, 32, H, W)), new ArrayList<>());
        float[] small = resize(pass(resize(pixels, 3, H, W, 16, 32), 16, 32), K, 16, 32, H, W);
        assertArrayEquals(small, based, 1e-5f);
    }

    @Test
    void flipTestAveragesWithTheMirroredPass() {
        List<SolverStats> solves = new ArrayList<>();
        float[] out = scores(inference(List.of(1.0), true, H, W), solves);
        float[] plain = pass(pixels, H, W);
        float[] mirrored = mirror(pass(mirror(pixels, 3, H, W), H, W), K, H, W);
        float[] expected = new float[plain.length];
        double difference = 0;
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (plain[i] + mirrored[i]) / 2;
            difference = Math.max(difference, Math.abs(plain[i] - mirrored[i]));
        }
        assertTrue(difference > 1e-3, "the mirrored pass must differ, or the test shows nothing");
        assertArrayEquals(expected, out, 1e-5f);
        assertEquals(2, solves.size(), "two forward solves: the image and its mirror");
    }

    @Test
    void scaleAboveOneAveragesSlidingWindowsOfTheResizedImage() {
        // scale 1.25 of a 32x64 image with base size 64: long side int(80 + 0.5) = 80, short side
        // int(32 * 80 / 64 + 0.5) = 40. Windows of 32x48 (stride 32x48): rows at 0 and 8 (clamped),
        // columns at 0 and 32 (clamped).
        List<SolverStats> solves = new ArrayList<>();
        float[] out = scores(inference(List.of(1.25), false, 32, 48), solves);
        int sh = 40;
        int sw = 80;
        float[] scaled = resize(pixels, 3, H, W, sh, sw);
        int[][] windows = {{0, 0}, {0, 32}, {8, 0}, {8, 32}};
        float[] sum = new float[K * sh * sw];
        float[] count = new float[sh * sw];
        for (int[] win : windows) {
            float[] crop = new float[3 * 32 * 48];
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 32; y++) {
                    System.arraycopy(scaled, (c * sh + win[0] + y) * sw + win[1], crop, (c * 32 + y) * 48, 48);
                }
            }
            float[] p = pass(crop, 32, 48);
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 48; x++) {
                    count[(win[0] + y) * sw + win[1] + x]++;
                    for (int k = 0; k < K; k++) {
                        sum[(k * sh + win[0] + y) * sw + win[1] + x] += (float) Math.exp(p[(k * 32 + y) * 48 + x]);
                    }
                }
            }
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] /= count[i % (sh * sw)];
        }
        assertEquals(4, (int) count[8 * sw + 32], "rows 8..31 x columns 32..47 lie in all four windows");
        assertEquals(1, (int) count[0]);
        float[] expected = resize(sum, K, sh, sw, H, W);
        assertEquals(4, solves.size());
        assertArrayEquals(expected, out, 1e-5f * maxAbs(expected));
    }

    @Test
    void severalScalesSumTheirProbabilities() {
        // scale 0.5: 16x32 whole image; scale 1: the image itself. Each pass exp'd, resized, summed.
        List<SolverStats> solves = new ArrayList<>();
        float[] out = scores(inference(List.of(0.5, 1.0), false, H, W), solves);
        float[] small = exp(pass(resize(pixels, 3, H, W, 16, 32), 16, 32));
        float[] full = exp(pass(pixels, H, W));
        float[] back = resize(small, K, 16, 32, H, W);
        float[] expected = new float[full.length];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = back[i] + full[i];
        }
        assertEquals(2, solves.size());
        assertArrayEquals(expected, out, 1e-5f * maxAbs(expected));
    }

    @Test
    void argmaxIsTheFirstHighestClass() {
        try (NDManager scope = model.manager().newSubManager()) {
            // two pixels, three classes: pixel 0 -> class 2, pixel 1 -> tie of 0 and 1 -> 0
            NDArray scores = scope.create(new float[] {0, 5, 1, 5, 3, 0}, new Shape(1, 3, 1, 2));
            assertArrayEquals(new byte[] {2, 0}, SegmentationInference.argmax(scores));
        }
    }

    @Test
    void sizesTheModelCannotTakeAreRefusedWithTheSizes() {
        // scale 0.6: long side int(38.4 + 0.5) = 38, 19x38; the stem makes 5x10, whose half is not whole
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> scores(inference(List.of(0.6), false, H, W), new ArrayList<>()));
        assertTrue(e.getMessage().contains("19x38") && e.getMessage().contains("scale 0.6"), e.getMessage());
    }

    private static float[] exp(float[] a) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (float) Math.exp(a[i]);
        }
        return out;
    }

    private static float maxAbs(float[] a) {
        float m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
