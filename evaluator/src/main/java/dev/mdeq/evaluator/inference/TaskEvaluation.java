package dev.mdeq.evaluator.inference;

import dev.mdeq.evaluator.results.EvalTally;
import dev.mdeq.evaluator.shard.EvaluationDriver;
import dev.mdeq.evaluator.shard.ShardSpec;
import java.util.List;
import java.util.Map;

/**
 * The task-specific half of a model evaluation: what its items are (images, or batches of a
 * classification set), how one is evaluated, and what the report should list about it.
 */
interface TaskEvaluation extends EvaluationDriver.ItemEvaluator, AutoCloseable {
    /** Every item of the evaluation, sorted (the same list in every shard). */
    List<String> items();

    /** One name per class. */
    List<String> classNames();

    /** Settings that change the numbers, for the report and the fingerprint. */
    Map<String, String> options();

    /** An empty tally of this task's kind. */
    EvalTally newTally();

    /** Starts decoding the items of {@code shard} ahead, in the order the driver asks for them. */
    void start(ShardSpec shard);

    @Override
    void close();
}
