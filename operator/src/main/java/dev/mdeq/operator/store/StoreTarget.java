package dev.mdeq.operator.store;

import dev.mdeq.operator.api.CaBundleSpec;
import dev.mdeq.operator.api.StoreSpec;
import dev.mdeq.operator.config.OperatorConfig;
import dev.mdeq.operator.refusal.InvalidSpecException;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.StoreUri;

/**
 * The run's object store after the operator's defaults filled what the resource left out.
 *
 * @param uri the store's root
 * @param endpoint the S3 endpoint (null for a file: store)
 * @param region the S3 region
 * @param pathStyle path-style S3 addressing
 * @param credentialsSecret the Secret with the S3 keys (null for a file: store or a web identity)
 * @param webIdentity true: the pods exchange a projected service-account token through STS for their keys
 * @param roleArn the role the pods assume with web identity (null: none or the STS's own choice)
 * @param caBundle the CA certificates trusted for TLS to the endpoint besides the default ones, or null
 */
public record StoreTarget(StoreUri uri, String endpoint, String region, boolean pathStyle, String credentialsSecret,
                          boolean webIdentity, String roleArn, CaBundleSpec caBundle) {

    /** A store reached with static keys from a Secret. */
    public StoreTarget(StoreUri uri, String endpoint, String region, boolean pathStyle, String credentialsSecret) {
        this(uri, endpoint, region, pathStyle, credentialsSecret, false, null, null);
    }

    /** Resolves the store of a resource; fails naming the field when something required is missing. */
    public static StoreTarget resolve(StoreSpec spec, OperatorConfig config) {
        return resolve(spec, config.store(), StorePolicy.of(config));
    }

    /**
     * Resolves the store of a resource and checks it against the admin's policy: a file: store only when
     * allowed, the endpoint on the allow-list.
     */
    public static StoreTarget resolve(StoreSpec spec, OperatorConfig.Store defaults, StorePolicy policy) {
        String rawUri = spec.uri() != null ? spec.uri() : defaults.uri().orElse(null);
        if (rawUri == null) {
            throw InvalidSpecException.spec("spec.store.uri is not set and the operator has no default store "
                    + "(mdeq.store.uri); set spec.store.uri to s3://bucket/prefix");
        }
        StoreUri uri = parse("spec.store.uri", rawUri);
        policy.checkOperatorUri(spec.uri() != null ? "spec.store.uri" : "spec.store.uri (the operator's default mdeq.store.uri)", uri);
        if (!uri.isS3()) {
            return new StoreTarget(uri, null, null, true, null);
        }
        OperatorConfig.WebIdentity web = defaults.webIdentity();
        String endpoint = spec.endpoint() != null ? spec.endpoint() : defaults.endpoint().orElse(null);
        if (endpoint == null) {
            throw InvalidSpecException.spec("spec.store.endpoint is not set and the operator has no default "
                    + "(mdeq.store.endpoint); set it to the S3 endpoint, e.g. http://minio.mdeq.svc:9000");
        }
        policy.checkEndpoint("spec.store.endpoint", endpoint);
        String region = spec.region() != null ? spec.region() : defaults.region();
        boolean pathStyle = spec.pathStyle() != null ? spec.pathStyle() : defaults.pathStyle();
        CaBundleSpec caBundle = spec.caBundle() != null ? spec.caBundle()
                : defaults.caBundleConfigMap().map(name -> new CaBundleSpec(name, null, defaults.caBundleKey()))
                .orElse(null);
        if (caBundle != null && (caBundle.configMap() == null) == (caBundle.secret() == null)) {
            throw InvalidSpecException.spec("spec.store.caBundle needs exactly one of configMap or secret");
        }
        if (spec.webIdentityRoleArn() != null) {
            if (!web.enabled()) {
                throw InvalidSpecException.policy("spec.store.webIdentityRoleArn: web identity is not enabled by the "
                        + "operator's admin (mdeq.store.web-identity.enabled, chart value store.webIdentity.enabled); "
                        + "use spec.store.credentialsSecret");
            }
            if (spec.credentialsSecret() != null) {
                throw InvalidSpecException.spec("spec.store.webIdentityRoleArn and spec.store.credentialsSecret are "
                        + "both set; set one: a role to assume with the pods' service-account token, or a Secret of keys");
            }
        }
        if (spec.credentialsSecret() == null && web.enabled()) {
            if (web.stsEndpoint().isEmpty()) {
                throw InvalidSpecException.spec("spec.store: web identity is enabled but the operator has no STS "
                        + "endpoint (mdeq.store.web-identity.sts-endpoint, chart value store.webIdentity.stsEndpoint); "
                        + "set spec.store.credentialsSecret or ask the admin to set it");
            }
            String role = spec.webIdentityRoleArn() != null ? spec.webIdentityRoleArn() : web.roleArn().orElse(null);
            return new StoreTarget(uri, endpoint, region, pathStyle, null, true, role, caBundle);
        }
        String secret = spec.credentialsSecret() != null ? spec.credentialsSecret()
                : defaults.credentialsSecret().orElse(null);
        if (secret == null) {
            throw InvalidSpecException.spec("spec.store.credentialsSecret is not set and the operator has no default "
                    + "(mdeq.store.credentials-secret); name a Secret with the keys AWS_ACCESS_KEY_ID and "
                    + "AWS_SECRET_ACCESS_KEY");
        }
        return new StoreTarget(uri, endpoint, region, pathStyle, secret, false, null, caBundle);
    }

    /** Parses a URI of the resource, naming the field when it is invalid. */
    public static StoreUri parse(String field, String uri) {
        try {
            return StoreUri.parse(uri);
        } catch (IllegalArgumentException e) {
            throw InvalidSpecException.spec(field + ": " + e.getMessage());
        }
    }

    public boolean isS3() {
        return uri.isS3();
    }

    /** The run folder of a resource: {@code <store>/runs/<namespace>/<name>}. */
    public StoreUri runUri(String namespace, String name) {
        return uri.resolve(RunLayout.runPrefix(namespace, name));
    }
}
