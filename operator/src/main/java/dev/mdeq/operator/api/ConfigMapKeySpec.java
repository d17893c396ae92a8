package dev.mdeq.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/**
 * A key of a ConfigMap in the resource's namespace.
 *
 * @param name the ConfigMap's name
 * @param key the key whose value is the experiment yaml (default experiment.yaml)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ConfigMapKeySpec(
        @Required @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$") @Size(max = 253) String name,
        @Default("experiment.yaml") @Pattern("^[-._a-zA-Z0-9]+$") @Size(max = 253) String key) {

    public static final String DEFAULT_KEY = "experiment.yaml";

    public String keyOrDefault() {
        return key == null ? DEFAULT_KEY : key;
    }
}
