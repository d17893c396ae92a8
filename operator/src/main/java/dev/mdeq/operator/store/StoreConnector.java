package dev.mdeq.operator.store;

import dev.mdeq.operator.config.OperatorConfig;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.storage.RetryPolicy;
import dev.mdeq.runstore.storage.ObjectStores;
import dev.mdeq.runstore.storage.S3Credentials;
import dev.mdeq.runstore.storage.S3Settings;
import dev.mdeq.runstore.storage.Sha256;
import dev.mdeq.runstore.storage.StoreUri;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Opens the object stores the operator reads and writes (run folders, experiment yamls), with the
 * endpoint, keys (or, with web identity, the operator's own token and role) and CA bundle of the resource's
 * store, all read through the API. S3 connections are kept per bucket, endpoint, credentials and CA bundle (a
 * rotated Secret gets a new one); the least recently used are closed beyond a bound.
 * Every S3 call is bounded in time ({@code mdeq.store-calls.*}).
 */
@ApplicationScoped
public class StoreConnector {
    private static final int MAX_OPEN = 32;

    private final KubernetesClient client;
    private final OperatorConfig.StoreCalls bounds;
    private final OperatorConfig.WebIdentity webIdentity;
    private final Map<String, ObjectStore> open = new LinkedHashMap<>(16, 0.75f, true);

    public StoreConnector(KubernetesClient client, OperatorConfig config) {
        this.client = client;
        this.bounds = config.storeCalls();
        this.webIdentity = config.store().webIdentity();
    }

    /** The run folder {@code <store>/runs/<namespace>/<name>} of a resource. */
    public RunFolder runFolder(StoreTarget target, String namespace, String name) {
        StoreUri runUri = target.runUri(namespace, name);
        return new RunFolder(runUri, at(target, namespace, runUri));
    }

    /**
     * A store rooted at {@code uri}, reached with the target's endpoint and credentials (the Secret is
     * read from {@code namespace}). The caller does not close it: connections are shared.
     */
    public ObjectStore at(StoreTarget target, String namespace, StoreUri uri) {
        if (!uri.isS3()) {
            return ObjectStores.open(uri.toString(), (S3Settings) null);
        }
        if (!target.isS3()) {
            throw new IllegalArgumentException(uri + " is an s3:// URI but the run's store " + target.uri()
                    + " is a file: store, so there is no S3 endpoint or credentials to read it with");
        }
        S3Credentials credentials;
        String identity;
        if (target.webIdentity()) {
            // The operator's own token and role: it reaches every namespace's run folders, unlike the pods.
            OperatorConfig.WebIdentity web = webIdentity;
            credentials = new S3Credentials.WebIdentity(Path.of(web.operatorTokenFile()),
                    web.operatorRoleArn().or(web::roleArn).orElse(null), "mdeq-operator",
                    web.stsEndpoint().orElseThrow());
            identity = "web|" + credentials;
        } else {
            StoreCredentials keys = StoreCredentials.read(client, namespace, target.credentialsSecret());
            credentials = keys.keys();
            identity = keys.fingerprint();
        }
        String caBundle = target.caBundle() == null ? null : StoreCaBundle.read(client, namespace, target.caBundle());
        StoreUri bucket = new StoreUri(StoreUri.S3, uri.bucket(), "");
        String key = String.join("|", bucket.toString(), target.endpoint(), target.region(),
                Boolean.toString(target.pathStyle()), identity, caBundle == null ? "" : Sha256.hex(caBundle));
        ObjectStore store;
        synchronized (open) {
            store = open.get(key);
            if (store == null) {
                S3Settings settings = S3Settings.of(target.endpoint(), credentials)
                        .withRegion(target.region())
                        .withPathStyle(target.pathStyle())
                        .withCaBundle(caBundle)
                        .withTimeouts(bounds.connectTimeout(), bounds.ioTimeout())
                        .withRetry(reconcileRetry(bounds));
                store = ObjectStores.open(bucket.toString(), settings);
                open.put(key, store);
                evictBeyondBound();
            }
        }
        return uri.path().isEmpty() ? store : store.child(uri.path());
    }

    /**
     * The operator's calls run on reconcile threads: few attempts with short timeouts, so that an endpoint
     * that never answers costs its own resource a StorageUnavailable condition (checked again later) and
     * holds a reconcile thread for at most about attempts x (connect + io timeout), bounded by the budget.
     */
    static RetryPolicy reconcileRetry(OperatorConfig.StoreCalls bounds) {
        return new RetryPolicy(Math.max(1, bounds.attempts()), Duration.ofMillis(200), Duration.ofSeconds(2),
                bounds.budget());
    }

    private void evictBeyondBound() {
        var iterator = open.entrySet().iterator();
        while (open.size() > MAX_OPEN && iterator.hasNext()) {
            ObjectStore eldest = iterator.next().getValue();
            iterator.remove();
            eldest.close();
        }
    }

    @PreDestroy
    void closeAll() {
        synchronized (open) {
            open.values().forEach(ObjectStore::close);
            open.clear();
        }
    }
}
