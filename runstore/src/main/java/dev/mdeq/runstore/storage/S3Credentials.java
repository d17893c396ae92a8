package dev.mdeq.runstore.storage;

import dev.mdeq.runstore.storage.StorageException.Kind;
import io.minio.credentials.Jwt;
import io.minio.credentials.Provider;
import io.minio.credentials.StaticProvider;
import io.minio.credentials.WebIdentityProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import okhttp3.OkHttpClient;

/**
 * How the S3 client signs its requests: static keys (optionally with a session token), or temporary keys
 * obtained by exchanging a web identity token (a projected Kubernetes service-account token) through STS
 * {@code AssumeRoleWithWebIdentity}. {@link #toString()} never shows a secret.
 */
public sealed interface S3Credentials {

    /** The MinIO client's provider of these credentials; STS calls go through {@code http}. */
    Provider provider(OkHttpClient http);

    /** The secret values a message must never show (for redaction), as far as they are known now. */
    List<String> secrets();

    /**
     * Static keys.
     *
     * @param accessKey the access key id
     * @param secretKey the secret access key
     * @param sessionToken the session token of temporary keys (AWS_SESSION_TOKEN), or null
     */
    record Keys(String accessKey, String secretKey, String sessionToken) implements S3Credentials {
        public Keys {
            if (accessKey == null || accessKey.isBlank() || secretKey == null || secretKey.isBlank()) {
                throw new StorageException(Kind.INVALID_INPUT, "S3 credentials: the access key id or the secret key "
                        + "is empty");
            }
            if (sessionToken != null && sessionToken.isBlank()) {
                sessionToken = null;
            }
        }

        @Override
        public Provider provider(OkHttpClient http) {
            return new StaticProvider(accessKey, secretKey, sessionToken);
        }

        @Override
        public List<String> secrets() {
            return sessionToken == null ? List.of(secretKey) : List.of(secretKey, sessionToken);
        }

        /** Shows the start of the access key id only, and whether there is a session token. */
        @Override
        public String toString() {
            String shownKey = accessKey.length() <= 4 ? "****" : accessKey.substring(0, 4) + "****";
            return "Keys[accessKey=" + shownKey + ", secretKey=****" + (sessionToken == null ? "" : ", sessionToken=****")
                    + "]";
        }
    }

    /**
     * Temporary keys from STS {@code AssumeRoleWithWebIdentity}, renewed before they expire. The token file is
     * read again at every exchange, since the kubelet rotates a projected token.
     *
     * @param tokenFile the web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)
     * @param roleArn the role to assume (AWS_ROLE_ARN); may be null for MinIO, which takes the role from the token
     * @param sessionName the role session name (AWS_ROLE_SESSION_NAME), or null
     * @param stsEndpoint the STS endpoint, e.g. https://sts.eu-west-1.amazonaws.com, or the MinIO endpoint
     * @param durationSeconds how long the temporary keys last (900 to 43200)
     */
    record WebIdentity(Path tokenFile, String roleArn, String sessionName, String stsEndpoint, int durationSeconds)
            implements S3Credentials {
        public static final int DEFAULT_DURATION_SECONDS = 3600;

        public WebIdentity {
            if (tokenFile == null) {
                throw new StorageException(Kind.INVALID_INPUT, "S3 web identity: no token file given ("
                        + S3Settings.WEB_IDENTITY_TOKEN_FILE + ")");
            }
            if (stsEndpoint == null || stsEndpoint.isBlank()) {
                throw new StorageException(Kind.INVALID_INPUT, "S3 web identity: no STS endpoint given; set "
                        + S3Settings.STS_ENDPOINT + " (e.g. https://sts.eu-west-1.amazonaws.com, or the MinIO endpoint)");
            }
            stsEndpoint = S3Settings.checkEndpoint(stsEndpoint, S3Settings.STS_ENDPOINT);
            if (durationSeconds < 900 || durationSeconds > 43200) {
                throw new StorageException(Kind.INVALID_INPUT, "S3 web identity: duration " + durationSeconds
                        + " s is outside STS's limits [900, 43200]");
            }
        }

        public WebIdentity(Path tokenFile, String roleArn, String sessionName, String stsEndpoint) {
            this(tokenFile, roleArn, sessionName, stsEndpoint, DEFAULT_DURATION_SECONDS);
        }

        @Override
        public Provider provider(OkHttpClient http) {
            return new WebIdentityProvider(this::readToken, stsEndpoint, durationSeconds, null, roleArn, sessionName,
                    http);
        }

        /** Reads the token file; fails naming the file, never showing its content. */
        Jwt readToken() {
            String token;
            try {
                token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new StorageException(Kind.INVALID_INPUT, "S3 web identity: cannot read the token file "
                        + tokenFile + " (" + S3Settings.WEB_IDENTITY_TOKEN_FILE + "): " + e.getClass().getSimpleName());
            }
            if (token.isEmpty()) {
                throw new StorageException(Kind.INVALID_INPUT, "S3 web identity: the token file " + tokenFile
                        + " is empty");
            }
            return new Jwt(token, durationSeconds);
        }

        /** The token as the file holds it now (read on failure paths only); empty when it cannot be read. */
        @Override
        public List<String> secrets() {
            try {
                String token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
                return token.isEmpty() ? List.of() : List.of(token);
            } catch (IOException e) {
                return List.of();
            }
        }

        @Override
        public String toString() {
            return "WebIdentity[tokenFile=" + tokenFile + ", roleArn=" + roleArn + ", stsEndpoint=" + stsEndpoint + "]";
        }
    }
}
