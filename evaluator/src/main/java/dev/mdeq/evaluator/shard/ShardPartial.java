package dev.mdeq.evaluator.shard;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.mdeq.evaluator.results.EvalContext;
import dev.mdeq.evaluator.results.EvalTally;
import java.time.Instant;
import java.util.List;

/**
 * What one shard leaves in {@link dev.mdeq.runstore.run.RunLayout#shardPartial}: its slice of the
 * results and enough about the evaluation to check that the shards belong together. The format is
 * the same for model-based evaluation and for scoring predictions.
 *
 * @param formatVersion version of this layout
 * @param shardIndex the shard's index
 * @param shardCount the number of shards
 * @param fingerprint {@link EvalContext#fingerprint()} of the evaluation
 * @param context the evaluation (identical in every shard)
 * @param items the items this shard covered (its slice, including skipped ones), sorted
 * @param wallNanos the shard's elapsed time
 * @param tally the shard's results
 * @param createdAt when the partial was written
 * @param kernels the native kernel set the shard computed with (see docs/numerics.md), or null
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ShardPartial(int formatVersion, int shardIndex, int shardCount, String fingerprint, EvalContext context,
        List<String> items, long wallNanos, EvalTally tally, Instant createdAt, String kernels) {
    public static final int FORMAT_VERSION = 1;
}
