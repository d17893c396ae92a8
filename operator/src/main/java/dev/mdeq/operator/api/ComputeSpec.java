package dev.mdeq.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;

/**
 * CPU and memory amounts.
 *
 * @param cpu CPU cores as a Kubernetes quantity, e.g. 4 or 500m
 * @param memory memory as a Kubernetes quantity, e.g. 16Gi
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ComputeSpec(
        @Pattern(ResourcesSpec.QUANTITY) String cpu,
        @Pattern(ResourcesSpec.QUANTITY) String memory) {
}
