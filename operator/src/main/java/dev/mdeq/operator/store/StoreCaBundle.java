package dev.mdeq.operator.store;

import dev.mdeq.operator.api.CaBundleSpec;
import dev.mdeq.operator.refusal.InvalidSpecException;
import dev.mdeq.runstore.storage.CaBundle;
import dev.mdeq.runstore.storage.StorageException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The PEM CA bundle of a store, read through the Kubernetes API from the ConfigMap or Secret the resource (or
 * the operator's default) names: the operator never reads a certificate file of its own for a resource.
 */
public final class StoreCaBundle {
    static final String FIELD = "spec.store.caBundle (or the operator's default mdeq.store.ca-bundle-config-map)";

    private StoreCaBundle() {
    }

    /** The bundle's PEM text; fails naming the ConfigMap or Secret and the key when it is missing or invalid. */
    public static String read(KubernetesClient client, String namespace, CaBundleSpec spec) {
        String key = spec.keyOrDefault();
        String where;
        String pem;
        if (spec.configMap() != null) {
            where = "the ConfigMap " + namespace + "/" + spec.configMap();
            ConfigMap map = client.configMaps().inNamespace(namespace).withName(spec.configMap()).get();
            if (map == null) {
                throw InvalidSpecException.reference(where + " (" + FIELD + ") does not exist; create it with the key "
                        + key + " holding PEM certificates");
            }
            pem = map.getData() == null ? null : map.getData().get(key);
        } else {
            where = "the Secret " + namespace + "/" + spec.secret();
            Secret secret = client.secrets().inNamespace(namespace).withName(spec.secret()).get();
            if (secret == null) {
                throw InvalidSpecException.reference(where + " (" + FIELD + ") does not exist; create it with the key "
                        + key + " holding PEM certificates");
            }
            pem = StoreCredentials.value(secret, key);
        }
        if (pem == null || pem.isBlank()) {
            throw InvalidSpecException.reference(where + " (" + FIELD + ") has no key " + key + "; it needs PEM "
                    + "certificates under that key");
        }
        try {
            CaBundle.check(pem, "the key " + key + " of " + where + " (" + FIELD + ")");
        } catch (StorageException e) {
            throw InvalidSpecException.reference(e.getMessage());
        }
        return pem;
    }
}
