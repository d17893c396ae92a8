package dev.mdeq.operator.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The data set split an evaluation runs on: the values {@code mdeq evaluate --split} accepts. */
public enum EvaluationSplit {
    /** The validation split (DATASET.TEST_SET). */
    @JsonProperty("val")
    VAL,
    /** The training split (DATASET.TRAIN_SET), without augmentation. */
    @JsonProperty("train")
    TRAIN;

    /** The name as written in the resource and on the evaluator's command line. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
