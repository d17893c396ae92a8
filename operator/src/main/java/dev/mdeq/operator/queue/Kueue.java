package dev.mdeq.operator.queue;

import dev.mdeq.operator.api.MdeqTrainingJob;
import dev.mdeq.operator.api.MdeqTrainingJobSpec;
import dev.mdeq.operator.refusal.InvalidSpecException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The run's Kueue queue: {@code spec.queueName}, or the label {@value #QUEUE_NAME_LABEL} on the
 * resource. Every {@value #PREFIX} label of the resource (e.g. {@code kueue.x-k8s.io/priority-class})
 * is carried over to the Jobs, which Kueue's batch/Job integration reads.
 */
public final class Kueue {
    public static final String PREFIX = "kueue.x-k8s.io/";
    public static final String QUEUE_NAME_LABEL = PREFIX + "queue-name";
    private static final String LABEL_FIELD = "metadata.labels[\"" + QUEUE_NAME_LABEL + "\"]";

    private Kueue() {
    }

    /** The queue the run's Jobs go to, if any (not validated: see {@link #validate}). */
    public static Optional<String> queueName(MdeqTrainingJob resource) {
        MdeqTrainingJobSpec spec = resource.getSpec();
        if (spec != null && spec.queueName() != null) {
            return Optional.of(spec.queueName());
        }
        return Optional.ofNullable(labels(resource).get(QUEUE_NAME_LABEL));
    }

    /** The Kueue labels every Job of the run carries: the resource's kueue.x-k8s.io/ labels and the queue. */
    public static Map<String, String> jobLabels(MdeqTrainingJob resource) {
        Map<String, String> out = new LinkedHashMap<>();
        labels(resource).forEach((key, value) -> {
            if (key.startsWith(PREFIX)) {
                out.put(key, value);
            }
        });
        queueName(resource).ifPresent(queue -> out.put(QUEUE_NAME_LABEL, queue));
        return out;
    }

    /**
     * The queue settings are usable: spec.queueName and the label are valid queue names (the CRD
     * schema checks spec.queueName too, but no schema sees labels) and agree.
     */
    public static void validate(MdeqTrainingJob resource) {
        String label = labels(resource).get(QUEUE_NAME_LABEL);
        String field = resource.getSpec().queueName();
        check("spec.queueName", field);
        check(LABEL_FIELD, label);
        if (label != null && field != null && !label.equals(field)) {
            throw InvalidSpecException.spec("spec.queueName is " + field + " but " + LABEL_FIELD + " is " + label
                    + "; set the queue in one place, or make them equal");
        }
    }

    private static void check(String field, String queue) {
        if (queue != null && (queue.length() > 63 || !queue.matches(MdeqTrainingJobSpec.QUEUE_NAME_PATTERN))) {
            throw InvalidSpecException.spec(field + " '" + queue + "' is not a LocalQueue name: at most 63 "
                    + "lower-case letters, digits, '-' and '.', starting and ending with a letter or digit");
        }
    }

    /**
     * Why the spec cannot be carried out as written when the run is in a queue, or empty: Kueue
     * unsuspends an admitted Job that anyone else suspends, so spec.suspend cannot hold a queued run.
     */
    public static Optional<String> suspendConflict(MdeqTrainingJob resource) {
        if (!resource.getSpec().suspended()) {
            return Optional.empty();
        }
        return queueName(resource).map(queue -> "spec.suspend: true cannot hold a run in the Kueue queue " + queue
                + " (Kueue owns the Jobs' spec.suspend and would resume them); set spec.suspend back to false and "
                + "hold the run through Kueue instead: deactivate its Workload (kubectl patch workload NAME --type merge "
                + "-p '{\"spec\":{\"active\":false}}') or stop the LocalQueue (spec.stopPolicy: Hold)");
    }

    private static Map<String, String> labels(MdeqTrainingJob resource) {
        Map<String, String> labels = resource.getMetadata().getLabels();
        return labels == null ? Map.of() : labels;
    }
}
