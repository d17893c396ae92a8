package dev.mdeq.operator.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.mdeq.config.DatasetKind;

/** The on-disk format of a data set, by its DATASET.DATASET name. */
public enum DatasetFormat {
    /** CIFAR-10 binary batches (classification, 10 classes). */
    @JsonProperty("cifar10")
    CIFAR10(DatasetKind.CIFAR10),
    /** ImageNet folders of JPEGs (classification, 1000 classes). */
    @JsonProperty("imagenet")
    IMAGENET(DatasetKind.IMAGENET),
    /** Fashion-MNIST IDX files (classification, 10 classes). */
    @JsonProperty("fashion_mnist")
    FASHION_MNIST(DatasetKind.FASHION_MNIST),
    /** Cityscapes leftImg8bit/gtFine PNGs with list files (segmentation, 19 classes). */
    @JsonProperty("cityscapes")
    CITYSCAPES(DatasetKind.CITYSCAPES);

    private final DatasetKind kind;

    DatasetFormat(DatasetKind kind) {
        this.kind = kind;
    }

    /** The config module's data set kind. */
    public DatasetKind kind() {
        return kind;
    }
}
