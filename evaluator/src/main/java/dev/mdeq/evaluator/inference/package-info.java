/**
 * Model-based evaluation: a run's model (a checkpoint or a weights file) on a data set split,
 * behind {@code mdeq evaluate --run URI}.
 *
 * <ul>
 *   <li>{@link dev.mdeq.evaluator.inference.ModelSource}: which weights (BEST, LATEST, a named
 *       checkpoint folder, a weights file or TEST.MODEL_FILE), verified and read.</li>
 *   <li>{@link dev.mdeq.evaluator.inference.ModelEvaluation}: the run's config (with overrides and
 *       the split), the model in equilibrium mode, the items (images, or batches of a
 *       classification set) through the {@link dev.mdeq.evaluator.shard.EvaluationDriver}, which
 *       writes the report or the shard's partial.</li>
 *   <li>{@link dev.mdeq.evaluator.inference.SegmentationInference}: one full-resolution image as
 *       the reference's test does it (scales, sliding windows above scale 1, flip, logits
 *       upsampled with {@code align_corners=True}), batch 1, memory bounded by one pass;
 *       {@link dev.mdeq.evaluator.inference.SlidingWindows} is its window arithmetic.</li>
 *   <li>Per item: decoding ahead on WORKERS threads (a bad image fails only its own item, so it
 *       can be skipped and counted), inference, metrics, prediction PNGs, and an
 *       {@link dev.mdeq.evaluator.results.ImageStats} with the timings and every forward solve's
 *       {@link dev.mdeq.evaluator.results.SolverRun}.</li>
 * </ul>
 */
package dev.mdeq.evaluator.inference;
