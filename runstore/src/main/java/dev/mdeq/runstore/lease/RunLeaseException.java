package dev.mdeq.runstore.lease;

/**
 * Another trainer holds the run: this one may not write it. The {@code mdeq} command exits with
 * {@code ExitCodes.RUN_HELD} (7). The message names the holder and what to do.
 */
public class RunLeaseException extends RuntimeException {
    public RunLeaseException(String message) {
        super(message);
    }

    public RunLeaseException(String message, Throwable cause) {
        super(message, cause);
    }
}
