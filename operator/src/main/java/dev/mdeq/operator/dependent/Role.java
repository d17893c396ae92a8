package dev.mdeq.operator.dependent;

import java.util.Locale;

/** The three kinds of Job a run has, with their name suffix. */
public enum Role {
    /** {@code mdeq train}: one pod at a time, restarted within the restart budget. */
    TRAINER("train"),
    /** {@code mdeq evaluate}: one pod, or an Indexed Job of N shards. */
    EVALUATOR("eval"),
    /** {@code mdeq evaluate merge}: combines the shards' partial results into the report. */
    MERGE("merge");

    private final String suffix;

    Role(String suffix) {
        this.suffix = suffix;
    }

    /** The Job's name: {@code <resource>-<suffix>}. */
    public String jobName(String resourceName) {
        return resourceName + "-" + suffix;
    }

    /**
     * The Job's name in an attempt of the run: {@code <resource>-<suffix>} in the first,
     * {@code <resource>-<suffix>-<attempt>} in a retry (so it never clashes with the failed Job).
     */
    public String jobName(String resourceName, int attempt) {
        return attempt <= 1 ? jobName(resourceName) : jobName(resourceName) + "-" + attempt;
    }

    /** The value of the {@value Labels#ROLE} label. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
