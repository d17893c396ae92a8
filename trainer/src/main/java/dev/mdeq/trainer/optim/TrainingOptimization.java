package dev.mdeq.trainer.optim;

import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.Task;
import dev.mdeq.config.TrainConfig;

/** Builds the optimizer and learning-rate schedule an experiment config describes. */
public final class TrainingOptimization {
    /** The cosine schedule's floor, as the reference's {@code CosineAnnealingLR(eta_min=1e-6)}. */
    public static final double COSINE_ETA_MIN = 1e-6;
    /** The poly schedule's power, as the reference's {@code adjust_learning_rate}. */
    public static final double POLY_POWER = 0.9;

    private TrainingOptimization() {
    }

    /** {@code TRAIN.OPTIMIZER} with {@code TRAIN.WD}, {@code TRAIN.MOMENTUM}, {@code TRAIN.NESTEROV}. */
    public static Optimizer optimizer(TrainConfig train) {
        return switch (train.optimizer()) {
            case ADAM -> new Adam(train.wd());
            case SGD -> new Sgd(train.momentum(), train.wd(), train.nesterov());
        };
    }

    /**
     * {@code TRAIN.LR_SCHEDULER} over {@code stepsPerEpoch * TRAIN.END_EPOCH} iterations (the
     * reference's T_max). Segmentation always uses poly 0.9 per iteration: the reference's
     * segmentation loop overwrites whatever scheduler the yaml names with it.
     */
    public static LearningRateSchedule schedule(ExperimentConfig config, long stepsPerEpoch) {
        TrainConfig train = config.train();
        long totalSteps = stepsPerEpoch * train.endEpoch();
        TrainConfig.LrSchedule kind = config.task() == Task.SEGMENTATION ? TrainConfig.LrSchedule.POLY
                : train.lrScheduler();
        return switch (kind) {
            case COSINE -> LearningRateSchedule.cosine(train.lr(), totalSteps, COSINE_ETA_MIN);
            case STEP -> LearningRateSchedule.multiStep(train.lr(), train.lrStep(), train.lrFactor());
            case POLY -> LearningRateSchedule.poly(train.lr(), totalSteps, POLY_POWER);
        };
    }
}
