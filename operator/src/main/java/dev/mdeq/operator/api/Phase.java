package dev.mdeq.operator.api;

/** Where a run is in its lifecycle. */
public enum Phase {
    /**
     * Accepted or waiting: the spec is being validated, is invalid, the trainer Job waits in its Kueue
     * queue (or was preempted), a retry is starting, or the trainer pod is not running yet.
     */
    Pending,
    /** The trainer Job runs. */
    Training,
    /** Training succeeded; the evaluator Job (and the merge Job) run. */
    Evaluating,
    /** Training (and evaluation, when enabled) succeeded. */
    Succeeded,
    /** Training or evaluation failed for good; the Ready condition says why. */
    Failed,
    /** spec.suspend is true: no pod runs; resuming continues from the last checkpoint. */
    Suspended;

    /** True for the phases a run never leaves. */
    public boolean isTerminal() {
        return this == Succeeded || this == Failed;
    }
}
