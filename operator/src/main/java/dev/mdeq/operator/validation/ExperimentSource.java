package dev.mdeq.operator.validation;

import dev.mdeq.operator.refusal.InvalidSpecException;
import dev.mdeq.config.ConfigException;
import dev.mdeq.config.Presets;
import dev.mdeq.operator.api.ConfigMapKeySpec;
import dev.mdeq.operator.api.ExperimentSpec;
import dev.mdeq.operator.store.StoreConnector;
import dev.mdeq.operator.store.StorePolicy;
import dev.mdeq.operator.store.StoreTarget;
import dev.mdeq.operator.config.OperatorConfig;
import dev.mdeq.runstore.storage.StorageException;
import dev.mdeq.runstore.storage.StoreUri;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeSet;

/** Reads the experiment yaml a resource names: a shipped preset, an object in storage, or a ConfigMap key. */
@ApplicationScoped
public class ExperimentSource {
    private final KubernetesClient client;
    private final StoreConnector stores;
    private final StorePolicy policy;

    public ExperimentSource(KubernetesClient client, StoreConnector stores, OperatorConfig config) {
        this.client = client;
        this.stores = stores;
        this.policy = StorePolicy.of(config);
    }

    /** The yaml text and a name for it in messages. */
    public record Yaml(String text, String source) {
    }

    /** Reads the experiment's yaml; fails naming the field and what exists. */
    public Yaml read(ExperimentSpec experiment, String namespace, StoreTarget store) {
        if (experiment.preset() != null) {
            try {
                return new Yaml(Presets.yaml(experiment.preset()), "preset " + experiment.preset());
            } catch (ConfigException e) {
                throw InvalidSpecException.spec("spec.experiment.preset: " + e.getMessage());
            }
        }
        if (experiment.uri() != null) {
            return fromStorage(experiment.uri(), namespace, store);
        }
        return fromConfigMap(experiment.configMap(), namespace);
    }

    private Yaml fromStorage(String rawUri, String namespace, StoreTarget store) {
        StoreUri uri = StoreTarget.parse("spec.experiment.uri", rawUri);
        policy.checkOperatorUri("spec.experiment.uri", uri);
        String path = uri.path();
        int slash = path.lastIndexOf('/');
        String key = slash < 0 ? path : path.substring(slash + 1);
        StoreUri folder = uri.isS3() ? new StoreUri(StoreUri.S3, uri.bucket(), slash < 0 ? "" : path.substring(0, slash))
                : new StoreUri(StoreUri.FILE, null, slash <= 0 ? "/" : path.substring(0, slash));
        if (key.isEmpty()) {
            throw InvalidSpecException.spec("spec.experiment.uri " + rawUri + " names a folder; name the yaml file");
        }
        try {
            var objects = stores.at(store, namespace, folder);
            if (objects.stat(key).isEmpty()) {
                throw InvalidSpecException.reference("spec.experiment.uri: " + uri + " does not exist");
            }
            return new Yaml(new String(objects.getBytes(key), StandardCharsets.UTF_8), uri.toString());
        } catch (IllegalArgumentException e) {
            throw InvalidSpecException.spec("spec.experiment.uri: " + e.getMessage());
        } catch (StorageException e) {
            throw InvalidSpecException.reference("spec.experiment.uri: cannot read " + uri + ": " + e.getMessage());
        }
    }

    private Yaml fromConfigMap(ConfigMapKeySpec ref, String namespace) {
        ConfigMap map = client.configMaps().inNamespace(namespace).withName(ref.name()).get();
        if (map == null) {
            throw InvalidSpecException.reference("spec.experiment.configMap: ConfigMap " + namespace + "/" + ref.name()
                    + " does not exist");
        }
        Map<String, String> data = map.getData() == null ? Map.of() : map.getData();
        String yaml = data.get(ref.keyOrDefault());
        if (yaml == null) {
            throw InvalidSpecException.reference("spec.experiment.configMap: ConfigMap " + namespace + "/" + ref.name()
                    + " has no key " + ref.keyOrDefault() + "; its keys: " + new TreeSet<>(data.keySet()));
        }
        return new Yaml(yaml, "ConfigMap " + namespace + "/" + ref.name() + " key " + ref.keyOrDefault());
    }
}
