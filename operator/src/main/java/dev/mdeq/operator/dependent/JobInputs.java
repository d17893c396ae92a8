package dev.mdeq.operator.dependent;

import dev.mdeq.operator.store.StoreTarget;
import dev.mdeq.runstore.storage.StoreUri;

/**
 * What the Job builders need besides the resource, handed to {@link ChildJob#create}: where the run folder is, how the pods reach
 * the store, and how long the trainer needs to checkpoint on SIGTERM.
 *
 * @param runUri the run folder, passed as {@code --run}
 * @param store the store's endpoint, region and credentials Secret
 * @param shutdownGraceSeconds RUN.SHUTDOWN_GRACE_SECONDS of the run's config
 * @param evalId the evaluation's id (its folder under eval/)
 * @param attempt the run's attempt the Job belongs to (1, then one more per retry): part of its name
 */
public record JobInputs(StoreUri runUri, StoreTarget store, int shutdownGraceSeconds, String evalId, int attempt) {
}
