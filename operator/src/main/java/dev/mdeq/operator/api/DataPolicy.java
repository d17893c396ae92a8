package dev.mdeq.operator.api;

/** What happens to the run folder when the resource is deleted. */
public enum DataPolicy {
    /** Keep the run folder (config, checkpoints, reports); a resource of the same name resumes it. */
    Retain,
    /** Delete every object of the run folder before the resource goes (a finalizer waits for it). */
    Delete
}
