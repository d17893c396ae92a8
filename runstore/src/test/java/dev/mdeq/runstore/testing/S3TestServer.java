package dev.mdeq.runstore.testing;

import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.storage.ObjectStores;
import dev.mdeq.runstore.storage.RetryPolicy;
import dev.mdeq.runstore.storage.S3Settings;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * A real S3 server for tests: s3proxy 4.1 in this JVM on 127.0.0.1 (a free port), speaking the S3
 * protocol with signature checks, with one bucket created. Objects live in memory (or in a
 * temporary folder, see {@link Builder#onDisk()}); {@link #close()} drops them.
 *
 * <pre>{@code
 * try (S3TestServer s3 = S3TestServer.start();
 *      ObjectStore store = ObjectStores.open(s3.uri("runs/ns/job"), s3.settings())) {
 *     store.putBytes("config.yaml", bytes);
 * }
 * // or, for code that reads the environment (the mdeq CLI):
 * try (var env = ObjectStores.overrideEnvironment(s3.environment())) {
 *     Mdeq.execute("store", "ls", s3.uri("runs"));
 * }
 * }</pre>
 *
 * <p>A module that uses it needs the runstore {@code test-jar} and {@code org.gaul:s3proxy} in
 * test scope (a test-jar brings no dependencies), plus a {@code logback-test.xml} with root level
 * WARN: s3proxy's DEBUG logging slows requests down ten-fold.
 */
public final class S3TestServer implements AutoCloseable {
    static {
        // Under slf4j-simple (the cli's logger) s3proxy and Jetty would log every start at INFO.
        if (System.getProperty("org.slf4j.simpleLogger.log.org.gaul") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.org.gaul", "warn");
        }
    }

    /** The bucket {@link #start()} creates. */
    public static final String BUCKET = "test-bucket";

    private final BlobStore blobStore;
    private final String virtualHostDomain;
    private S3Proxy proxy;
    private final Path folder;
    private final String accessKey;
    private final String secretKey;
    private final String bucket;
    private final String endpoint;
    private final TestCertificate certificate;
    private final boolean acceptSessionTokens;
    private boolean running;

    private S3TestServer(Builder builder) throws Exception {
        this.accessKey = builder.accessKey;
        this.secretKey = builder.secretKey;
        this.bucket = builder.bucket;
        Properties properties = new Properties();
        if (!builder.onDisk) {
            this.folder = null;
            this.blobStore = BlobStores.create("transient", properties);
        } else {
            this.folder = Files.createTempDirectory("s3-test-server-");
            properties.setProperty("jclouds.filesystem.basedir", folder.toString());
            this.blobStore = BlobStores.create("filesystem", properties);
        }
        this.virtualHostDomain = builder.virtualHostDomain;
        this.acceptSessionTokens = builder.acceptSessionTokens;
        this.certificate = builder.https ? TestCertificate.create("127.0.0.1") : null;
        startProxy(0);
        this.endpoint = certificate == null ? "http://127.0.0.1:" + proxy.getPort()
                : "https://127.0.0.1:" + proxy.getSecurePort();
        createBucket(bucket);
    }

    private void startProxy(int port) throws Exception {
        S3Proxy.Builder proxyBuilder = S3Proxy.builder()
                .blobStore(blobStore)
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                .stopTimeout(0);
        if (certificate == null) {
            proxyBuilder.endpoint(URI.create("http://127.0.0.1:" + port));
        } else {
            proxyBuilder.secureEndpoint(URI.create("https://127.0.0.1:" + port))
                    .keyStore(certificate.keyStore().toString(), TestCertificate.PASSWORD);
        }
        if (virtualHostDomain != null) {
            proxyBuilder.virtualHost(virtualHostDomain);
        }
        if (acceptSessionTokens) {
            proxyBuilder.ignoreUnknownHeaders(true);
        }
        proxy = proxyBuilder.build();
        proxy.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("s3proxy did not start within 30 s: " + proxy.getState());
            }
            Thread.sleep(5);
        }
        running = true;
    }

    /** Starts a server with random credentials and the bucket {@value #BUCKET}, data in memory. */
    public static S3TestServer start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options of a test server; every one has a default. */
    public static final class Builder {
        private String accessKey = "test-access-" + UUID.randomUUID().toString().substring(0, 8);
        private String secretKey = "test-secret-" + UUID.randomUUID();
        private String bucket = BUCKET;
        private boolean onDisk;
        private String virtualHostDomain;
        private boolean https;
        private boolean acceptSessionTokens;

        private Builder() {
        }

        /** The only credentials the server accepts (default: random). */
        public Builder credentials(String newAccessKey, String newSecretKey) {
            this.accessKey = newAccessKey;
            this.secretKey = newSecretKey;
            return this;
        }

        /** The bucket created at start (default {@value S3TestServer#BUCKET}). */
        public Builder bucket(String name) {
            this.bucket = name;
            return this;
        }

        /**
         * Keeps objects in a temporary folder instead of memory: for hundreds of megabytes. (Listing
         * is slower there: s3proxy reads each file's metadata.)
         */
        public Builder onDisk() {
            this.onDisk = true;
            return this;
        }

        /** Also serves virtual-host requests ({@code bucket.DOMAIN:port}); the client must resolve DOMAIN. */
        public Builder virtualHostDomain(String domain) {
            this.virtualHostDomain = domain;
            return this;
        }

        /**
         * Serves HTTPS only, with a certificate for 127.0.0.1 from a CA made for this server (see
         * {@link #caPem()}), which no JVM trusts by default.
         */
        public Builder https() {
            this.https = true;
            return this;
        }

        /**
         * Accepts requests signed with temporary keys: s3proxy refuses the x-amz-security-token header
         * (501 NotImplemented) unless told to ignore headers it does not know. It still checks the signature,
         * which covers the header, but it takes any token.
         */
        public Builder acceptSessionTokens() {
            this.acceptSessionTokens = true;
            return this;
        }

        public S3TestServer start() {
            try {
                return new S3TestServer(this);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("cannot start s3proxy: " + e, e);
            }
        }
    }

    /**
     * Settings for this server: path style, region us-east-1, 5 MiB parts (so objects above 5 MiB
     * are multipart), and a short retry budget fit for tests (4 attempts within 3 s).
     */
    public S3Settings settings() {
        return S3Settings.of(endpoint, accessKey, secretKey)
                .withPartSize(S3Settings.MIN_PART_SIZE)
                .withRetry(new RetryPolicy(4, Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofSeconds(3)))
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10));
    }

    /** The variables {@link S3Settings#fromEnvironment} reads, pointing at this server. */
    public Map<String, String> environment() {
        return Map.of(S3Settings.ENDPOINT, endpoint, S3Settings.ACCESS_KEY_ID, accessKey,
                S3Settings.SECRET_ACCESS_KEY, secretKey);
    }

    /** {@code s3://BUCKET/path} (path may be empty). */
    public String uri(String path) {
        return "s3://" + bucket + (path == null || path.isEmpty() ? "" : "/" + path);
    }

    /** Opens a store at {@code uri(path)} with {@link #settings()}; the caller closes it. */
    public ObjectStore open(String path) {
        return ObjectStores.open(uri(path), settings());
    }

    /**
     * Writes an object straight into the server's storage, without the S3 protocol: a fast way to
     * set up many objects (reading them back still goes through S3).
     */
    public void putDirectly(String objectName, byte[] content) {
        blobStore.putBlob(PutObjectRequest.builder().bucket(bucket).key(objectName)
                .contentLength((long) content.length).build(), new ByteArrayInputStream(content));
    }

    /** Creates another bucket. */
    public void createBucket(String name) {
        blobStore.createContainer(name);
    }

    /** {@code http://127.0.0.1:PORT}. */
    public String endpoint() {
        return endpoint;
    }

    public int port() {
        return URI.create(endpoint).getPort();
    }

    /** The PEM certificate to trust for an {@link Builder#https()} server. */
    public String caPem() {
        if (certificate == null) {
            throw new IllegalStateException("not an https() server");
        }
        return certificate.pem();
    }

    public String bucket() {
        return bucket;
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretKey() {
        return secretKey;
    }

    /** Stops serving at once (in-flight requests break off): simulates an outage. Data is kept. */
    public synchronized void stop() {
        if (running) {
            running = false;
            try {
                proxy.stop();
            } catch (Exception e) {
                throw new IllegalStateException("cannot stop s3proxy: " + e, e);
            }
        }
    }

    /** Serves again on the same port, with the same data, after {@link #stop()}. */
    public synchronized void restart() {
        if (!running) {
            try {
                startProxy(port());
            } catch (Exception e) {
                throw new IllegalStateException("cannot restart s3proxy on port " + port() + ": " + e, e);
            }
        }
    }

    /** Stops the server and deletes its data. */
    @Override
    public synchronized void close() {
        stop();
        blobStore.close();
        if (certificate != null) {
            certificate.delete();
        }
        if (folder != null) {
            try (Stream<Path> files = Files.walk(folder)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
