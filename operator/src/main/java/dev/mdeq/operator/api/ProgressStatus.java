package dev.mdeq.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The trainer's heartbeat (the run folder's progress.json).
 *
 * @param phase what the trainer is doing: STARTING, STAGING_DATA, PRETRAINING, TRAINING, VALIDATING,
 *     CHECKPOINTING, SUCCEEDED, FAILED or INTERRUPTED
 * @param epoch the current epoch (0-based)
 * @param totalEpochs epochs of the whole run
 * @param step optimizer steps done
 * @param totalSteps optimizer steps of the whole run
 * @param percentage percent of the run done
 * @param loss the training loss averaged over the last logging interval
 * @param metric the latest validation metric in percent (top-1 or mIoU)
 * @param metricName top1 or mIoU
 * @param samplesPerSecond training throughput
 * @param etaSeconds estimated seconds to the end of training
 * @param lastUpdate when the trainer wrote this heartbeat (RFC 3339)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProgressStatus(
        String phase,
        Integer epoch,
        Integer totalEpochs,
        Long step,
        Long totalSteps,
        Double percentage,
        Double loss,
        Double metric,
        String metricName,
        Double samplesPerSecond,
        Long etaSeconds,
        String lastUpdate) {
}
