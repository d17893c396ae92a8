package dev.mdeq.operator.store;

import dev.mdeq.runstore.storage.Sha256;
import dev.mdeq.operator.refusal.InvalidSpecException;
import dev.mdeq.runstore.storage.S3Credentials;
import dev.mdeq.runstore.storage.S3Settings;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * S3 keys read from the resource's credentials Secret, with the session token of temporary keys when the
 * Secret has one. {@link #toString()} shows no value, and no message built here contains a value of the Secret.
 */
public final class StoreCredentials {
    /** The Secret's required keys, mounted as files of these names into the pods. */
    public static final List<String> KEYS = List.of(S3Settings.ACCESS_KEY_ID, S3Settings.SECRET_ACCESS_KEY);
    /** The Secret's optional key for temporary keys, mounted as a file of this name when present. */
    public static final String SESSION_TOKEN_KEY = S3Settings.SESSION_TOKEN;

    private final S3Credentials.Keys keys;

    private StoreCredentials(S3Credentials.Keys keys) {
        this.keys = keys;
    }

    /** Reads and checks the Secret; fails naming the Secret and the missing keys only. */
    public static StoreCredentials read(KubernetesClient client, String namespace, String secretName) {
        Secret secret = client.secrets().inNamespace(namespace).withName(secretName).get();
        if (secret == null) {
            throw InvalidSpecException.reference("the credentials Secret " + namespace + "/" + secretName
                    + " (spec.store.credentialsSecret) does not exist; create it with the keys " + String.join(" and ", KEYS));
        }
        List<String> missing = new ArrayList<>();
        String[] values = new String[KEYS.size()];
        for (int i = 0; i < KEYS.size(); i++) {
            String value = value(secret, KEYS.get(i));
            if (value == null || value.isBlank()) {
                missing.add(KEYS.get(i));
            }
            values[i] = value;
        }
        if (!missing.isEmpty()) {
            throw InvalidSpecException.reference("the credentials Secret " + namespace + "/" + secretName
                    + " has no (valid, non-empty) " + String.join(" and ", missing) + "; it needs the keys "
                    + String.join(" and ", KEYS));
        }
        return new StoreCredentials(new S3Credentials.Keys(values[0], values[1], value(secret, SESSION_TOKEN_KEY)));
    }

    /** A key's value (from stringData or base64 data), trimmed, or null when absent or not base64. */
    static String value(Secret secret, String key) {
        String value = secret.getStringData() == null ? null : secret.getStringData().get(key);
        String encoded = secret.getData() == null ? null : secret.getData().get(key);
        if (value == null && encoded != null) {
            try {
                value = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8).trim();
            } catch (IllegalArgumentException e) {
                value = null;
            }
        }
        return value;
    }

    /** The keys (and session token) for the S3 client. */
    public S3Credentials.Keys keys() {
        return keys;
    }

    /** A digest of the keys and token: tells a rotated Secret from the old one without keeping it readable. */
    String fingerprint() {
        return Sha256.hex(keys.accessKey() + '\0' + keys.secretKey() + '\0'
                + (keys.sessionToken() == null ? "" : keys.sessionToken()));
    }

    @Override
    public String toString() {
        return "StoreCredentials[redacted]";
    }
}
