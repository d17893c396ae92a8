package dev.mdeq.operator.metrics;

import dev.mdeq.operator.api.EvaluationStatus;
import dev.mdeq.operator.api.MdeqTrainingJobStatus;
import dev.mdeq.operator.api.Phase;
import dev.mdeq.operator.api.ProgressStatus;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Per-run gauges, labeled {@code namespace} and {@code name}, from the status the reconciler writes
 * (so from the run folder's progress.json and report); NaN while a value is not known. A run's series
 * go when its resource is deleted. Only the replica that leads reconciles, so only it serves them.
 * <ul>
 *   <li>{@code mdeq_run_phase{phase}}: 1 for the run's phase, 0 for the others;
 *   <li>{@code mdeq_run_step}, {@code mdeq_run_total_steps}: optimizer steps done and of the whole run;
 *   <li>{@code mdeq_run_loss}: the training loss of the last logging interval;
 *   <li>{@code mdeq_run_samples_per_second}: training throughput;
 *   <li>{@code mdeq_run_restarts}: trainer pods that replaced an earlier one;
 *   <li>{@code mdeq_run_last_checkpoint_age_seconds}: since the heartbeat that first named the newest
 *       checkpoint (within one heartbeat interval of its completion);
 *   <li>{@code mdeq_run_validation_metric}: the latest validation metric (percent, top-1 or mIoU);
 *   <li>{@code mdeq_run_evaluation_metric}: the evaluation report's headline (percent, mIoU or top-1).
 * </ul>
 */
@ApplicationScoped
public class RunMetrics {
    static final String PREFIX = "mdeq.run.";

    private final MeterRegistry registry;
    private final Map<String, Run> runs = new ConcurrentHashMap<>();

    public RunMetrics(MeterRegistry registry) {
        this.registry = registry;
        // Series of an earlier instance (an application restarted in the same JVM, as in tests) would read its runs.
        registry.getMeters().stream().filter(m -> m.getId().getName().startsWith(PREFIX)).forEach(registry::remove);
    }

    /** Sets the run's gauges from the status just built. */
    public void update(String namespace, String name, MdeqTrainingJobStatus status) {
        runs.computeIfAbsent(namespace + "/" + name, key -> new Run(Tags.of("namespace", namespace, "name", name)))
                .update(status);
    }

    /** Removes the series of a deleted run. */
    public void forget(String namespace, String name) {
        Run run = runs.remove(namespace + "/" + name);
        if (run != null) {
            run.meters.forEach(registry::remove);
        }
    }

    /** The values of one run, read by its gauges. */
    private final class Run {
        private final List<Meter> meters = new ArrayList<>();
        private volatile MdeqTrainingJobStatus status;
        private volatile String checkpoint;
        private volatile Instant checkpointSeen;

        Run(Tags tags) {
            for (Phase phase : Phase.values()) {
                gauge("phase", "1 for the run's phase", tags.and("phase", phase.name()),
                        run -> run.status != null && run.status.phase() == phase ? 1 : 0);
            }
            gauge("step", "Optimizer steps done", tags, run -> progress(run, ProgressStatus::step));
            gauge("total.steps", "Optimizer steps of the whole run", tags, run -> progress(run, ProgressStatus::totalSteps));
            gauge("loss", "Training loss of the last logging interval", tags, run -> progress(run, ProgressStatus::loss));
            gauge("samples.per.second", "Training throughput", tags,
                    run -> progress(run, ProgressStatus::samplesPerSecond));
            gauge("validation.metric", "Latest validation metric in percent (top-1 or mIoU)", tags,
                    run -> progress(run, ProgressStatus::metric));
            gauge("restarts", "Trainer pods that replaced an earlier one", tags, run -> run.status == null
                    || run.status.trainer() == null || run.status.trainer().restarts() == null ? Double.NaN
                    : run.status.trainer().restarts());
            meters.add(Gauge.builder(PREFIX + "last.checkpoint.age", this, Run::checkpointAge).tags(tags)
                    .baseUnit("seconds").description("Time since the newest checkpoint").strongReference(true)
                    .register(registry));
            gauge("evaluation.metric", "The evaluation's headline metric in percent (mIoU or top-1)", tags,
                    Run::evaluationMetric);
        }

        private void gauge(String name, String description, Tags tags, ToDoubleFunction<Run> value) {
            meters.add(Gauge.builder(PREFIX + name, this, value).tags(tags).description(description)
                    .strongReference(true).register(registry));
        }

        void update(MdeqTrainingJobStatus latest) {
            String newest = latest.trainer() == null ? null : latest.trainer().lastCheckpoint();
            if (newest != null && !newest.equals(checkpoint)) {
                checkpoint = newest;
                checkpointSeen = heartbeatTime(latest.progress());
            }
            status = latest;
        }

        private double checkpointAge() {
            Instant seen = checkpointSeen;
            return seen == null ? Double.NaN : Math.max(0, Instant.now().toEpochMilli() - seen.toEpochMilli()) / 1000.0;
        }

        private double evaluationMetric() {
            EvaluationStatus evaluation = status == null ? null : status.evaluation();
            if (evaluation == null) {
                return Double.NaN;
            }
            Double headline = evaluation.miou() != null ? evaluation.miou() : evaluation.top1();
            return headline == null ? Double.NaN : headline;
        }

        private static double progress(Run run, Function<ProgressStatus, ? extends Number> field) {
            ProgressStatus progress = run.status == null ? null : run.status.progress();
            Number value = progress == null ? null : field.apply(progress);
            return value == null ? Double.NaN : value.doubleValue();
        }

        private static Instant heartbeatTime(ProgressStatus progress) {
            try {
                return progress == null || progress.lastUpdate() == null ? Instant.now() : Instant.parse(progress.lastUpdate());
            } catch (DateTimeParseException e) {
                return Instant.now();
            }
        }
    }
}
