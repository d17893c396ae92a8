package dev.mdeq.runstore.run;

/**
 * Exit codes of the {@code mdeq} command, shared by trainer, evaluator and operator: the operator's
 * pod failure policy tells a retryable stop from a permanent failure by them.
 */
public final class ExitCodes {
    /** Finished. */
    public static final int OK = 0;
    /** An unexpected failure (a bug, a crash): retried within the restart budget. */
    public static final int FAILED = 1;
    /** Wrong command-line usage. */
    public static final int USAGE = 2;
    /** Invalid input (config, data, weights, credentials): retrying cannot help. */
    public static final int INVALID_INPUT = 3;
    /** Training diverged (NaN/Inf loss or solver blow-up): the last good checkpoint is kept. */
    public static final int DIVERGED = 4;
    /** Object storage unreachable after retries: retried within the restart budget. */
    public static final int STORAGE_UNAVAILABLE = 5;
    /**
     * The machine's native kernels compute wrong numbers and no safe kernel set was found: retried
     * within the restart budget, as another node may do.
     */
    public static final int INVALID_ENVIRONMENT = 6;
    /**
     * Another trainer holds the run folder's lease: this one gave up waiting for it at the start, or
     * found, before a write, that another took the run over (and then wrote nothing more). Retried
     * within the restart budget: the other trainer may end.
     */
    public static final int RUN_HELD = 7;
    /** Stopped by SIGTERM after writing a checkpoint: resume costs nothing, not counted as a failure. */
    public static final int INTERRUPTED = 75;

    private ExitCodes() {
    }
}
