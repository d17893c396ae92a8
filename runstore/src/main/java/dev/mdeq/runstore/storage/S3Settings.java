package dev.mdeq.runstore.storage;

import dev.mdeq.runstore.storage.StorageException.Kind;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * How to reach an S3 service. {@link #toString()} never shows the secret key.
 *
 * @param endpoint {@code http(s)://host[:port]}, e.g. {@code http://minio:9000}
 * @param region the signing region ({@code us-east-1} for MinIO unless configured otherwise)
 * @param pathStyle true: {@code endpoint/bucket/key}; false: {@code bucket.endpoint/key} (virtual host)
 * @param accessKey the access key id
 * @param secretKey the secret access key
 * @param partSize multipart part size in bytes (5 MiB to 5 GiB); objects up to this size are one PUT
 * @param retry how transient failures are retried
 * @param connectTimeout TCP connect timeout of one request
 * @param ioTimeout read / write inactivity timeout of one request
 */
public record S3Settings(String endpoint, String region, boolean pathStyle, String accessKey, String secretKey,
        long partSize, RetryPolicy retry, Duration connectTimeout, Duration ioTimeout) {

    public static final String ENDPOINT = "MDEQ_S3_ENDPOINT";
    public static final String REGION = "MDEQ_S3_REGION";
    public static final String PATH_STYLE = "MDEQ_S3_PATH_STYLE";
    public static final String CREDENTIALS_DIR = "MDEQ_S3_CREDENTIALS_DIR";
    public static final String ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID";
    public static final String SECRET_ACCESS_KEY = "AWS_SECRET_ACCESS_KEY";

    public static final String DEFAULT_REGION = "us-east-1";
    public static final long MIN_PART_SIZE = 5L << 20;
    public static final long MAX_PART_SIZE = 5L << 30;
    public static final long DEFAULT_PART_SIZE = 16L << 20;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_IO_TIMEOUT = Duration.ofSeconds(60);

    public S3Settings {
        endpoint = checkEndpoint(endpoint);
        if (region == null || region.isBlank()) {
            throw invalid("S3 settings: the region is empty (set " + REGION + ", default " + DEFAULT_REGION + ")");
        }
        if (accessKey == null || accessKey.isBlank() || secretKey == null || secretKey.isBlank()) {
            throw invalid("S3 settings for " + endpoint + ": the access key id or the secret key is empty");
        }
        if (partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
            throw invalid("S3 settings: part size " + partSize + " is outside S3's limits [" + MIN_PART_SIZE + ", "
                    + MAX_PART_SIZE + "] bytes");
        }
        if (retry == null || connectTimeout == null || ioTimeout == null) {
            throw invalid("S3 settings: retry policy and timeouts must be given");
        }
    }

    /** Settings with default region, path style, part size, retries and timeouts. */
    public static S3Settings of(String endpoint, String accessKey, String secretKey) {
        return new S3Settings(endpoint, DEFAULT_REGION, true, accessKey, secretKey, DEFAULT_PART_SIZE,
                RetryPolicy.DEFAULT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_IO_TIMEOUT);
    }

    /**
     * Reads the settings from environment variables: {@value #ENDPOINT} (required),
     * {@value #REGION} (default {@value #DEFAULT_REGION}), {@value #PATH_STYLE} (default true), and
     * the credentials from the files {@code AWS_ACCESS_KEY_ID} and {@code AWS_SECRET_ACCESS_KEY} in
     * the folder {@value #CREDENTIALS_DIR} names (a mounted Kubernetes Secret), or else from the
     * variables {@value #ACCESS_KEY_ID} and {@value #SECRET_ACCESS_KEY}.
     */
    public static S3Settings fromEnvironment(Map<String, String> env) {
        String endpoint = value(env, ENDPOINT);
        if (endpoint == null) {
            throw invalid("S3 store: " + ENDPOINT + " is not set; set it to the S3 endpoint, e.g. "
                    + "http://minio:9000 or https://s3.eu-west-1.amazonaws.com");
        }
        String region = value(env, REGION);
        String pathStyle = value(env, PATH_STYLE);
        boolean path = true;
        if (pathStyle != null) {
            switch (pathStyle.toLowerCase(Locale.ROOT)) {
                case "true" -> path = true;
                case "false" -> path = false;
                default -> throw invalid("S3 store: " + PATH_STYLE + "=" + pathStyle + " is not valid; use true "
                        + "(endpoint/bucket/key, MinIO) or false (bucket.endpoint/key, virtual host)");
            }
        }
        String accessKey;
        String secretKey;
        String dir = value(env, CREDENTIALS_DIR);
        if (dir != null) {
            accessKey = readCredentialFile(Path.of(dir), ACCESS_KEY_ID);
            secretKey = readCredentialFile(Path.of(dir), SECRET_ACCESS_KEY);
        } else {
            accessKey = value(env, ACCESS_KEY_ID);
            secretKey = value(env, SECRET_ACCESS_KEY);
            if (accessKey == null || secretKey == null) {
                throw invalid("S3 store at " + endpoint + ": no credentials; set " + CREDENTIALS_DIR + " to a folder "
                        + "holding the files " + ACCESS_KEY_ID + " and " + SECRET_ACCESS_KEY + " (a mounted Secret), "
                        + "or set the variables " + ACCESS_KEY_ID + " and " + SECRET_ACCESS_KEY
                        + " (missing: " + (accessKey == null ? ACCESS_KEY_ID : "")
                        + (accessKey == null && secretKey == null ? ", " : "")
                        + (secretKey == null ? SECRET_ACCESS_KEY : "") + ")");
            }
        }
        return of(endpoint, accessKey, secretKey).withRegion(region == null ? DEFAULT_REGION : region)
                .withPathStyle(path);
    }

    public S3Settings withRegion(String newRegion) {
        return new S3Settings(endpoint, newRegion, pathStyle, accessKey, secretKey, partSize, retry, connectTimeout,
                ioTimeout);
    }

    public S3Settings withPathStyle(boolean newPathStyle) {
        return new S3Settings(endpoint, region, newPathStyle, accessKey, secretKey, partSize, retry, connectTimeout,
                ioTimeout);
    }

    public S3Settings withCredentials(String newAccessKey, String newSecretKey) {
        return new S3Settings(endpoint, region, pathStyle, newAccessKey, newSecretKey, partSize, retry,
                connectTimeout, ioTimeout);
    }

    public S3Settings withPartSize(long newPartSize) {
        return new S3Settings(endpoint, region, pathStyle, accessKey, secretKey, newPartSize, retry, connectTimeout,
                ioTimeout);
    }

    public S3Settings withRetry(RetryPolicy newRetry) {
        return new S3Settings(endpoint, region, pathStyle, accessKey, secretKey, partSize, newRetry, connectTimeout,
                ioTimeout);
    }

    public S3Settings withTimeouts(Duration newConnectTimeout, Duration newIoTimeout) {
        return new S3Settings(endpoint, region, pathStyle, accessKey, secretKey, partSize, retry, newConnectTimeout,
                newIoTimeout);
    }

    public S3Settings withEndpoint(String newEndpoint) {
        return new S3Settings(newEndpoint, region, pathStyle, accessKey, secretKey, partSize, retry, connectTimeout,
                ioTimeout);
    }

    /** Shows everything but the secret key (and only the start of the access key id). */
    @Override
    public String toString() {
        String shownKey = accessKey.length() <= 4 ? "****" : accessKey.substring(0, 4) + "****";
        return "S3Settings[endpoint=" + endpoint + ", region=" + region + ", pathStyle=" + pathStyle
                + ", accessKey=" + shownKey + ", secretKey=****, partSize=" + partSize + ", retry=" + retry
                + ", connectTimeout=" + connectTimeout + ", ioTimeout=" + ioTimeout + "]";
    }

    private static String checkEndpoint(String endpoint) {
        if (endpoint == null || endpoint.isBlank()) {
            throw invalid("S3 settings: the endpoint is empty (set " + ENDPOINT + ", e.g. http://minio:9000)");
        }
        try {
            URI uri = new URI(endpoint.strip());
            boolean web = "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
            boolean bare = uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/");
            if (!web || uri.getHost() == null || !bare || uri.getQuery() != null || uri.getUserInfo() != null) {
                throw invalid("S3 endpoint '" + endpoint + "' is not valid; expected http(s)://host[:port] with no "
                        + "path, e.g. http://minio:9000");
            }
            return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
        } catch (URISyntaxException e) {
            throw invalid("S3 endpoint '" + endpoint + "' is not a URL (" + e.getReason() + "); expected "
                    + "http(s)://host[:port], e.g. http://minio:9000");
        }
    }

    private static String readCredentialFile(Path dir, String name) {
        Path file = dir.resolve(name);
        try {
            String value = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (value.isEmpty()) {
                throw invalid("S3 credentials: " + file + " is empty (" + CREDENTIALS_DIR + "=" + dir + ")");
            }
            return value;
        } catch (IOException e) {
            throw invalid("S3 credentials: cannot read " + file + " (" + CREDENTIALS_DIR + "=" + dir + " must hold "
                    + "the files " + ACCESS_KEY_ID + " and " + SECRET_ACCESS_KEY + "): " + e.getClass().getSimpleName());
        }
    }

    private static String value(Map<String, String> env, String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? null : value.strip();
    }

    private static StorageException invalid(String message) {
        return new StorageException(Kind.INVALID_INPUT, message);
    }
}
