package dev.mdeq.trainer.train;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * One line of a run's {@code metrics.jsonl}: a logging interval of training steps, or the end of
 * an epoch with its validation metric. Unknown numbers are left out.
 *
 * @param kind {@link #STEP} or {@link #EPOCH}
 * @param step global optimizer steps done
 * @param epoch the epoch
 * @param loss mean training loss over the interval (or the epoch)
 * @param lr learning rate of the last step
 * @param mode {@code pretrain} (unrolled) or {@code deq} (equilibrium) for the last step
 * @param solverSteps mean forward solver steps over the interval
 * @param solverResidual mean final forward residual over the interval
 * @param gradNorm mean global gradient norm (before clipping) over the interval
 * @param samplesPerSecond training throughput over the interval
 * @param dataWait fraction of the interval the loop waited for the data loader (0 = never starved)
 * @param metric validation metric (epoch lines)
 * @param metricName {@code top1} or {@code mIoU}
 * @param seconds wall-clock seconds of the interval (or the epoch)
 * @param time when the line was written
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record MetricsRecord(
        String kind,
        long step,
        int epoch,
        Double loss,
        Double lr,
        String mode,
        Double solverSteps,
        Double solverResidual,
        Double gradNorm,
        Double samplesPerSecond,
        Double dataWait,
        Double metric,
        String metricName,
        Double seconds,
        Instant time) {

    public static final String STEP = "step";
    public static final String EPOCH = "epoch";
}
