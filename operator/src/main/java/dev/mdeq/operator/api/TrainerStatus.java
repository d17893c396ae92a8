package dev.mdeq.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The trainer Job and its pods.
 *
 * @param jobName the trainer Job's name ({@code <name>-train})
 * @param restarts trainer pods that replaced an earlier one (after a failure, preemption, eviction or a
 *     stop on SIGTERM), each resuming from the latest checkpoint; never decreases
 * @param startTime when the trainer Job started (RFC 3339)
 * @param completionTime when the trainer Job succeeded or failed (RFC 3339)
 * @param lastCheckpoint the newest complete checkpoint, from progress.json
 * @param resumedFrom the checkpoint the current trainer process resumed from, from progress.json
 * @param lastFailure the most recent trainer pod that failed or was stopped, and why
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainerStatus(
        String jobName,
        Integer restarts,
        String startTime,
        String completionTime,
        String lastCheckpoint,
        String resumedFrom,
        PodFailure lastFailure) {
}
