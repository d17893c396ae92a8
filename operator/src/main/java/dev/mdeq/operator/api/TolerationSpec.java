package dev.mdeq.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

/**
 * A toleration of a node taint, as in a pod spec.
 *
 * @param key the taint key (empty with operator Exists: every taint)
 * @param operator Equal (default) or Exists
 * @param value the taint value to match with operator Equal
 * @param effect the taint effect to match: NoSchedule, PreferNoSchedule or NoExecute (empty: all)
 * @param tolerationSeconds with effect NoExecute: how long the pod stays bound after the taint appears
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TolerationSpec(
        @Size(max = 316) String key,
        @Pattern("^(Equal|Exists)$") String operator,
        @Size(max = 63) String value,
        @Pattern("^(NoSchedule|PreferNoSchedule|NoExecute)$") String effect,
        @Min(0) Long tolerationSeconds) {
}
