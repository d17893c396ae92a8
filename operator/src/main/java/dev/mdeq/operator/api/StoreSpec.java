package dev.mdeq.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

/**
 * The object store of the run folder. Credentials only ever come from a Secret, or from a web identity
 * the operator's admin enabled.
 *
 * @param uri the store's root, s3://bucket/prefix or file:/path; the run folder is
 *     {@code <uri>/runs/<namespace>/<name>}
 * @param endpoint the S3 endpoint, e.g. http://minio.mdeq.svc:9000 (unset: the operator's default)
 * @param region the S3 region (default us-east-1)
 * @param pathStyle path-style S3 addressing (true for MinIO; default true)
 * @param credentialsSecret a Secret in this namespace with the keys AWS_ACCESS_KEY_ID and
 *     AWS_SECRET_ACCESS_KEY (and, for temporary keys, AWS_SESSION_TOKEN), mounted into the pods as files;
 *     required for s3:// stores unless the operator's admin enabled web identity
 * @param webIdentityRoleArn the role the trainer and evaluator pods assume with their projected
 *     service-account token (STS AssumeRoleWithWebIdentity), instead of the operator's default role; only when
 *     the operator's admin enabled web identity, and not together with credentialsSecret
 * @param caBundle CA certificates to trust for TLS to the endpoint (a private certificate authority), in
 *     addition to the default ones (unset: the operator's default, if any)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StoreSpec(
        @Pattern("^(s3://|file:).+") @Size(max = 1024) String uri,
        @Pattern("^https?://[^\\s]+$") @Size(max = 512) String endpoint,
        @Pattern("^[a-z0-9-]+$") @Size(max = 64) String region,
        Boolean pathStyle,
        @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$") @Size(max = 253) String credentialsSecret,
        @Pattern("^arn:[-a-z0-9]+:iam::[0-9]*:role/[\\x21-\\x7e]+$") @Size(max = 2048) String webIdentityRoleArn,
        CaBundleSpec caBundle) {

    static final StoreSpec EMPTY = new StoreSpec(null, null, null, null, null, null, null);

    /** A store with static keys from a Secret, no web identity role and no CA bundle of its own. */
    public StoreSpec(String uri, String endpoint, String region, Boolean pathStyle, String credentialsSecret) {
        this(uri, endpoint, region, pathStyle, credentialsSecret, null, null);
    }
}
