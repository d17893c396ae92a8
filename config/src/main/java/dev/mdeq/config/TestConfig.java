package dev.mdeq.config;

import java.util.List;

/**
 * {@code TEST.*}: evaluation.
 *
 * @param imageSize evaluation size {@code [W, H]} (Cityscapes: full 2048x1024)
 * @param numSamples evaluate only the first N samples (0 = all)
 * @param flipTest average with the horizontally flipped prediction
 * @param multiScale evaluate at every scale of {@code scaleList}
 * @param scaleList scales for multi-scale testing (scale above 1 uses sliding windows)
 * @param centerCropTest ImageNet-style resize 256 + centre crop 224
 * @param modelFile weights to evaluate ({@code TEST.MODEL_FILE})
 * @param referenceExact segmentation evaluation exactly as the reference's test script, quirks
 *     included ({@code TEST.REFERENCE_EXACT}, this project's extension, see extensions.yaml)
 */
public record TestConfig(
        List<Integer> imageSize,
        int baseSize,
        int batchSizePerGpu,
        int numSamples,
        boolean flipTest,
        boolean multiScale,
        List<Double> scaleList,
        boolean centerCropTest,
        String modelFile,
        boolean referenceExact) {

    static TestConfig from(Section test) {
        return new TestConfig(
                test.intList("IMAGE_SIZE"),
                test.integer("BASE_SIZE"),
                test.integer("BATCH_SIZE_PER_GPU"),
                test.integer("NUM_SAMPLES"),
                test.bool("FLIP_TEST"),
                test.bool("MULTI_SCALE"),
                test.realList("SCALE_LIST"),
                test.bool("CENTER_CROP_TEST"),
                test.string("MODEL_FILE"),
                test.bool("REFERENCE_EXACT"));
    }
}
