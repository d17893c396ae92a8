package dev.mdeq.operator.validation;

import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.operator.store.StoreTarget;

/**
 * A resource that passed validation: its store and the experiment config the run trains with
 * (the yaml the operator writes to the run folder's config.yaml).
 *
 * @param store the run's object store
 * @param config the resolved experiment
 * @param source where the experiment came from, for messages (e.g. "preset demo/cls_mdeq_tiny")
 */
public record ResolvedRun(StoreTarget store, ExperimentConfig config, String source) {

    /** The config.yaml text. */
    public String configYaml() {
        return config.toYaml();
    }

    /** Seconds the trainer takes to checkpoint on SIGTERM (RUN.SHUTDOWN_GRACE_SECONDS). */
    public int shutdownGraceSeconds() {
        return config.run().shutdownGraceSeconds();
    }
}
