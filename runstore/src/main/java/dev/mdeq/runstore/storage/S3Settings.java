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
 * How to reach an S3 service. {@link #toString()} never shows a secret.
 *
 * @param endpoint {@code http(s)://host[:port]}, e.g. {@code http://minio:9000}
 * @param region the signing region ({@code us-east-1} for MinIO unless configured otherwise)
 * @param pathStyle true: {@code endpoint/bucket/key}; false: {@code bucket.endpoint/key} (virtual host)
 * @param credentials static keys (with an optional session token) or a web identity exchanged through STS
 * @param caBundle PEM certificates of the certificate authorities trusted for TLS in addition to the JVM's
 *     own (a private MinIO's CA), or null
 * @param partSize multipart part size in bytes (5 MiB to 5 GiB); objects up to this size are one PUT
 * @param retry how transient failures are retried
 * @param connectTimeout TCP connect timeout of one request
 * @param ioTimeout read / write inactivity timeout of one request
 */
public record S3Settings(String endpoint, String region, boolean pathStyle, S3Credentials credentials, String caBundle,
        long partSize, RetryPolicy retry, Duration connectTimeout, Duration ioTimeout) {

    public static final String ENDPOINT = "MDEQ_S3_ENDPOINT";
    public static final String REGION = "MDEQ_S3_REGION";
    public static final String PATH_STYLE = "MDEQ_S3_PATH_STYLE";
    public static final String CREDENTIALS_DIR = "MDEQ_S3_CREDENTIALS_DIR";
    public static final String ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID";
    public static final String SECRET_ACCESS_KEY = "AWS_SECRET_ACCESS_KEY";
    public static final String SESSION_TOKEN = "AWS_SESSION_TOKEN";
    /** The web identity token file (a projected service-account token), as the AWS SDKs name it. */
    public static final String WEB_IDENTITY_TOKEN_FILE = "AWS_WEB_IDENTITY_TOKEN_FILE";
    public static final String ROLE_ARN = "AWS_ROLE_ARN";
    public static final String ROLE_SESSION_NAME = "AWS_ROLE_SESSION_NAME";
    /** The STS endpoint of the web identity exchange (AWS STS, or the MinIO endpoint itself). */
    public static final String STS_ENDPOINT = "MDEQ_S3_STS_ENDPOINT";
    /** A PEM file of CA certificates trusted for TLS to the endpoint, in addition to the JVM's. */
    public static final String CA_BUNDLE = "MDEQ_S3_CA_BUNDLE";

    public static final String DEFAULT_REGION = "us-east-1";
    public static final long MIN_PART_SIZE = 5L << 20;
    public static final long MAX_PART_SIZE = 5L << 30;
    public static final long DEFAULT_PART_SIZE = 16L << 20;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_IO_TIMEOUT = Duration.ofSeconds(60);

    public S3Settings {
        endpoint = checkEndpoint(endpoint, ENDPOINT);
        if (region == null || region.isBlank()) {
            throw invalid("S3 settings: the region is empty (set " + REGION + ", default " + DEFAULT_REGION + ")");
        }
        if (credentials == null) {
            throw invalid("S3 settings for " + endpoint + ": no credentials given");
        }
        if (caBundle != null) {
            CaBundle.check(caBundle, "the CA bundle of " + endpoint); // fails early, naming what is wrong
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
        return of(endpoint, new S3Credentials.Keys(accessKey, secretKey, null));
    }

    /** Settings with default region, path style, part size, retries and timeouts. */
    public static S3Settings of(String endpoint, S3Credentials credentials) {
        return new S3Settings(endpoint, DEFAULT_REGION, true, credentials, null, DEFAULT_PART_SIZE,
                RetryPolicy.DEFAULT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_IO_TIMEOUT);
    }

    /**
     * Reads the settings from environment variables: {@value #ENDPOINT} (required),
     * {@value #REGION} (default {@value #DEFAULT_REGION}), {@value #PATH_STYLE} (default true),
     * {@value #CA_BUNDLE} (optional PEM file), and the credentials, the first of:
     * <ol>
     *   <li>the files {@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY} and (optional)
     *       {@code AWS_SESSION_TOKEN} in the folder {@value #CREDENTIALS_DIR} names (a mounted Secret);</li>
     *   <li>a web identity: {@value #WEB_IDENTITY_TOKEN_FILE}, {@value #ROLE_ARN}, {@value #STS_ENDPOINT}
     *       and (optional) {@value #ROLE_SESSION_NAME};</li>
     *   <li>the variables {@value #ACCESS_KEY_ID}, {@value #SECRET_ACCESS_KEY} and (optional)
     *       {@value #SESSION_TOKEN}.</li>
     * </ol>
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
        String caFile = value(env, CA_BUNDLE);
        String caBundle = caFile == null ? null : readCaBundle(Path.of(caFile));
        return of(endpoint, credentialsFromEnvironment(env, endpoint))
                .withRegion(region == null ? DEFAULT_REGION : region)
                .withPathStyle(path)
                .withCaBundle(caBundle);
    }

    private static S3Credentials credentialsFromEnvironment(Map<String, String> env, String endpoint) {
        String dir = value(env, CREDENTIALS_DIR);
        if (dir != null) {
            Path folder = Path.of(dir);
            return new S3Credentials.Keys(readCredentialFile(folder, ACCESS_KEY_ID),
                    readCredentialFile(folder, SECRET_ACCESS_KEY), readOptionalCredentialFile(folder, SESSION_TOKEN));
        }
        String tokenFile = value(env, WEB_IDENTITY_TOKEN_FILE);
        if (tokenFile != null) {
            String sts = value(env, STS_ENDPOINT);
            if (sts == null) {
                throw invalid("S3 store at " + endpoint + ": " + WEB_IDENTITY_TOKEN_FILE + " is set but "
                        + STS_ENDPOINT + " is not; set it to the STS endpoint (e.g. https://sts.eu-west-1.amazonaws.com, "
                        + "or the MinIO endpoint)");
            }
            return new S3Credentials.WebIdentity(Path.of(tokenFile), value(env, ROLE_ARN), value(env, ROLE_SESSION_NAME),
                    sts);
        }
        String accessKey = value(env, ACCESS_KEY_ID);
        String secretKey = value(env, SECRET_ACCESS_KEY);
        if (accessKey == null || secretKey == null) {
            throw invalid("S3 store at " + endpoint + ": no credentials; set " + CREDENTIALS_DIR + " to a folder "
                    + "holding the files " + ACCESS_KEY_ID + " and " + SECRET_ACCESS_KEY + " (a mounted Secret), "
                    + "or set " + WEB_IDENTITY_TOKEN_FILE + " (with " + ROLE_ARN + " and " + STS_ENDPOINT + "), "
                    + "or set the variables " + ACCESS_KEY_ID + " and " + SECRET_ACCESS_KEY
                    + " (missing: " + (accessKey == null ? ACCESS_KEY_ID : "")
                    + (accessKey == null && secretKey == null ? ", " : "")
                    + (secretKey == null ? SECRET_ACCESS_KEY : "") + ")");
        }
        return new S3Credentials.Keys(accessKey, secretKey, value(env, SESSION_TOKEN));
    }

    public S3Settings withRegion(String newRegion) {
        return new S3Settings(endpoint, newRegion, pathStyle, credentials, caBundle, partSize, retry, connectTimeout,
                ioTimeout);
    }

    public S3Settings withPathStyle(boolean newPathStyle) {
        return new S3Settings(endpoint, region, newPathStyle, credentials, caBundle, partSize, retry, connectTimeout,
                ioTimeout);
    }

    public S3Settings withCredentials(String newAccessKey, String newSecretKey) {
        return withCredentials(new S3Credentials.Keys(newAccessKey, newSecretKey, null));
    }

    public S3Settings withCredentials(S3Credentials newCredentials) {
        return new S3Settings(endpoint, region, pathStyle, newCredentials, caBundle, partSize, retry, connectTimeout,
                ioTimeout);
    }

    /** These settings trusting also the CA certificates of a PEM bundle (null: the JVM's only). */
    public S3Settings withCaBundle(String newCaBundle) {
        return new S3Settings(endpoint, region, pathStyle, credentials, newCaBundle, partSize, retry, connectTimeout,
                ioTimeout);
    }

    public S3Settings withPartSize(long newPartSize) {
        return new S3Settings(endpoint, region, pathStyle, credentials, caBundle, newPartSize, retry, connectTimeout,
                ioTimeout);
    }

    public S3Settings withRetry(RetryPolicy newRetry) {
        return new S3Settings(endpoint, region, pathStyle, credentials, caBundle, partSize, newRetry, connectTimeout,
                ioTimeout);
    }

    public S3Settings withTimeouts(Duration newConnectTimeout, Duration newIoTimeout) {
        return new S3Settings(endpoint, region, pathStyle, credentials, caBundle, partSize, retry, newConnectTimeout,
                newIoTimeout);
    }

    public S3Settings withEndpoint(String newEndpoint) {
        return new S3Settings(newEndpoint, region, pathStyle, credentials, caBundle, partSize, retry, connectTimeout,
                ioTimeout);
    }

    /** Shows everything but the secrets (and only the start of an access key id). */
    @Override
    public String toString() {
        return "S3Settings[endpoint=" + endpoint + ", region=" + region + ", pathStyle=" + pathStyle
                + ", credentials=" + credentials + ", caBundle=" + (caBundle == null ? "none" : "given")
                + ", partSize=" + partSize + ", retry=" + retry + ", connectTimeout=" + connectTimeout
                + ", ioTimeout=" + ioTimeout + "]";
    }

    /** Checks an http(s)://host[:port] URL ({@code variable}: where it comes from) and returns it normalised. */
    static String checkEndpoint(String endpoint, String variable) {
        if (endpoint == null || endpoint.isBlank()) {
            throw invalid("S3 settings: the endpoint is empty (set " + variable + ", e.g. http://minio:9000)");
        }
        try {
            URI uri = new URI(endpoint.strip());
            boolean web = "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
            boolean bare = uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/");
            if (!web || uri.getHost() == null || !bare || uri.getQuery() != null || uri.getUserInfo() != null) {
                throw invalid(variable + " '" + endpoint + "' is not valid; expected http(s)://host[:port] with no "
                        + "path, e.g. http://minio:9000");
            }
            return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
        } catch (URISyntaxException e) {
            throw invalid(variable + " '" + endpoint + "' is not a URL (" + e.getReason() + "); expected "
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

    private static String readOptionalCredentialFile(Path dir, String name) {
        Path file = dir.resolve(name);
        return Files.exists(file) ? readCredentialFile(dir, name) : null;
    }

    private static String readCaBundle(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw invalid("S3 store: cannot read the CA bundle " + file + " (" + CA_BUNDLE + "): " + e);
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
