package dev.mdeq.config;

/** What the model predicts, decided by {@code DATASET.DATASET}. */
public enum Task {
    /** One label per image (CIFAR-10, ImageNet, Fashion-MNIST): top-1 / top-5. */
    CLASSIFICATION,
    /** One label per pixel (Cityscapes): mIoU. */
    SEGMENTATION
}
