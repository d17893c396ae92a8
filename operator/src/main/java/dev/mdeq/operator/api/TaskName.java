package dev.mdeq.operator.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.mdeq.config.Task;

/** What the model predicts, as written in the resource. */
public enum TaskName {
    /** One label per image: top-1 / top-5 accuracy. */
    @JsonProperty("classification")
    CLASSIFICATION(Task.CLASSIFICATION),
    /** One label per pixel: mean IoU. */
    @JsonProperty("segmentation")
    SEGMENTATION(Task.SEGMENTATION);

    private final Task task;

    TaskName(Task task) {
        this.task = task;
    }

    /** The config module's task. */
    public Task task() {
        return task;
    }

    /** The name as written in the resource. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
