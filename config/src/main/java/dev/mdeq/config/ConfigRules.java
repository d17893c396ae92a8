package dev.mdeq.config;

import java.util.List;

/**
 * Every rule a resolved config must meet beyond its types, checked once where a config is loaded
 * ({@link ConfigLoader}): the CLI, the trainer and the operator's admission all load through it, so a
 * bad value is refused before any work starts. Code that reads an {@link ExperimentConfig} may rely on
 * these rules and does not check them again.
 */
final class ConfigRules {

    private ConfigRules() {
    }

    /** Fails with a {@link ConfigException} naming the key and the rule. */
    static void check(ExperimentConfig config) {
        checkModel(config);
        checkData(config);
        checkTraining(config);
        checkDeq(config.deq());
        checkRun(config.run());
    }

    private static void checkModel(ExperimentConfig config) {
        ModelConfig model = config.model();
        ModelConfig.StageConfig stage = model.stage();
        int branches = stage.numBranches();
        require(branches >= 1, "MODEL.EXTRA.FULL_STAGE.NUM_BRANCHES must be at least 1, got " + branches);
        requireLength("MODEL.EXTRA.FULL_STAGE.NUM_CHANNELS", stage.numChannels(), branches);
        requireLength("MODEL.EXTRA.FULL_STAGE.NUM_BLOCKS", stage.numBlocks(), branches);
        if (config.task() == Task.CLASSIFICATION) {
            requireLength("MODEL.EXTRA.FULL_STAGE.HEAD_CHANNELS", stage.headChannels(), branches);
        }
        int groups = model.numGroups();
        require(groups >= 2 && groups % 2 == 0, "MODEL.NUM_GROUPS must be an even number of at least 2 "
                + "(post-fusion GroupNorm uses NUM_GROUPS/2 groups), got " + groups);
        for (int channels : stage.numChannels()) {
            require(channels > 0 && channels % groups == 0, "MODEL.EXTRA.FULL_STAGE.NUM_CHANNELS "
                    + stage.numChannels() + " must be positive multiples of MODEL.NUM_GROUPS (" + groups + ")");
        }
        require(model.expansionFactor() >= 1, "MODEL.EXPANSION_FACTOR must be at least 1, got " + model.expansionFactor());
        require(model.downsampleTimes() >= 0 && model.downsampleTimes() <= 2,
                "MODEL.DOWNSAMPLE_TIMES must be 0, 1 or 2, got " + model.downsampleTimes());
        require(model.dropout() >= 0 && model.dropout() < 1, "MODEL.DROPOUT must be in [0, 1), got " + model.dropout());
        require(model.fThres() >= 1, "MODEL.F_THRES must be at least 1, got " + model.fThres());
        require(model.bThres() >= 1, "MODEL.B_THRES must be at least 1, got " + model.bThres());
        require(model.numLayers() >= 1, "MODEL.NUM_LAYERS must be at least 1, got " + model.numLayers());
        requireSize("MODEL.IMAGE_SIZE", model.imageSize());
    }

    private static void checkData(ExperimentConfig config) {
        int classes = config.dataset().numClasses();
        require(classes >= 2 || config.task() == Task.SEGMENTATION,
                "DATASET.NUM_CLASSES must be at least 2, got " + classes);
        requireSize("TRAIN.IMAGE_SIZE", config.train().imageSize());
        requireSize("TEST.IMAGE_SIZE", config.test().imageSize());
    }

    private static void checkTraining(ExperimentConfig config) {
        TrainConfig train = config.train();
        TestConfig test = config.test();
        require(train.batchSizePerGpu() >= 1, "TRAIN.BATCH_SIZE_PER_GPU must be at least 1, got " + train.batchSizePerGpu());
        require(test.batchSizePerGpu() >= 1, "TEST.BATCH_SIZE_PER_GPU must be at least 1, got " + test.batchSizePerGpu());
        require(train.beginEpoch() >= 0 && train.endEpoch() > train.beginEpoch(),
                "TRAIN.END_EPOCH (" + train.endEpoch() + ") must be greater than TRAIN.BEGIN_EPOCH (" + train.beginEpoch() + ")");
        require(train.lr() > 0, "TRAIN.LR must be positive, got " + train.lr());
        require(train.pretrainSteps() >= 0, "TRAIN.PRETRAIN_STEPS must not be negative, got " + train.pretrainSteps());
        require(!test.scaleList().isEmpty(), "TEST.SCALE_LIST must name at least one scale");
    }

    /** The solvers' settings: the equilibrium steps start after pretraining, so check them now. */
    private static void checkDeq(DeqConfig deq) {
        require(deq.fEps() >= 0, "DEQ.F_EPS must be a number >= 0, got " + deq.fEps());
        require(deq.bEps() >= 0, "DEQ.B_EPS must be a number >= 0, got " + deq.bEps());
        require(deq.phantomSteps() >= 1, "DEQ.PHANTOM_STEPS must be at least 1, got " + deq.phantomSteps());
        require(deq.phantomDamping() > 0 && deq.phantomDamping() <= 1,
                "DEQ.PHANTOM_DAMPING must be in (0, 1], got " + deq.phantomDamping());
        // Anderson mixes at least two past iterates; with one its least-squares system is empty.
        require(deq.andersonM() >= 2, "DEQ.ANDERSON_M must be at least 2, got " + deq.andersonM());
        require(deq.andersonLam() >= 0, "DEQ.ANDERSON_LAM must be a number >= 0, got " + deq.andersonLam());
        require(deq.andersonBeta() > 0 && deq.andersonBeta() <= 1,
                "DEQ.ANDERSON_BETA must be in (0, 1], got " + deq.andersonBeta());
        require(deq.broydenMemory() >= 1, "DEQ.BROYDEN_MEMORY must be at least 1, got " + deq.broydenMemory());
    }

    private static void checkRun(RunConfig run) {
        require(run.keepCheckpoints() >= 1, "RUN.KEEP_CHECKPOINTS must be at least 1, got " + run.keepCheckpoints());
        require(run.checkpointEverySteps() >= 0, "RUN.CHECKPOINT_EVERY_STEPS must not be negative (0 = off)");
        require(run.checkpointEveryMinutes() >= 0, "RUN.CHECKPOINT_EVERY_MINUTES must not be negative (0 = off)");
        require(run.shutdownGraceSeconds() >= 1, "RUN.SHUTDOWN_GRACE_SECONDS must be at least 1");
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new ConfigException(message);
        }
    }

    private static void requireLength(String key, List<Integer> values, int branches) {
        require(values.size() == branches, key + " must have one entry per branch (NUM_BRANCHES = "
                + branches + "), got " + values);
    }

    private static void requireSize(String key, List<Integer> size) {
        require(size.size() == 2 && size.get(0) > 0 && size.get(1) > 0,
                key + " must be two positive integers [W, H], got " + size);
    }
}
