package dev.mdeq.evaluator.results;

import dev.mdeq.runstore.run.InvalidInputException;

/**
 * An input of one item that cannot be used, with the kind of problem (so a run that skips bad
 * inputs can count them by kind). The message names the file and the reason.
 */
public class InvalidItemException extends InvalidInputException {
    private final SkippedItem.Kind kind;

    public InvalidItemException(SkippedItem.Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public InvalidItemException(SkippedItem.Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public SkippedItem.Kind kind() {
        return kind;
    }
}
