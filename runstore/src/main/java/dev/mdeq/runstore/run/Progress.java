package dev.mdeq.runstore.run;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * The heartbeat a trainer or evaluator writes to its run folder ({@link RunLayout#PROGRESS}) and
 * the operator copies into the resource's status. Numbers that are not known yet are null.
 *
 * @param phase what the process is doing now
 * @param epoch current epoch (0-based)
 * @param totalEpochs epochs the run trains in total
 * @param step optimizer steps done in total (global step)
 * @param totalSteps optimizer steps of the whole run
 * @param loss training loss, averaged over the last logging interval
 * @param metric latest validation metric (top-1 % or mIoU %)
 * @param metricName {@code top1} or {@code mIoU}
 * @param lr current learning rate
 * @param solverSteps mean forward solver steps over the last logging interval
 * @param solverResidual mean final relative residual of the forward solves
 * @param samplesPerSecond training or evaluation throughput
 * @param etaSeconds estimated seconds to the end
 * @param lastCheckpoint the newest complete checkpoint (its folder key)
 * @param resumedFrom the checkpoint this process resumed from, null on a fresh start
 * @param message a human-readable note (e.g. the reason of a failure)
 * @param time when this heartbeat was written
 * @param kernels the native kernel set the process computes with, e.g. {@code default} or {@code avx2
 *     (DNNL_MAX_CPU_ISA=AVX2)} (see docs/numerics.md), null when not known
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Progress(
        Phase phase,
        Integer epoch,
        Integer totalEpochs,
        Long step,
        Long totalSteps,
        Double loss,
        Double metric,
        String metricName,
        Double lr,
        Double solverSteps,
        Double solverResidual,
        Double samplesPerSecond,
        Long etaSeconds,
        String lastCheckpoint,
        String resumedFrom,
        String message,
        Instant time,
        String kernels) {

    /** A heartbeat that does not name the kernel set. */
    public Progress(Phase phase, Integer epoch, Integer totalEpochs, Long step, Long totalSteps, Double loss,
            Double metric, String metricName, Double lr, Double solverSteps, Double solverResidual,
            Double samplesPerSecond, Long etaSeconds, String lastCheckpoint, String resumedFrom, String message,
            Instant time) {
        this(phase, epoch, totalEpochs, step, totalSteps, loss, metric, metricName, lr, solverSteps, solverResidual,
                samplesPerSecond, etaSeconds, lastCheckpoint, resumedFrom, message, time, null);
    }

    /** The phases a process reports. */
    public enum Phase {
        STARTING, STAGING_DATA, PRETRAINING, TRAINING, VALIDATING, CHECKPOINTING, EVALUATING,
        MERGING, SUCCEEDED, FAILED, INTERRUPTED
    }

    /** Percentage of the run done, from steps (or epochs), or null when unknown. */
    public Double percentage() {
        if (step != null && totalSteps != null && totalSteps > 0) {
            return Math.min(100.0, 100.0 * step / totalSteps);
        }
        if (epoch != null && totalEpochs != null && totalEpochs > 0) {
            return Math.min(100.0, 100.0 * epoch / totalEpochs);
        }
        return null;
    }
}
