package dev.mdeq.config;

import java.util.Arrays;
import java.util.Locale;

/** The data sets this project reads, by their {@code DATASET.DATASET} name. */
public enum DatasetKind {
    CIFAR10("cifar10", Task.CLASSIFICATION, 10),
    IMAGENET("imagenet", Task.CLASSIFICATION, 1000),
    FASHION_MNIST("fashion_mnist", Task.CLASSIFICATION, 10),
    CITYSCAPES("cityscapes", Task.SEGMENTATION, 19);

    private final String configName;
    private final Task task;
    private final int numClasses;

    DatasetKind(String configName, Task task, int numClasses) {
        this.configName = configName;
        this.task = task;
        this.numClasses = numClasses;
    }

    /** The name as written in {@code DATASET.DATASET}. */
    public String configName() {
        return configName;
    }

    public Task task() {
        return task;
    }

    /** The number of classes of the real data set. */
    public int numClasses() {
        return numClasses;
    }

    /** The kind named by {@code DATASET.DATASET}, or a ConfigException that lists the valid names. */
    public static DatasetKind fromConfigName(String name) {
        String lower = name.toLowerCase(Locale.ROOT).replace('-', '_');
        for (DatasetKind kind : values()) {
            if (kind.configName.equals(lower)) {
                return kind;
            }
        }
        throw new ConfigException("key DATASET.DATASET: data set '" + name + "' is not supported; valid: "
                + Arrays.stream(values()).map(DatasetKind::configName).toList());
    }
}
