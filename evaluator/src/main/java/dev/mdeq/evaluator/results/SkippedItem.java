package dev.mdeq.evaluator.results;

/**
 * An input the evaluation left out (only with an explicit skip option; otherwise it fails).
 *
 * @param name the file name or key
 * @param kind what was wrong
 * @param reason the full message
 */
public record SkippedItem(String name, Kind kind, String reason) {
    /** Why an input was left out. */
    public enum Kind {
        /** A ground truth without a prediction. */
        MISSING_PREDICTION,
        /** A prediction without a ground truth. */
        EXTRA_PREDICTION,
        /** Prediction and ground truth (or image and label) differ in size. */
        SIZE_MISMATCH,
        /** A file that cannot be decoded or has the wrong format. */
        CORRUPT,
        /** Any other unusable input. */
        INVALID
    }
}
