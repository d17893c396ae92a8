package dev.mdeq.operator.metrics;

import dev.mdeq.operator.api.Phase;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operator's Prometheus metrics (served at /q/metrics):
 * <ul>
 *   <li>{@code mdeq_jobs{phase}}: MdeqTrainingJobs by phase;
 *   <li>{@code mdeq_reconciliations_total{result}}: reconciliations (ok, invalid, error);
 *   <li>{@code mdeq_reconcile_duration_seconds}: time per reconciliation;
 *   <li>{@code mdeq_reconcile_errors_total{reason}}: reconciliations that failed, by reason;
 *   <li>{@code mdeq_pod_restarts_total{role}}: trainer pods that ended and were replaced;
 *   <li>{@code mdeq_child_jobs_created_total{role}}: Jobs created.
 * </ul>
 */
@ApplicationScoped
public class OperatorMetrics {
    private final MeterRegistry registry;
    private final Map<String, Phase> phases = new ConcurrentHashMap<>();
    private final Timer duration;

    public OperatorMetrics(MeterRegistry registry) {
        this.registry = registry;
        // A gauge is bound to the map it was first registered with; drop one left by an earlier
        // instance (an application restarted in the same JVM, as in tests) so this map is read.
        registry.find("mdeq.jobs").gauges().forEach(registry::remove);
        for (Phase phase : Phase.values()) {
            Gauge.builder("mdeq.jobs", phases, map -> map.values().stream().filter(p -> p == phase).count())
                    .description("MdeqTrainingJobs by phase")
                    .tag("phase", phase.name())
                    .register(registry);
        }
        duration = Timer.builder("mdeq.reconcile.duration").description("Time per reconciliation").register(registry);
    }

    /** Records the phase of a resource (by uid). */
    public void phase(String uid, Phase phase) {
        if (phase != null) {
            phases.put(uid, phase);
        }
    }

    /** Forgets a deleted resource. */
    public void forget(String uid) {
        phases.remove(uid);
    }

    public Timer.Sample start() {
        return Timer.start(registry);
    }

    /** Ends a reconciliation: ok, invalid (spec refused) or error. */
    public void reconciled(Timer.Sample sample, String result) {
        sample.stop(duration);
        Counter.builder("mdeq.reconciliations").description("Reconciliations by result").tag("result", result)
                .register(registry).increment();
    }

    public void error(String reason) {
        Counter.builder("mdeq.reconcile.errors").description("Failed reconciliations by reason").tag("reason", reason)
                .register(registry).increment();
    }

    public void podRestarts(String role, int count) {
        if (count > 0) {
            Counter.builder("mdeq.pod.restarts").description("Pods that ended and were replaced").tag("role", role)
                    .register(registry).increment(count);
        }
    }

    public void jobCreated(String role) {
        Counter.builder("mdeq.child.jobs.created").description("Child Jobs created").tag("role", role)
                .register(registry).increment();
    }
}
