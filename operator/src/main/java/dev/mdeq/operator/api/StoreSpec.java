package dev.mdeq.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

/**
 * The object store of the run folder. Credentials only ever come from a Secret.
 *
 * @param uri the store's root, s3://bucket/prefix or file:/path; the run folder is
 *     {@code <uri>/runs/<namespace>/<name>}
 * @param endpoint the S3 endpoint, e.g. http://minio.mdeq.svc:9000 (unset: the operator's default)
 * @param region the S3 region (default us-east-1)
 * @param pathStyle path-style S3 addressing (true for MinIO; default true)
 * @param credentialsSecret a Secret in this namespace with the keys AWS_ACCESS_KEY_ID and
 *     AWS_SECRET_ACCESS_KEY, mounted into the pods as files; required for s3:// stores
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StoreSpec(
        @Pattern("^(s3://|file:).+") @Size(max = 1024) String uri,
        @Pattern("^https?://[^\\s]+$") @Size(max = 512) String endpoint,
        @Pattern("^[a-z0-9-]+$") @Size(max = 64) String region,
        Boolean pathStyle,
        @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$") @Size(max = 253) String credentialsSecret) {

    static final StoreSpec EMPTY = new StoreSpec(null, null, null, null, null);
}
