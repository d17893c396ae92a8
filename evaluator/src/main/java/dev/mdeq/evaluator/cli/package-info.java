/**
 * The {@code mdeq evaluate} command line.
 *
 * <ul>
 *   <li>{@link dev.mdeq.evaluator.cli.EvaluateCommand}: {@code mdeq evaluate}, the parent command,
 *       registered in the CLI's {@code Mdeq}.</li>
 *   <li>{@code mdeq evaluate predictions}: scores existing Cityscapes labelId PNGs
 *       ({@link dev.mdeq.evaluator.predictions.PredictionScoring}).</li>
 *   <li>{@code mdeq evaluate merge}: merges shard partials
 *       ({@link dev.mdeq.evaluator.shard.ShardMerger}); it does not care how the partials were made.</li>
 * </ul>
 *
 * <h2>Model-based evaluation</h2>
 * The container contract runs {@code mdeq evaluate --run RUN_URI --eval-id ID [--checkpoint
 * best|latest|<folder>] [--split val] [--shard I/N]}: these are options of the parent command
 * itself, so picocli runs {@link dev.mdeq.evaluator.cli.EvaluateCommand#call()} when no subcommand
 * is given. It resolves the run's config and weights and runs
 * {@link dev.mdeq.evaluator.inference.ModelEvaluation}, which goes through the same
 * {@link dev.mdeq.evaluator.shard.EvaluationDriver} (report unsharded, partial sharded) as
 * {@code evaluate predictions}; {@code merge} works on both kinds of partials.
 */
package dev.mdeq.evaluator.cli;
