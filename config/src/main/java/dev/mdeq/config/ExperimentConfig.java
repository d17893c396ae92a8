package dev.mdeq.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A resolved experiment: the typed, immutable view that the rest of the code reads, plus the tree
 * it came from (written back to yaml as the run's {@code config.yaml}).
 */
public record ExperimentConfig(
        List<Integer> gpus,
        int workers,
        int printFreq,
        ModelConfig model,
        DatasetConfig dataset,
        TrainConfig train,
        TestConfig test,
        LossConfig loss,
        DeqConfig deq,
        RunConfig run,
        ConfigTree tree) {

    static ExperimentConfig from(ConfigTree tree) {
        return new ExperimentConfig(
                intListAt(tree, "GPUS"),
                ((Long) tree.get("WORKERS")).intValue(),
                ((Long) tree.get("PRINT_FREQ")).intValue(),
                ModelConfig.from(new Section("MODEL", tree.get("MODEL"))),
                DatasetConfig.from(new Section("DATASET", tree.get("DATASET"))),
                TrainConfig.from(new Section("TRAIN", tree.get("TRAIN"))),
                TestConfig.from(new Section("TEST", tree.get("TEST"))),
                LossConfig.from(new Section("LOSS", tree.get("LOSS"))),
                DeqConfig.from(new Section("DEQ", tree.get("DEQ"))),
                RunConfig.from(new Section("RUN", tree.get("RUN"))),
                tree);
    }

    private static List<Integer> intListAt(ConfigTree tree, String key) {
        List<Integer> out = new ArrayList<>();
        for (Object item : (List<?>) tree.get(key)) {
            if (!(item instanceof Long n)) {
                throw new ConfigException("key " + key + " must be a list of integers, got " + tree.get(key));
            }
            out.add(n.intValue());
        }
        return List.copyOf(out);
    }

    /** Classification or segmentation, from the data set. */
    public Task task() {
        return dataset.kind().task();
    }

    /** The resolved config as yaml (what the run folder keeps as config.yaml). */
    public String toYaml() {
        return tree.toYaml();
    }

    /** SHA-256 of the resolved config's yaml: checkpoints record it to detect a changed config. */
    public String sha256() {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(toYaml().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Checks what the model and trainer need beyond types; fails naming the key and the rule. */
    void validate() {
        ModelConfig.StageConfig stage = model.stage();
        int branches = stage.numBranches();
        require(branches >= 1, "MODEL.EXTRA.FULL_STAGE.NUM_BRANCHES must be at least 1, got " + branches);
        requireLength("MODEL.EXTRA.FULL_STAGE.NUM_CHANNELS", stage.numChannels(), branches);
        requireLength("MODEL.EXTRA.FULL_STAGE.NUM_BLOCKS", stage.numBlocks(), branches);
        if (task() == Task.CLASSIFICATION) {
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
        requireSize("TRAIN.IMAGE_SIZE", train.imageSize());
        requireSize("TEST.IMAGE_SIZE", test.imageSize());
        require(dataset.numClasses() >= 2 || task() == Task.SEGMENTATION,
                "DATASET.NUM_CLASSES must be at least 2, got " + dataset.numClasses());
        require(train.batchSizePerGpu() >= 1, "TRAIN.BATCH_SIZE_PER_GPU must be at least 1, got " + train.batchSizePerGpu());
        require(test.batchSizePerGpu() >= 1, "TEST.BATCH_SIZE_PER_GPU must be at least 1, got " + test.batchSizePerGpu());
        require(train.beginEpoch() >= 0 && train.endEpoch() > train.beginEpoch(),
                "TRAIN.END_EPOCH (" + train.endEpoch() + ") must be greater than TRAIN.BEGIN_EPOCH (" + train.beginEpoch() + ")");
        require(train.lr() > 0, "TRAIN.LR must be positive, got " + train.lr());
        require(train.pretrainSteps() >= 0, "TRAIN.PRETRAIN_STEPS must not be negative, got " + train.pretrainSteps());
        require(!test.scaleList().isEmpty(), "TEST.SCALE_LIST must name at least one scale");
        require(deq.phantomSteps() >= 1, "DEQ.PHANTOM_STEPS must be at least 1, got " + deq.phantomSteps());
        require(deq.phantomDamping() > 0 && deq.phantomDamping() <= 1,
                "DEQ.PHANTOM_DAMPING must be in (0, 1], got " + deq.phantomDamping());
        require(deq.andersonM() >= 1, "DEQ.ANDERSON_M must be at least 1, got " + deq.andersonM());
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
