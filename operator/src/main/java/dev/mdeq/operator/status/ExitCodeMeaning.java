package dev.mdeq.operator.status;

import dev.mdeq.runstore.run.ExitCodes;

/** What a container's exit code means, for people reading a condition or an event. */
public final class ExitCodeMeaning {
    private ExitCodeMeaning() {
    }

    /** A short explanation of an exit code of the mdeq command (or of a signal). */
    public static String of(int code) {
        return switch (code) {
            case ExitCodes.OK -> "finished";
            case ExitCodes.FAILED -> "an unexpected failure (see the pod's log); retried within the restart budget";
            case ExitCodes.USAGE -> "wrong command-line usage (operator and image versions do not match?)";
            case ExitCodes.INVALID_INPUT -> "invalid input (config, data, weights or credentials); a retry cannot help";
            case ExitCodes.DIVERGED -> "training diverged (NaN/Inf loss or solver blow-up); the last good checkpoint is kept";
            case ExitCodes.STORAGE_UNAVAILABLE -> "object storage unreachable after retries; retried within the restart budget";
            case ExitCodes.INVALID_ENVIRONMENT ->
                "the node's native kernels compute wrong numbers (see the pod's log); retried within the restart budget";
            case ExitCodes.RUN_HELD ->
                "another trainer holds the run folder's lease (an earlier pod still writing?); retried within the restart budget";
            case ExitCodes.INTERRUPTED -> "stopped by SIGTERM after writing a checkpoint; the next pod resumes from it";
            case 137 -> "killed by SIGKILL (out of memory, or the grace period ran out)";
            case 143 -> "stopped by SIGTERM before it could checkpoint";
            default -> code > 128 ? "killed by signal " + (code - 128) : "exit code " + code;
        };
    }
}
