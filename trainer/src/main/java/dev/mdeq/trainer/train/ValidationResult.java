package dev.mdeq.trainer.train;

/**
 * One validation pass during training.
 *
 * @param metricName {@code top1} (classification, %) or {@code mIoU} (segmentation, %)
 * @param value the metric in percent
 * @param samples images evaluated
 * @param seconds wall-clock time of the pass
 */
public record ValidationResult(String metricName, double value, long samples, double seconds) {
    public static final String TOP1 = "top1";
    public static final String MIOU = "mIoU";
}
