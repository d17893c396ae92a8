package dev.mdeq.config;

import dev.mdeq.runstore.storage.Sha256;
import java.util.ArrayList;
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
        return Sha256.hex(toYaml());
    }
}
