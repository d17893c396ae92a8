package dev.mdeq.operator.store;

import dev.mdeq.runstore.storage.Sha256;
import dev.mdeq.operator.refusal.InvalidSpecException;
import dev.mdeq.runstore.storage.S3Settings;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * S3 keys read from the resource's credentials Secret. {@link #toString()} shows neither key, and
 * no message built here contains a value of the Secret.
 */
public final class StoreCredentials {
    /** The Secret's keys, mounted as files of these names into the pods. */
    public static final List<String> KEYS = List.of(S3Settings.ACCESS_KEY_ID, S3Settings.SECRET_ACCESS_KEY);

    private final String accessKey;
    private final String secretKey;

    private StoreCredentials(String accessKey, String secretKey) {
        this.accessKey = accessKey;
        this.secretKey = secretKey;
    }

    /** Reads and checks the Secret; fails naming the Secret and the missing keys only. */
    public static StoreCredentials read(KubernetesClient client, String namespace, String secretName) {
        Secret secret = client.secrets().inNamespace(namespace).withName(secretName).get();
        if (secret == null) {
            throw InvalidSpecException.reference("the credentials Secret " + namespace + "/" + secretName
                    + " (spec.store.credentialsSecret) does not exist; create it with the keys " + String.join(" and ", KEYS));
        }
        Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
        Map<String, String> stringData = secret.getStringData() == null ? Map.of() : secret.getStringData();
        List<String> missing = new ArrayList<>();
        String[] values = new String[KEYS.size()];
        for (int i = 0; i < KEYS.size(); i++) {
            String key = KEYS.get(i);
            String value = stringData.get(key);
            if (value == null && data.get(key) != null) {
                try {
                    value = new String(Base64.getDecoder().decode(data.get(key)), StandardCharsets.UTF_8).trim();
                } catch (IllegalArgumentException e) {
                    value = null;
                }
            }
            if (value == null || value.isBlank()) {
                missing.add(key);
            }
            values[i] = value;
        }
        if (!missing.isEmpty()) {
            throw InvalidSpecException.reference("the credentials Secret " + namespace + "/" + secretName
                    + " has no (valid, non-empty) " + String.join(" and ", missing) + "; it needs the keys "
                    + String.join(" and ", KEYS));
        }
        return new StoreCredentials(values[0], values[1]);
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretKey() {
        return secretKey;
    }

    /** A digest of both keys: tells a rotated Secret from the old one without keeping it readable. */
    String fingerprint() {
        return Sha256.hex(accessKey + '\0' + secretKey);
    }

    @Override
    public String toString() {
        return "StoreCredentials[redacted]";
    }
}
