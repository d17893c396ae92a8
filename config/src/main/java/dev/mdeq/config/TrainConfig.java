package dev.mdeq.config;

import java.util.List;

/**
 * {@code TRAIN.*}: optimisation, schedule and training-time data handling.
 *
 * @param imageSize training crop {@code [W, H]}
 * @param baseSize Cityscapes long side before random scaling
 * @param flip random horizontal flip (segmentation)
 * @param multiScale random rescaling 0.5..2.1 (segmentation)
 * @param clip gradient norm clipping, negative = off
 * @param lrScheduler cosine (per iteration, eta_min 1e-6), step (LR_STEP epochs times LR_FACTOR),
 *     poly (0.9); segmentation always trains with poly as the reference effectively does
 * @param pretrainSteps optimizer steps in unrolled (weight-tied) mode before equilibrium mode
 * @param ignoreLabel label value ignored by the loss (255 for Cityscapes)
 * @param modelFile weights to load entirely before training ({@code TRAIN.MODEL_FILE})
 * @param batchSizePerGpu samples per device per step
 */
public record TrainConfig(
        List<Integer> imageSize,
        int baseSize,
        boolean flip,
        boolean multiScale,
        int scaleFactor,
        double clip,
        double lrFactor,
        List<Integer> lrStep,
        double lr,
        LrSchedule lrScheduler,
        Optimizer optimizer,
        double momentum,
        double wd,
        boolean nesterov,
        long pretrainSteps,
        int ignoreLabel,
        int beginEpoch,
        int endEpoch,
        boolean resume,
        String modelFile,
        int batchSizePerGpu,
        boolean shuffle) {

    /** Optimisers the reference uses. */
    public enum Optimizer { ADAM, SGD }

    /** Learning-rate schedules. */
    public enum LrSchedule { COSINE, STEP, POLY }

    static TrainConfig from(Section train) {
        return new TrainConfig(
                train.intList("IMAGE_SIZE"),
                train.integer("BASE_SIZE"),
                train.bool("FLIP"),
                train.bool("MULTI_SCALE"),
                train.integer("SCALE_FACTOR"),
                train.real("CLIP"),
                train.real("LR_FACTOR"),
                train.intList("LR_STEP"),
                train.real("LR"),
                train.choice("LR_SCHEDULER", LrSchedule.class),
                train.choice("OPTIMIZER", Optimizer.class),
                train.real("MOMENTUM"),
                train.real("WD"),
                train.bool("NESTEROV"),
                train.longInteger("PRETRAIN_STEPS"),
                train.integer("IGNORE_LABEL"),
                train.integer("BEGIN_EPOCH"),
                train.integer("END_EPOCH"),
                train.bool("RESUME"),
                train.string("MODEL_FILE"),
                train.integer("BATCH_SIZE_PER_GPU"),
                train.bool("SHUFFLE"));
    }
}
