package dev.mdeq.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * The experiment config, resolved with the same code the trainer uses: the reference's defaults,
 * then the yaml named here, then the overrides, then the values this resource sets (data set,
 * weights, checkpoint interval, evaluation options, GPUs).
 *
 * @param preset a preset shipped with mdeq, named by its path without .yaml, e.g.
 *     cityscapes/seg_mdeq_SMALL or demo/cls_mdeq_tiny
 * @param uri an experiment yaml in object storage (s3://bucket/key.yaml, read with the store's endpoint
 *     and credentials) or file:/path.yaml
 * @param configMap an experiment yaml in a ConfigMap of this namespace
 * @param overrides config overrides in the reference's KEY VALUE form, one key/value object per entry,
 *     applied in order; values are written as in the reference's command line (1e-4, (0,1), True)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "(has(self.preset) ? 1 : 0) + (has(self.uri) ? 1 : 0) + (has(self.configMap) ? 1 : 0) == 1",
        message = "spec.experiment needs exactly one of preset, uri or configMap")
public record ExperimentSpec(
        @Pattern("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$") @Size(max = 253) String preset,
        @Pattern("^(s3://|file:).+") @Size(max = 1024) String uri,
        ConfigMapKeySpec configMap,
        @Size(max = 64) List<ConfigOverride> overrides) {

    /** The overrides, never null. */
    public List<ConfigOverride> overridesOrEmpty() {
        return overrides == null ? List.of() : overrides;
    }
}
