/**
 * Cityscapes prediction files: writing them in the benchmark's submission format
 * ({@link dev.mdeq.evaluator.predictions.PredictionWriter}) and scoring existing ones as the
 * benchmark's pixel-level evaluation does ({@link dev.mdeq.evaluator.predictions.PredictionScoring}).
 */
package dev.mdeq.evaluator.predictions;
