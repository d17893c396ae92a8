package dev.mdeq.runstore.run;

/**
 * Input that cannot be used (a corrupt image, a wrong weights file, a config that does not match
 * the run's): retrying will not help. The message names the thing (file, key, field) and what
 * would be valid. The CLI exits with {@link ExitCodes#INVALID_INPUT}.
 */
public class InvalidInputException extends RuntimeException {
    public InvalidInputException(String message) {
        super(message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
