package dev.mdeq.model.checkpoint;

/**
 * A checkpoint folder that cannot be resumed from: no manifest (an interrupted write), or files
 * that do not match it (missing, truncated, altered). The message names the folder and the file.
 */
public class InvalidCheckpointException extends RuntimeException {
    public InvalidCheckpointException(String message) {
        super(message);
    }

    public InvalidCheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
