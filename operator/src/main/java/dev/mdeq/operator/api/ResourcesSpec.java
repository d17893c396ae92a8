package dev.mdeq.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Requests and limits of a container.
 *
 * @param requests what the scheduler reserves
 * @param limits the most the container may use (memory above the limit gets it OOMKilled)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResourcesSpec(ComputeSpec requests, ComputeSpec limits) {
    /** A Kubernetes quantity: 2, 500m, 4Gi, 1.5G. */
    public static final String QUANTITY = "^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?$";
}
