/**
 * What an evaluation accumulates and where it goes: its identity and fingerprint
 * ({@link dev.mdeq.evaluator.results.EvalContext}), the mergeable
 * {@link dev.mdeq.evaluator.results.EvalTally} (confusion matrix or classification counts,
 * per-image {@link dev.mdeq.evaluator.results.ImageStats} with
 * {@link dev.mdeq.evaluator.results.SolverRun}s, skipped inputs, sample pictures), and the keys
 * of its outputs ({@link dev.mdeq.evaluator.results.EvalLayout}).
 */
package dev.mdeq.evaluator.results;
