package dev.mdeq.model.kernels;

/**
 * This machine's native kernels compute wrong numbers and no safe kernel set was found: nothing
 * may be trained or evaluated here. Another machine may do; the CLI exits with
 * {@link dev.mdeq.runstore.run.ExitCodes#INVALID_ENVIRONMENT}.
 */
public class InvalidEnvironmentException extends RuntimeException {
    public InvalidEnvironmentException(String message) {
        super(message);
    }
}
