package dev.mdeq.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * PEM certificates of the certificate authorities to trust for TLS to the store's endpoint (a private MinIO
 * with its own CA), in addition to the image's default ones: a key of a ConfigMap or a Secret of this namespace.
 *
 * @param configMap the ConfigMap holding the bundle (set this or secret)
 * @param secret the Secret holding the bundle (set this or configMap)
 * @param key the key whose value is the PEM bundle (default ca.crt)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "(has(self.configMap) ? 1 : 0) + (has(self.secret) ? 1 : 0) == 1",
        message = "spec.store.caBundle needs exactly one of configMap or secret")
public record CaBundleSpec(
        @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$") @Size(max = 253) String configMap,
        @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$") @Size(max = 253) String secret,
        @Default("ca.crt") @Pattern("^[-._a-zA-Z0-9]+$") @Size(max = 253) String key) {

    public static final String DEFAULT_KEY = "ca.crt";

    public String keyOrDefault() {
        return key == null ? DEFAULT_KEY : key;
    }
}
