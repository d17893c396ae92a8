/**
 * Running an evaluation whole or as shards: {@link dev.mdeq.evaluator.shard.ShardSpec} ({@code
 * --shard I/N}), {@link dev.mdeq.evaluator.shard.EvaluationDriver} (slice, progress, skipping,
 * report or partial), {@link dev.mdeq.evaluator.shard.ShardPartial} and
 * {@link dev.mdeq.evaluator.shard.ShardMerger}.
 */
package dev.mdeq.evaluator.shard;
