package dev.mdeq.evaluator.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.TestConfig;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.data.CityscapesTransforms;
import dev.mdeq.model.MdeqModel;
import dev.mdeq.model.layers.Interpolation;
import dev.mdeq.model.solver.SolverStats;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Segmentation of one full-resolution image as the reference evaluates (docs/reference-model.md §5), batch 1,
 * in equilibrium mode. Without TEST.MULTI_SCALE it is the reference's validation: one pass over
 * the image as it is, the logits (1/4 resolution) upsampled bilinearly with
 * {@code align_corners=True} to the image's size. With TEST.MULTI_SCALE it is the reference's
 * {@code testval} / {@code multi_scale_inference} over TEST.SCALE_LIST:
 * <ol>
 *   <li>for each scale s: the normalised image resized (bilinear, half-pixel centres, as
 *       {@code cv2.resize} on the float image) so that its long side is
 *       {@code int(TEST.BASE_SIZE * s + 0.5)};</li>
 *   <li>s &lt;= 1: the whole resized image; s &gt; 1: {@link SlidingWindows} of the crop size
 *       (TEST.IMAGE_SIZE), averaged by count;</li>
 *   <li>each pass: the logits upsampled to the pass's input size and {@code exp}'d;</li>
 *   <li>each scale's map resized (half-pixel centres) to the image size and summed over scales.</li>
 * </ol>
 * With TEST.FLIP_TEST every pass is averaged (as logits) with the pass on the mirrored input,
 * mirrored back. The prediction is the argmax over classes. Every intermediate of a scale or
 * window is freed before the next one, so memory is bounded by one pass.
 *
 * <p>TEST.REFERENCE_EXACT (default true) keeps two quirks of the reference's test, so that its
 * predictions are reproduced pixel for pixel: the multi-scale path upsamples the logits with
 * {@code align_corners=False} ({@code F.upsample}'s default there), and the mirrored pass calls
 * the model without {@code train_step}, whose default 0 runs the unrolled weight-tied stack while
 * TRAIN.PRETRAIN_STEPS &gt; 0. false: {@code align_corners=True} everywhere (as the training loss
 * and validation) and an equilibrium mirrored pass.
 */
public final class SegmentationInference {
    private final MdeqModel model;
    private final Options options;
    private final int classes;
    private final MdeqModel.Mode mirroredMode;
    private final Set<String> checkedSizes = new HashSet<>();

    /**
     * The test settings (TEST.*).
     *
     * @param multiScale run the reference's multi-scale test over {@code scales} (TEST.MULTI_SCALE);
     *     false: one pass over the image as it is
     * @param scales the scales (TEST.SCALE_LIST)
     * @param flip average with the horizontally mirrored pass (TEST.FLIP_TEST)
     * @param baseSize the long side at scale 1 (TEST.BASE_SIZE)
     * @param cropHeight window height for scales above 1 (TEST.IMAGE_SIZE[1])
     * @param cropWidth window width (TEST.IMAGE_SIZE[0])
     * @param referenceExact keep the reference test's quirks (TEST.REFERENCE_EXACT)
     */
    public record Options(boolean multiScale, List<Double> scales, boolean flip, int baseSize, int cropHeight,
            int cropWidth, boolean referenceExact) {
        public Options {
            scales = List.copyOf(scales);
            if (multiScale && (scales.isEmpty() || scales.stream().anyMatch(s -> !(s > 0)))) {
                throw new InvalidInputException("TEST.SCALE_LIST must hold positive scales, got " + scales);
            }
            if (multiScale && (baseSize < 1 || cropHeight < 1 || cropWidth < 1)) {
                throw new InvalidInputException("TEST.BASE_SIZE and TEST.IMAGE_SIZE must be positive, got " + baseSize
                        + " and [" + cropWidth + ", " + cropHeight + "]");
            }
        }

        /** The options of a config. */
        public static Options of(ExperimentConfig config) {
            TestConfig t = config.test();
            return new Options(t.multiScale(), t.scaleList(), t.flipTest(), t.baseSize(), t.imageSize().get(1),
                    t.imageSize().get(0), t.referenceExact());
        }

        /**
         * How each pass's logits are upsampled: the reference's multi-scale test calls {@code
         * F.upsample} with its default {@code align_corners=False}; its validation (and the corrected
         * behaviour) use {@code align_corners=True}.
         */
        public boolean alignCorners() {
            return !(multiScale && referenceExact);
        }
    }

    public SegmentationInference(MdeqModel model, Options options) {
        this.model = model;
        this.options = options;
        this.classes = model.config().dataset().numClasses();
        // The reference's flip pass is model(flipped): train_step keeps its default 0, which is a
        // pretraining step (the unrolled stack) while TRAIN.PRETRAIN_STEPS > 0.
        this.mirroredMode = options.referenceExact() && model.pretraining(0)
                ? MdeqModel.Mode.UNROLLED : MdeqModel.Mode.EQUILIBRIUM;
    }

    public Options options() {
        return options;
    }

    /** How the mirrored pass of TEST.FLIP_TEST computes the state: unrolled or equilibrium. */
    public MdeqModel.Mode mirroredMode() {
        return mirroredMode;
    }

    /** The settings as the report lists them (and the fingerprint covers), in words. */
    public Map<String, String> describe() {
        Map<String, String> out = new LinkedHashMap<>();
        if (options.multiScale()) {
            out.put("scales", options.scales().stream().map(s -> String.format(Locale.ROOT, "%s", s))
                    .collect(Collectors.joining(", ")) + " (long side int(" + options.baseSize() + " x scale + 0.5))");
        } else {
            out.put("scales", "none: the full image as it is (TEST.MULTI_SCALE false)");
        }
        out.put("flip test", options.flip() ? "yes: logits averaged with the mirrored pass, which runs "
                + mirroredPassInWords() : "no");
        if (options.multiScale() && options.scales().stream().anyMatch(s -> s > 1)) {
            out.put("sliding window", options.cropHeight() + "x" + options.cropWidth() + " windows, stride = window, "
                    + "for scales above 1; averaged by count");
        }
        out.put("upsampling", "logits bilinear (align_corners=" + (options.alignCorners() ? "True" : "False")
                + ") to each pass's input size" + (options.multiScale() ? "; exp; each scale resized bilinearly "
                + "(half-pixel) to the image size and summed" : ""));
        out.put("reference exact", referenceExactInWords());
        return out;
    }

    private String mirroredPassInWords() {
        if (mirroredMode == MdeqModel.Mode.UNROLLED) {
            return "the unrolled weight-tied stack (" + model.config().model().numLayers() + " applications of f from "
                    + "zero, MODEL.NUM_LAYERS), not the equilibrium, as the reference's model(flipped) without "
                    + "train_step";
        }
        return "the equilibrium model" + (options.referenceExact()
                ? " (so does the reference's model(flipped): TRAIN.PRETRAIN_STEPS is 0)" : "");
    }

    /** Which reference path is reproduced, or what is corrected. */
    private String referenceExactInWords() {
        if (!options.referenceExact()) {
            return "no (TEST.REFERENCE_EXACT false): corrected: logits upsampled with align_corners=True as in "
                    + "training" + (options.flip() ? ", and an equilibrium mirrored pass" : "")
                    + (options.multiScale() ? "; differs from the reference's test script" : "");
        }
        String path = options.multiScale()
                ? "the reference's test script (tools/seg_test.py testval) pixel for pixel, its quirks included: "
                        + "logits upsampled with align_corners=False"
                : "the reference's validation: logits upsampled with align_corners=True";
        return "yes (TEST.REFERENCE_EXACT true): " + path
                + (options.flip() ? "; the mirrored pass as the reference's flip test runs it" : "");
    }

    /**
     * The class scores of one image, whose argmax per pixel is the prediction: logits without
     * TEST.MULTI_SCALE, else probabilities summed over scales.
     *
     * @param image {@code (1, 3, H, W)}, normalised as the data pipeline does
     * @param solves receives the statistics of every forward solve, in order
     * @return {@code (1, K, H, W)}, owned by the image's manager
     */
    public NDArray scores(NDArray image, Consumer<SolverStats> solves) {
        Shape shape = image.getShape();
        if (shape.dimension() != 4 || shape.get(0) != 1) {
            throw new IllegalArgumentException("segmentation inference takes one image (1, 3, H, W), got " + shape);
        }
        int height = (int) shape.get(2);
        int width = (int) shape.get(3);
        if (!options.multiScale()) {
            return pass(image, solves, 1.0);
        }
        NDManager owner = image.getManager();
        NDArray total = owner.zeros(new Shape(1, classes, height, width), image.getDataType());
        for (double scale : options.scales()) {
            try (NDManager scope = owner.newSubManager()) {
                int[] size = CityscapesTransforms.scaledSize(width, height, (int) (options.baseSize() * scale + 0.5));
                NDArray input = image;
                if (size[0] != width || size[1] != height) {
                    input = Interpolation.bilinear(image, size[1], size[0]);
                    input.attach(scope);
                } else {
                    image.tempAttach(scope);
                }
                NDArray out;
                if (scale <= 1) {
                    out = pass(input, solves, scale);
                } else {
                    out = new SlidingWindows(size[1], size[0], options.cropHeight(), options.cropWidth())
                            .average(input, classes, window -> pass(window, solves, scale));
                }
                if (size[0] != width || size[1] != height) {
                    out = Interpolation.bilinear(out, height, width);
                }
                total.addi(out);
            }
        }
        return total;
    }

    /** The prediction of a score map {@code (1, K, H, W)}: the class of the highest score per pixel, row-major. */
    public static byte[] argmax(NDArray scores) {
        try (NDArray classes = scores.argMax(1); NDArray bytes = classes.toType(DataType.UINT8, false)) {
            return bytes.toByteArray();
        }
    }

    /** One pass on {@code input} (1, 3, h, w): logits at h x w, flip-averaged, exp'd in the multi-scale test. */
    private NDArray pass(NDArray input, Consumer<SolverStats> solves, double scale) {
        long h = input.getShape().get(2);
        long w = input.getShape().get(3);
        checkSize(h, w, scale);
        NDArray out = logits(input, MdeqModel.Mode.EQUILIBRIUM, solves, h, w);
        if (options.flip()) {
            NDArray mirrored = logits(input.flip(3), mirroredMode, solves, h, w).flip(3);
            out = out.add(mirrored).muli(0.5);
        }
        // The reference's inference returns exp(logits); summed over windows and resized, as probabilities.
        return options.multiScale() ? out.exp() : out;
    }

    /** The model's logits upsampled to h x w; an equilibrium pass reports its solve. */
    private NDArray logits(NDArray input, MdeqModel.Mode mode, Consumer<SolverStats> solves, long h, long w) {
        try (MdeqModel.Evaluation eval = model.evaluate(input, mode, false)) {
            if (mode == MdeqModel.Mode.EQUILIBRIUM) {
                solves.accept(eval.solverStats());
            }
            return options.alignCorners() ? Interpolation.bilinearAlignCorners(eval.logits(), h, w)
                    : Interpolation.bilinear(eval.logits(), h, w);
        }
    }

    /**
     * The model takes an input only if its lowest-resolution branch has exactly half the size of
     * the one above (the reference fails on other sizes too, with a shape error deep inside f).
     */
    private void checkSize(long h, long w, double scale) {
        if (!checkedSizes.add(h + "x" + w)) {
            return;
        }
        Shape x0 = model.net().injectionShape(new Shape(1, 3, h, w));
        int branches = model.net().layout(x0).branches().size();
        long multiple = 1L << (branches - 1);
        if (x0.get(2) % multiple != 0 || x0.get(3) % multiple != 0) {
            long factor = multiple * (h / Math.max(1, x0.get(2)));
            throw new InvalidInputException(String.format(Locale.ROOT, "the model cannot take a %dx%d input (the "
                    + "image at scale %s%s): its %d branches need the stem's %dx%d output to be a multiple of %d, i.e. "
                    + "inputs whose sides are multiples of %d. Choose TEST.BASE_SIZE, TEST.SCALE_LIST and "
                    + "TEST.IMAGE_SIZE so that every scaled image and window has such sides.", h, w, scale,
                    scale > 1 ? ", one window" : "", branches, x0.get(2), x0.get(3), multiple, factor));
        }
    }
}
