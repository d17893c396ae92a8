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
import dev.mdeq.model.MdeqModel;
import dev.mdeq.model.layers.Interpolation;
import dev.mdeq.model.solver.SolverStats;
import dev.mdeq.model.weights.RawTensor;
import dev.mdeq.model.weights.StateDict;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Segmentation inference with the real tiny model, checked against the same steps done one by one
 * here: model passes, flips, crops, window averages and bilinear resizing (PyTorch's formulas,
 * written out below) computed on plain Java arrays.
 */
class SegmentationInferenceTest {
    private static final int K = 19;
    private static final int H = 32;
    private static final int W = 64;
    private static final String HEAD = "last_layer.3.weight";
    private static MdeqModel model;
    private static float[] pixels;

    @BeforeAll
    static void model() {
        ExperimentConfig config = ModelRuns.segmentation(Path.of("unused"));
        model = MdeqModel.create(config, Device.cpu(), DataType.FLOAT32, 3);
        // A fresh model predicts about one class everywhere; its last convolution scaled up makes the
        // predictions vary over the image as a trained model's do, so the behaviours can differ.
        Map<String, RawTensor> weights = new HashMap<>(model.stateDict());
        RawTensor head = weights.get(HEAD);
        float[] values = head.toFloatArray();
        for (int i = 0; i < values.length; i++) {
            values[i] *= 20;
        }
        weights.put(HEAD, RawTensor.ofFloats(head.shape(), values));
        model.load(weights, StateDict.Mode.STRICT, "sharpened head");
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

    /** The multi-scale test, reference-exact (the default). */
    private static SegmentationInference inference(List<Double> scales, boolean flip, int cropH, int cropW) {
        return inference(true, scales, flip, cropH, cropW, true);
    }

    private static SegmentationInference inference(boolean multiScale, List<Double> scales, boolean flip, int cropH,
            int cropW, boolean exact) {
        return new SegmentationInference(model, new SegmentationInference.Options(multiScale, scales, flip, W, cropH,
                cropW, exact));
    }

    private static float[] scores(SegmentationInference inference, List<SolverStats> solves) {
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray image = scope.create(pixels, new Shape(1, 3, H, W));
            NDArray out = inference.scores(image, solves::add);
            assertEquals(new Shape(1, K, H, W), out.getShape());
            return out.toFloatArray();
        }
    }

    /** The model's logits for a (3, h, w) image in equilibrium, upsampled as the reference's test does (half-pixel). */
    private static float[] pass(float[] image, int h, int w) {
        return pass(image, h, w, MdeqModel.Mode.EQUILIBRIUM, false);
    }

