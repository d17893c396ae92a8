package dev.mdeq.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/**
 * One observation in the Kubernetes condition format (metav1.Condition).
 *
 * @param type what the condition is about: Ready, Reconciling, Stalled, PodsHealthy, Trained or Evaluated
 * @param status True, False or Unknown
 * @param reason a CamelCase word for machines, e.g. InvalidSpec, OOMKilled, Unschedulable
 * @param message the explanation for people
 * @param lastTransitionTime when status last changed (RFC 3339)
 * @param observedGeneration the metadata.generation the condition was computed from
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Condition(
        @Required String type,
        @Required @Pattern("^(True|False|Unknown)$") String status,
        String reason,
        String message,
        String lastTransitionTime,
        Long observedGeneration) {

    public static final String TRUE = "True";
    public static final String FALSE = "False";
    public static final String UNKNOWN = "Unknown";

    public boolean statusTrue() {
        return TRUE.equals(status);
    }
}
