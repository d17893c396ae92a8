package dev.mdeq.operator.status;

import dev.mdeq.operator.api.Condition;
import java.util.ArrayList;
import java.util.List;

/**
 * Merges freshly computed conditions with the previous ones the way metav1 does: lastTransitionTime
 * changes only when a condition's status changes; reason, message and observedGeneration follow the
 * new values.
 */
public final class Conditions {
    /** True once the run succeeded (what {@code kubectl wait --for=condition=Ready} waits for). */
    public static final String READY = "Ready";
    /** kstatus: True while the operator still has work to do (Pending, Training, Evaluating). */
    public static final String RECONCILING = "Reconciling";
    /** kstatus: True when nothing happens without a change: the run failed, or its spec is refused. */
    public static final String STALLED = "Stalled";
    public static final String PODS_HEALTHY = "PodsHealthy";
    public static final String TRAINED = "Trained";
    public static final String EVALUATED = "Evaluated";

    private Conditions() {
    }

    /** A condition without its transition time (set by {@link #merge}). */
    public static Condition of(String type, String status, String reason, String message) {
        return new Condition(type, status, reason, message, null, null);
    }

    /**
     * The new conditions, each with the previous lastTransitionTime when its status is unchanged,
     * else {@code now}, and the given generation.
     */
    public static List<Condition> merge(List<Condition> previous, List<Condition> fresh, long generation, String now) {
        List<Condition> out = new ArrayList<>();
        for (Condition condition : fresh) {
            Condition old = find(previous, condition.type());
            String transition = old != null && old.status().equals(condition.status()) && old.lastTransitionTime() != null
                    ? old.lastTransitionTime() : now;
            out.add(new Condition(condition.type(), condition.status(), condition.reason(), condition.message(),
                    transition, generation));
        }
        return List.copyOf(out);
    }

    /** The condition of a type, or null. */
    public static Condition find(List<Condition> conditions, String type) {
        if (conditions == null) {
            return null;
        }
        return conditions.stream().filter(c -> type.equals(c.type())).findFirst().orElse(null);
    }
}