    /** The model's logits (1/4 resolution) for a (3, h, w) image, upsampled here to h x w. */
    private static float[] pass(float[] image, int h, int w, MdeqModel.Mode mode, boolean alignCorners) {
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray x = scope.create(image, new Shape(1, 3, h, w));
            try (MdeqModel.Evaluation eval = model.evaluate(x, mode, false)) {
                Shape logits = eval.logits().getShape();
                return bilinear(eval.logits().toFloatArray(), K, (int) logits.get(2), (int) logits.get(3), h, w,
                        alignCorners);
            }
        }
    }

    /**
     * PyTorch's bilinear interpolation, {@code (C, h, w)} to {@code (C, toH, toW)}: output index d
     * reads source position d (in - 1) / (out - 1) with aligned corners, else (d + 0.5) in / out -
     * 0.5 clamped at 0; the two neighbours (the upper one clamped to the last) are weighted by
     * distance.
     */
    static float[] bilinear(float[] a, int channels, int h, int w, int toH, int toW, boolean alignCorners) {
        float[] out = new float[channels * toH * toW];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < toH; y++) {
                double sy = source(y, h, toH, alignCorners);
                int y0 = (int) sy;
                int y1 = Math.min(y0 + 1, h - 1);
                double fy = sy - y0;
                for (int x = 0; x < toW; x++) {
                    double sx = source(x, w, toW, alignCorners);
                    int x0 = (int) sx;
                    int x1 = Math.min(x0 + 1, w - 1);
                    double fx = sx - x0;
                    int base = c * h * w;
                    double top = a[base + y0 * w + x0] * (1 - fx) + a[base + y0 * w + x1] * fx;
                    double bottom = a[base + y1 * w + x0] * (1 - fx) + a[base + y1 * w + x1] * fx;
                    out[(c * toH + y) * toW + x] = (float) (top * (1 - fy) + bottom * fy);
                }
            }
        }
        return out;
    }

    private static double source(int d, int in, int out, boolean alignCorners) {
        if (alignCorners) {
            return out > 1 ? d * (in - 1.0) / (out - 1) : 0;
        }
        return Math.max(0, (d + 0.5) * in / out - 0.5);
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

    /** The half-pixel resize of images and score maps (cv2.resize, F.upsample's default). */
    private static float[] resize(float[] a, int channels, int h, int w, int toH, int toW) {
        return bilinear(a, channels, h, w, toH, toW, false);
    }

    @Test
    void oneScaleIsTheModelsUpsampledLogitsExponentiated() {
        List<SolverStats> solves = new ArrayList<>();
        float[] out = scores(inference(List.of(1.0), false, H, W), solves);
        float[] expected = exp(pass(pixels, H, W));
        assertArrayEquals(expected, out, 1e-5f * maxAbs(expected));
        assertEquals(1, solves.size());
    }

    @Test
    void withoutMultiScaleTheImageIsNotResizedToTheBaseSize() {
        // TEST.BASE_SIZE 32 would make scale 1 a 16x32 image; without TEST.MULTI_SCALE the full image
        // is used, and its logits are upsampled with aligned corners (the reference's validation) in
        // both TEST.REFERENCE_EXACT modes
        float[] aligned = pass(pixels, H, W, MdeqModel.Mode.EQUILIBRIUM, true);
        for (boolean exact : new boolean[] {true, false}) {
            float[] full = scores(new SegmentationInference(model, new SegmentationInference.Options(false,
                    List.of(1.0), false, 32, H, W, exact)), new ArrayList<>());
            assertArrayEquals(aligned, full, 1e-5f, "exact " + exact);
        }
        // with it: the probabilities of the 16x32 pass are resized to the image (exp before the
        // resize, as the reference's inference returns exp(logits))
        float[] based = scores(new SegmentationInference(model, new SegmentationInference.Options(true,
                List.of(1.0), false, 32, H, W, true)), new ArrayList<>());
        float[] small = resize(exp(pass(resize(pixels, 3, H, W, 16, 32), 16, 32)), K, 16, 32, H, W);
        assertArrayEquals(small, based, 1e-5f * maxAbs(small));
    }

    @Test
    void handComputedWeightsOfBothAlignmentsFlipTheArgmax() {
        // 2 classes on a 1x2 map, upsampled to 1x4. Class 0 rises 0 -> 1, class 1 is 0.3 everywhere.
        // align_corners=False: output x reads (x + 0.5) * 2 / 4 - 0.5 = -0.25 (clamped to 0), 0.25,
        // 0.75, 1.25 (upper neighbour clamped), so class 0 is 0, 0.25, 0.75, 1. align_corners=True:
        // x * 1 / 3, so 0, 1/3, 2/3, 1. At x = 1 class 1 wins with half-pixel centres, class 0 with
        // aligned corners.
        float[] logits = {0, 1, 0.3f, 0.3f};
        float[] half = {0, 0.25f, 0.75f, 1, 0.3f, 0.3f, 0.3f, 0.3f};
        float[] corners = {0, 1 / 3f, 2 / 3f, 1, 0.3f, 0.3f, 0.3f, 0.3f};
        assertArrayEquals(half, bilinear(logits, 2, 1, 2, 1, 4, false), 1e-7f);
        assertArrayEquals(corners, bilinear(logits, 2, 1, 2, 1, 4, true), 1e-7f);
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray x = scope.create(logits, new Shape(1, 2, 1, 2));
            NDArray halfOut = Interpolation.bilinear(x, 1, 4);
            NDArray cornersOut = Interpolation.bilinearAlignCorners(x, 1, 4);
            assertArrayEquals(half, halfOut.toFloatArray(), 1e-6f);
            assertArrayEquals(corners, cornersOut.toFloatArray(), 1e-6f);
            assertArrayEquals(new byte[] {1, 1, 0, 0}, SegmentationInference.argmax(halfOut));
            assertArrayEquals(new byte[] {1, 0, 0, 0}, SegmentationInference.argmax(cornersOut));
        }
    }

    @Test
    void referenceExactUpsamplesWithHalfPixelCentresTheCorrectedWithAlignedCorners() {
        float[] exact = scores(inference(true, List.of(1.0), false, H, W, true), new ArrayList<>());
        float[] corrected = scores(inference(true, List.of(1.0), false, H, W, false), new ArrayList<>());
        float[] half = exp(pass(pixels, H, W, MdeqModel.Mode.EQUILIBRIUM, false));
        float[] corners = exp(pass(pixels, H, W, MdeqModel.Mode.EQUILIBRIUM, true));
        assertArrayEquals(half, exact, 1e-5f * maxAbs(half));
        assertArrayEquals(corners, corrected, 1e-5f * maxAbs(corners));
        // the two predictions differ on pixels whose argmax is clear in both expectations
        int differing = clearlyDifferentPixels(half, corners);
        assertTrue(differing > 0, "the alignments must change some predictions, or the test shows nothing");
        assertEquals(differing, clearlyDifferentPixels(exact, corrected));
    }

    @Test
    void referenceExactFlipTestMirrorsTheUnrolledStack() {
        // the demo preset pretrains (TRAIN.PRETRAIN_STEPS 60), so the reference's model(flipped) unrolls
        SegmentationInference inference = inference(List.of(1.0), true, H, W);
        assertEquals(MdeqModel.Mode.UNROLLED, inference.mirroredMode());
        List<SolverStats> solves = new ArrayList<>();
        float[] out = scores(inference, solves);
        float[] plain = pass(pixels, H, W);
        float[] unrolled = flipAverage(plain, pass(mirror(pixels, 3, H, W), H, W, MdeqModel.Mode.UNROLLED, false));
        float[] equilibrium = flipAverage(plain, pass(mirror(pixels, 3, H, W), H, W));
        assertTrue(clearlyDifferentPixels(unrolled, equilibrium) > 0,
                "unrolled and equilibrium mirrored passes must give different predictions, or the test shows nothing");
        assertArrayEquals(unrolled, out, 1e-5f * maxAbs(unrolled));
        assertEquals(1, solves.size(), "one forward solve: the mirrored pass is unrolled");
    }

    @Test
    void correctedFlipTestMirrorsTheEquilibrium() {
        SegmentationInference inference = inference(true, List.of(1.0), true, H, W, false);
        assertEquals(MdeqModel.Mode.EQUILIBRIUM, inference.mirroredMode());
        List<SolverStats> solves = new ArrayList<>();
        float[] out = scores(inference, solves);
        float[] plain = pass(pixels, H, W, MdeqModel.Mode.EQUILIBRIUM, true);
        float[] expected = flipAverage(plain, pass(mirror(pixels, 3, H, W), H, W, MdeqModel.Mode.EQUILIBRIUM, true));
        assertArrayEquals(expected, out, 1e-5f * maxAbs(expected));
        assertEquals(2, solves.size(), "two forward solves: the image and its mirror");
    }

    @Test
    void withoutPretrainingTheReferencesMirroredPassIsTheEquilibrium() {
        // model(flipped) runs train_step 0, which unrolls only while 0 < TRAIN.PRETRAIN_STEPS
        ExperimentConfig config = ModelRuns.segmentation(Path.of("unused"), "TRAIN.PRETRAIN_STEPS", "0");
        try (MdeqModel unpretrained = MdeqModel.create(config, Device.cpu(), DataType.FLOAT32, 3)) {
            SegmentationInference inference = new SegmentationInference(unpretrained,
                    SegmentationInference.Options.of(ModelRuns.segmentation(Path.of("unused"), "TRAIN.PRETRAIN_STEPS",
                            "0", "TEST.FLIP_TEST", "true", "TEST.MULTI_SCALE", "true")));
            assertTrue(inference.options().referenceExact(), "the default");
            assertEquals(MdeqModel.Mode.EQUILIBRIUM, inference.mirroredMode());
            assertTrue(inference.describe().get("flip test").contains("TRAIN.PRETRAIN_STEPS is 0"),
                    inference.describe().toString());
        }
    }

    @Test
    void describeSaysWhichBehaviourInWords() {
        Map<String, String> exact = inference(true, List.of(1.0), true, H, W, true).describe();
        assertTrue(exact.get("reference exact").startsWith("yes (TEST.REFERENCE_EXACT true): the reference's test "
                + "script (tools/seg_test.py testval) pixel for pixel"), exact.toString());
        assertTrue(exact.get("upsampling").startsWith("logits bilinear (align_corners=False)"), exact.toString());
        assertTrue(exact.get("flip test").contains("the unrolled weight-tied stack (3 applications of f"),
                exact.toString());
        Map<String, String> corrected = inference(true, List.of(1.0), true, H, W, false).describe();
        assertTrue(corrected.get("reference exact").startsWith("no (TEST.REFERENCE_EXACT false): corrected"),
                corrected.toString());
        assertTrue(corrected.get("upsampling").startsWith("logits bilinear (align_corners=True)"),
                corrected.toString());
        assertTrue(corrected.get("flip test").endsWith("which runs the equilibrium model"), corrected.toString());
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

    /** The average of a pass and a mirrored pass (computed on the mirrored image), exp'd as the multi-scale test. */
    private static float[] flipAverage(float[] plain, float[] mirroredPass) {
        float[] back = mirror(mirroredPass, K, H, W);
        float[] out = new float[plain.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (plain[i] + back[i]) * 0.5f;
        }
        return exp(out);
    }

    /**
     * Pixels whose best class differs between two (K, H, W) score maps, counting only pixels whose
     * best class leads the runner-up by a relative margin in both (so float rounding cannot decide).
     */
    private static int clearlyDifferentPixels(float[] a, float[] b) {
        int count = 0;
        for (int p = 0; p < H * W; p++) {
            int[] first = best(a, p);
            int[] second = best(b, p);
            if (first[0] != second[0] && first[1] == 1 && second[1] == 1) {
                count++;
            }
        }
        return count;
    }

    /** The best class at pixel p and whether it leads the runner-up by more than 1e-4 relative (1) or not (0). */
    private static int[] best(float[] scores, int p) {
        int top = 0;
        float first = Float.NEGATIVE_INFINITY;
        float second = Float.NEGATIVE_INFINITY;
        for (int k = 0; k < K; k++) {
            float v = scores[k * H * W + p];
            if (v > first) {
                second = first;
                first = v;
                top = k;
            } else if (v > second) {
                second = v;
            }
        }
        return new int[] {top, first - second > 1e-4 * Math.abs(first) ? 1 : 0};
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
