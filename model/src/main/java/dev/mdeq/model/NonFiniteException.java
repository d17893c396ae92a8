package dev.mdeq.model;

/**
 * A computation produced NaN or infinite values: the message names the operation and, for
 * solves, the step. Never a number to report; the CLI exits with
 * {@link dev.mdeq.runstore.run.ExitCodes#DIVERGED}.
 */
public class NonFiniteException extends RuntimeException {
    public NonFiniteException(String message) {
        super(message);
    }
}
