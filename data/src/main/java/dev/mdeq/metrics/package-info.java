/**
 * Evaluation metrics: the exact 64-bit {@link dev.mdeq.metrics.ConfusionMatrix}, its fast
 * accumulation from label maps ({@link dev.mdeq.metrics.PixelAccumulator}), segmentation
 * scores in the Cityscapes benchmark's and the MDEQ reference's conventions
 * ({@link dev.mdeq.metrics.SegmentationMetrics}), and classification top-k counts
 * ({@link dev.mdeq.metrics.ClassificationCounts}, {@link dev.mdeq.metrics.ClassificationMetrics}).
 */
package dev.mdeq.metrics;
