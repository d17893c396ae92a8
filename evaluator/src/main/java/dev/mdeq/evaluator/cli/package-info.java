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
 * <h2>Extension point: model-based evaluation</h2>
 * The container contract runs {@code mdeq evaluate --run RUN_URI --eval-id ID [--checkpoint
 * best|latest|<folder>] [--split val] [--shard I/N]}: these are options of the parent command
 * itself, so picocli runs {@link dev.mdeq.evaluator.cli.EvaluateCommand#call()} when no subcommand
 * is given. To add it: declare those options on {@code EvaluateCommand} (use
 * {@link dev.mdeq.evaluator.cli.ShardConverter} for {@code --shard} and
 * {@link dev.mdeq.evaluator.cli.ProgressOptions} as a mixin) and replace the body of {@code call()}
 * (today it fails with a usage message) with:
 * <ol>
 *   <li>open the run folder ({@code ObjectStores.open(run)}), load the config and checkpoint;</li>
 *   <li>list the data set's items, sorted, and make an
 *       {@link dev.mdeq.evaluator.results.EvalContext} (task, {@code source = "model"}, checkpoint id,
 *       data set and split, config yaml + sha256, class names, item count and
 *       {@code EvalContext.itemListSha256(items)}, options such as scales and flip);</li>
 *   <li>run {@link dev.mdeq.evaluator.shard.EvaluationDriver} with an
 *       {@code ItemEvaluator} that decodes the image and label, runs inference, adds the label maps
 *       to a {@link dev.mdeq.evaluator.metrics.PixelAccumulator} from
 *       {@code tally.pixelAccumulator(...)} (or scores to {@code tally.classification()}), writes
 *       predictions with {@link dev.mdeq.evaluator.predictions.PredictionWriter} (and its samples
 *       when {@code item.sample()}), and records an
 *       {@link dev.mdeq.evaluator.results.ImageStats} with the timings and
 *       {@link dev.mdeq.evaluator.results.SolverRun}s ({@code SolverRun.of(solverStats)} per forward
 *       solve).</li>
 * </ol>
 * The driver writes the report when unsharded and the partial when sharded; {@code merge} then
 * works unchanged.
 */
package dev.mdeq.evaluator.cli;
