/**
 * Evaluation metrics: the exact 64-bit {@link dev.mdeq.evaluator.metrics.ConfusionMatrix}, its fast
 * accumulation from label maps ({@link dev.mdeq.evaluator.metrics.PixelAccumulator}), segmentation
 * scores in the Cityscapes benchmark's and the MDEQ reference's conventions
 * ({@link dev.mdeq.evaluator.metrics.SegmentationMetrics}), and classification top-k counts
 * ({@link dev.mdeq.evaluator.metrics.ClassificationCounts}, {@link dev.mdeq.evaluator.metrics.ClassificationMetrics}).
 */
package dev.mdeq.evaluator.metrics;
