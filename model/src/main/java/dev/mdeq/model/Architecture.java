package dev.mdeq.model;

import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.ModelConfig;
import dev.mdeq.config.Task;
import java.util.List;

/**
 * Everything that fixes the shape of an MDEQ network, read from an experiment config the way the
 * reference's {@code MDEQNet.parse_cfg}, {@code get_cls_net} and {@code get_seg_net} read it.
 *
 * @param task classification (head: Bottleneck increments, classifier) or segmentation (head:
 *     upsample, concat, 1x1 layers)
 * @param channels {@code NUM_CHANNELS}, one per branch, highest resolution first
 * @param blocks {@code NUM_BLOCKS}, residual blocks per branch
 * @param expansion {@code EXPANSION_FACTOR}, width multiplier inside the residual blocks
 * @param groups {@code NUM_GROUPS} (post-fusion GroupNorm uses half)
 * @param dropout {@code DROPOUT}, variational dropout rate in the residual blocks
 * @param wnorm {@code WNORM}, weight normalisation of the blocks' and post-fusion convolutions
 * @param downsampleTimes {@code DOWNSAMPLE_TIMES}, stride-2 convolutions in the stem
 * @param headChannels {@code HEAD_CHANNELS} (classification)
 * @param finalChansize {@code FINAL_CHANSIZE} (classification)
 * @param numClasses classifier outputs: {@code MODEL.NUM_CLASSES} for classification, {@code
 *     DATASET.NUM_CLASSES} for segmentation (as the reference)
 * @param finalConvKernel {@code FINAL_CONV_KERNEL} (segmentation)
 * @param bnMomentum BatchNorm momentum in PyTorch's convention: 0.1 classification, 0.01 segmentation
 * @param numLayers {@code NUM_LAYERS}, depth of the unrolled weight-tied stack
 * @param inputHeight input height: {@code MODEL.IMAGE_SIZE} (classification) or the {@code
 *     TRAIN.IMAGE_SIZE} crop (segmentation)
 * @param inputWidth input width
 */
public record Architecture(
        Task task,
        List<Integer> channels,
        List<Integer> blocks,
        int expansion,
        int groups,
        double dropout,
        boolean wnorm,
        int downsampleTimes,
        List<Integer> headChannels,
        int finalChansize,
        int numClasses,
        int finalConvKernel,
        double bnMomentum,
        int numLayers,
        int inputHeight,
        int inputWidth) {

    /** BatchNorm momentum of the classification networks ({@code get_cls_net}). */
    public static final double CLS_BN_MOMENTUM = 0.1;
    /** BatchNorm momentum of the segmentation networks ({@code get_seg_net}). */
    public static final double SEG_BN_MOMENTUM = 0.01;

    public Architecture {
        channels = List.copyOf(channels);
        blocks = List.copyOf(blocks);
        headChannels = List.copyOf(headChannels);
    }

    /** The architecture an experiment config describes. */
    public static Architecture from(ExperimentConfig config) {
        ModelConfig model = config.model();
        ModelConfig.StageConfig stage = model.stage();
        boolean segmentation = config.task() == Task.SEGMENTATION;
        List<Integer> size = segmentation ? config.train().imageSize() : model.imageSize();
        return new Architecture(
                config.task(),
                stage.numChannels(),
                stage.numBlocks(),
                model.expansionFactor(),
                model.numGroups(),
                model.dropout(),
                model.wnorm(),
                model.downsampleTimes(),
                stage.headChannels(),
                stage.finalChansize(),
                segmentation ? config.dataset().numClasses() : model.numClasses(),
                model.finalConvKernel(),
                segmentation ? SEG_BN_MOMENTUM : CLS_BN_MOMENTUM,
                model.numLayers(),
                size.get(1),
                size.get(0));
    }

    public int branches() {
        return channels.size();
    }

    /** The reference builds the injection transform {@code stage0} unless the stem is all of it. */
    public boolean hasStage0() {
        return !(downsampleTimes == 0 && branches() <= 2);
    }

    /** The same architecture for another input size (e.g. full-resolution evaluation). */
    public Architecture withInputSize(int height, int width) {
        return new Architecture(task, channels, blocks, expansion, groups, dropout, wnorm, downsampleTimes, headChannels,
                finalChansize, numClasses, finalConvKernel, bnMomentum, numLayers, height, width);
    }
}
