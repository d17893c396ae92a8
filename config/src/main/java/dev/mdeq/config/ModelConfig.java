package dev.mdeq.config;

import java.util.List;

/**
 * {@code MODEL.*}: the MDEQ architecture and its equilibrium thresholds.
 *
 * @param numLayers depth of the unrolled weight-tied stack used during pretraining
 * @param numGroups GroupNorm groups (post-fusion layers use half as many)
 * @param dropout variational dropout rate inside the residual blocks
 * @param fThres forward solver step limit (also the backward limit, as in the reference, unless
 *     {@code DEQ.USE_B_THRES})
 * @param bThres backward solver step limit (parsed but unused by the reference)
 * @param wnorm weight normalisation of the blocks' and post-fusion convolutions
 * @param downsampleTimes stride-2 convolutions in the stem (0 or 2)
 * @param expansionFactor width multiplier of the residual blocks' inner convolution
 * @param imageSize input size {@code [W, H]} as the reference writes it
 * @param pretrained weights to initialise from, keys that match only ({@code MODEL.PRETRAINED})
 * @param finalConvKernel kernel of the segmentation head's last convolution
 */
public record ModelConfig(
        String name,
        int numLayers,
        int numGroups,
        double dropout,
        int numClasses,
        int fThres,
        int bThres,
        boolean wnorm,
        int downsampleTimes,
        int expansionFactor,
        List<Integer> imageSize,
        String pretrained,
        boolean initWeights,
        StageConfig stage,
        int finalConvKernel) {

    /**
     * {@code MODEL.EXTRA.FULL_STAGE}: the branches of the multiscale equilibrium layer and the
     * classification head's widths.
     */
    public record StageConfig(
            int numModules,
            int numBranches,
            List<Integer> numBlocks,
            List<Integer> numChannels,
            List<Integer> headChannels,
            int finalChansize,
            String block,
            String fuseMethod) {
    }

    static ModelConfig from(Section model) {
        Section extra = model.section("EXTRA");
        Section stage = extra.section("FULL_STAGE");
        return new ModelConfig(
                model.string("NAME"),
                model.integer("NUM_LAYERS"),
                model.integer("NUM_GROUPS"),
                model.real("DROPOUT"),
                model.integer("NUM_CLASSES"),
                model.integer("F_THRES"),
                model.integer("B_THRES"),
                model.bool("WNORM"),
                model.integer("DOWNSAMPLE_TIMES"),
                model.integer("EXPANSION_FACTOR"),
                model.intList("IMAGE_SIZE"),
                model.string("PRETRAINED"),
                model.bool("INIT_WEIGHTS"),
                new StageConfig(
                        stage.integer("NUM_MODULES"),
                        stage.integer("NUM_BRANCHES"),
                        stage.intList("NUM_BLOCKS"),
                        stage.intList("NUM_CHANNELS"),
                        stage.intList("HEAD_CHANNELS"),
                        stage.integer("FINAL_CHANSIZE"),
                        stage.string("BLOCK"),
                        stage.string("FUSE_METHOD")),
                extra.integer("FINAL_CONV_KERNEL"));
    }
}
