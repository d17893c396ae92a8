package dev.mdeq.runstore.storage;

import static dev.mdeq.runstore.storage.S3ObjectStoreTest.assertSecretAbsent;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import dev.mdeq.runstore.storage.StorageException.Kind;
import dev.mdeq.runstore.testing.S3TestServer;
import dev.mdeq.runstore.testing.TestCertificate;
import dev.mdeq.runstore.testing.TestSts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Session tokens, web identity through STS, and a CA bundle for TLS, against s3proxy. */
class S3IdentityTest {
    private static final RetryPolicy FAST = new RetryPolicy(2, Duration.ofMillis(10), Duration.ofMillis(50),
            Duration.ofSeconds(3));

    @TempDir
    Path temp;

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void captureLogs() {
        logs.start();
        ((Logger) LoggerFactory.getLogger(S3ObjectStore.class)).addAppender(logs);
    }

    @AfterEach
    void releaseLogs() {
        ((Logger) LoggerFactory.getLogger(S3ObjectStore.class)).detachAppender(logs);
    }

    @Test
    void aSessionTokenIsSentWithEveryRequestAndSigned() throws IOException {
        String token = "session-token-" + UUID.randomUUID();
        // s3proxy checks the signature, which covers the x-amz-security-token header, but not the token itself.
        try (S3TestServer s3 = S3TestServer.builder().acceptSessionTokens().start();
             ObjectStore store = ObjectStores.open(s3.uri("runs"), s3.settings().withCredentials(
                     new S3Credentials.Keys(s3.accessKey(), s3.secretKey(), token)))) {
            store.putBytes("a", new byte[] {7});
            assertArrayEquals(new byte[] {7}, store.getBytes("a"));
        }
        // What goes on the wire: a server that records the headers of a bucket check.
        List<String> tokens = new CopyOnWriteArrayList<>();
        HttpServer recorder = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        recorder.createContext("/", exchange -> {
            tokens.add(String.valueOf(exchange.getRequestHeaders().getFirst("x-amz-security-token")));
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        recorder.start();
        try (ObjectStore store = ObjectStores.open("s3://bucket/runs", S3Settings.of(
                "http://127.0.0.1:" + recorder.getAddress().getPort(), new S3Credentials.Keys("id", "secret", token))
                .withRetry(FAST))) {
            assertThrows(StorageException.class, () -> store.stat("x"));
        } finally {
            recorder.stop(0);
        }
        assertFalse(tokens.isEmpty());
        assertEquals(List.of(token), tokens.stream().distinct().toList());
    }

    @Test
    void aRefusedRequestShowsTheSessionTokenNowhereNotEvenInTheCausesStackTrace() {
        String token = "session-token-" + UUID.randomUUID();
        try (S3TestServer s3 = S3TestServer.builder().acceptSessionTokens().start();
             ObjectStore store = ObjectStores.open(s3.uri("runs"), s3.settings().withCredentials(
                     new S3Credentials.Keys(s3.accessKey(), s3.secretKey() + "-wrong", token)))) {
            StorageException e = assertThrows(StorageException.class, () -> store.putBytes("a", new byte[] {1}));
            assertEquals(Kind.ACCESS_DENIED, e.kind(), e.getMessage());
            assertSecretAbsent(e, token);
            java.io.StringWriter trace = new java.io.StringWriter();
            e.printStackTrace(new java.io.PrintWriter(trace));
            // MinIO's exception prints the request's headers; ours keeps them, redacted.
            assertTrue(trace.toString().toLowerCase(java.util.Locale.ROOT).contains("x-amz-security-token: ****"),
                    trace.toString());
            assertFalse(trace.toString().contains(token), "the session token in a stack trace");
        }
    }

    @Test
    void sessionTokensAndWebIdentityComeFromTheEnvironment() throws IOException {
        Path secret = Files.createDirectories(temp.resolve("secret"));
        Files.writeString(secret.resolve("AWS_ACCESS_KEY_ID"), "id");
        Files.writeString(secret.resolve("AWS_SECRET_ACCESS_KEY"), "secret-value");
        Files.writeString(secret.resolve("AWS_SESSION_TOKEN"), "token-from-file\n");
        S3Settings fromFiles = S3Settings.fromEnvironment(Map.of("MDEQ_S3_ENDPOINT", "http://minio:9000",
                "MDEQ_S3_CREDENTIALS_DIR", secret.toString()));
        assertEquals(new S3Credentials.Keys("id", "secret-value", "token-from-file"), fromFiles.credentials());
        assertFalse(fromFiles.toString().contains("token-from-file"), fromFiles.toString());

        S3Settings fromVariables = S3Settings.fromEnvironment(Map.of("MDEQ_S3_ENDPOINT", "http://minio:9000",
                "AWS_ACCESS_KEY_ID", "id", "AWS_SECRET_ACCESS_KEY", "secret-value", "AWS_SESSION_TOKEN", "t0k3n-var"));
        assertEquals(new S3Credentials.Keys("id", "secret-value", "t0k3n-var"), fromVariables.credentials());

        S3Settings web = S3Settings.fromEnvironment(Map.of("MDEQ_S3_ENDPOINT", "https://s3.eu-west-1.amazonaws.com",
                "AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/secrets/mdeq/sts/token",
                "AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/mdeq", "AWS_ROLE_SESSION_NAME", "trainer",
                "MDEQ_S3_STS_ENDPOINT", "https://sts.eu-west-1.amazonaws.com/"));
        assertEquals(new S3Credentials.WebIdentity(Path.of("/var/run/secrets/mdeq/sts/token"),
                "arn:aws:iam::123456789012:role/mdeq", "trainer", "https://sts.eu-west-1.amazonaws.com"),
                web.credentials());

        StorageException e = assertThrows(StorageException.class, () -> S3Settings.fromEnvironment(Map.of(
                "MDEQ_S3_ENDPOINT", "http://minio:9000", "AWS_WEB_IDENTITY_TOKEN_FILE", "/token")));
        assertEquals(Kind.INVALID_INPUT, e.kind());
        assertTrue(e.getMessage().contains("MDEQ_S3_STS_ENDPOINT"), e.getMessage());
        e = assertThrows(StorageException.class, () -> S3Settings.fromEnvironment(Map.of(
                "MDEQ_S3_ENDPOINT", "http://minio:9000", "AWS_WEB_IDENTITY_TOKEN_FILE", "/token",
                "MDEQ_S3_STS_ENDPOINT", "sts.example.com")));
        assertTrue(e.getMessage().contains("MDEQ_S3_STS_ENDPOINT 'sts.example.com' is not valid"), e.getMessage());
    }

    @Test
    void aWebIdentityTokenIsExchangedThroughStsForKeysThatReachTheStore() throws IOException {
        String jwt = "eyJhbGciOiJSUzI1NiJ9.web-identity-" + UUID.randomUUID();
        Path tokenFile = Files.writeString(temp.resolve("token"), jwt + "\n");
        String sessionToken = "sts-session-" + UUID.randomUUID();
        try (S3TestServer s3 = S3TestServer.builder().acceptSessionTokens().start();
             TestSts sts = TestSts.start(s3.accessKey(), s3.secretKey(), sessionToken);
             ObjectStore store = ObjectStores.open(s3.uri("runs"), s3.settings().withCredentials(
                     new S3Credentials.WebIdentity(tokenFile, "arn:aws:iam::123456789012:role/mdeq", "trainer",
                             sts.endpoint())))) {
            store.putBytes("progress.json", "{}".getBytes(StandardCharsets.UTF_8));
            assertEquals("{}", new String(store.getBytes("progress.json"), StandardCharsets.UTF_8));
            assertEquals(1, sts.requests().size(), "the temporary keys are reused until they expire");
            Map<String, String> request = sts.requests().get(0);
            assertEquals("AssumeRoleWithWebIdentity", request.get("Action"));
            assertEquals(jwt, request.get("WebIdentityToken"));
            assertEquals("arn:aws:iam::123456789012:role/mdeq", request.get("RoleArn"));
            assertEquals("trainer", request.get("RoleSessionName"));
        }
    }

    @Test
    void aRefusedExchangeFailsAtOnceWithoutShowingTheToken() throws IOException {
        String jwt = "eyJhbGciOiJSUzI1NiJ9.refused-" + UUID.randomUUID();
        Path tokenFile = Files.writeString(temp.resolve("token"), jwt);
        try (S3TestServer s3 = S3TestServer.start();
             TestSts sts = TestSts.start(s3.accessKey(), s3.secretKey(), "unused");
             ObjectStore store = ObjectStores.open(s3.uri("runs"), s3.settings().withRetry(FAST).withCredentials(
                     new S3Credentials.WebIdentity(tokenFile, "arn:aws:iam::123456789012:role/other", null,
                             sts.endpoint())))) {
            sts.failWith(403);
            StorageException e = assertThrows(StorageException.class, () -> store.putBytes("a", new byte[] {1}));
            assertEquals(Kind.ACCESS_DENIED, e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains("AssumeRoleWithWebIdentity") && e.getMessage().contains("403")
                    && e.getMessage().contains("role ARN"), e.getMessage());
            assertSecretAbsent(e, jwt);
            assertEquals(1, sts.requests().size(), "a refusal is not retried");

            Files.delete(tokenFile);
            e = assertThrows(StorageException.class, () -> store.putBytes("a", new byte[] {1}));
            assertEquals(Kind.INVALID_INPUT, e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains(tokenFile.toString()), e.getMessage());
        }
        logs.list.forEach(event -> assertFalse(event.getFormattedMessage().contains(jwt), event.getFormattedMessage()));
    }

    @Test
    void aPrivateCaIsTrustedOnlyWithItsBundle() {
        try (S3TestServer s3 = S3TestServer.builder().https().start()) {
            assertTrue(s3.endpoint().startsWith("https://"), s3.endpoint());
            try (ObjectStore untrusted = ObjectStores.open(s3.uri("runs"), s3.settings().withRetry(FAST))) {
                StorageException e = assertThrows(StorageException.class, () -> untrusted.putBytes("a", new byte[] {1}));
                assertEquals(Kind.ACCESS_DENIED, e.kind(), e.getMessage());
                assertTrue(e.getMessage().contains("TLS failed") && e.getMessage().contains("MDEQ_S3_CA_BUNDLE")
                        && e.getMessage().contains(s3.endpoint()), e.getMessage());
                assertSecretAbsent(e, s3.secretKey());
            }
            try (ObjectStore trusted = ObjectStores.open(s3.uri("runs"), s3.settings().withCaBundle(s3.caPem()))) {
                trusted.putBytes("a", new byte[] {3});
                assertArrayEquals(new byte[] {3}, trusted.getBytes("a"));
            }
            // Another CA does not help: the bundle adds trust, it does not switch checks off.
            TestCertificate other = TestCertificate.create("127.0.0.1");
            try (ObjectStore wrongCa = ObjectStores.open(s3.uri("runs"), s3.settings().withCaBundle(other.pem()))) {
                StorageException e = assertThrows(StorageException.class, () -> wrongCa.putBytes("a", new byte[] {1}));
                assertTrue(e.getMessage().contains("TLS failed"), e.getMessage());
            } finally {
                other.delete();
            }
        }
    }

    @Test
    void aCaBundleComesFromAFileAndMustHoldCertificates() throws IOException {
        TestCertificate certificate = TestCertificate.create("127.0.0.1");
        try {
            Path bundle = Files.writeString(temp.resolve("ca.crt"), certificate.pem());
            S3Settings settings = S3Settings.fromEnvironment(Map.of("MDEQ_S3_ENDPOINT", "https://minio:9000",
                    "AWS_ACCESS_KEY_ID", "id", "AWS_SECRET_ACCESS_KEY", "secret-value", "MDEQ_S3_CA_BUNDLE",
                    bundle.toString()));
            assertEquals(certificate.pem(), settings.caBundle());
        } finally {
            certificate.delete();
        }
        StorageException e = assertThrows(StorageException.class,
                () -> S3Settings.of("https://minio:9000", "id", "secret").withCaBundle("not a certificate"));
        assertEquals(Kind.INVALID_INPUT, e.kind());
        assertTrue(e.getMessage().contains("BEGIN CERTIFICATE"), e.getMessage());
        e = assertThrows(StorageException.class, () -> S3Settings.of("https://minio:9000", "id", "secret")
                .withCaBundle("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
        assertTrue(e.getMessage().contains("not a valid PEM certificate bundle"), e.getMessage());
        e = assertThrows(StorageException.class, () -> S3Settings.fromEnvironment(Map.of("MDEQ_S3_ENDPOINT",
                "https://minio:9000", "AWS_ACCESS_KEY_ID", "id", "AWS_SECRET_ACCESS_KEY", "secret-value",
                "MDEQ_S3_CA_BUNDLE", temp.resolve("missing.crt").toString())));
        assertTrue(e.getMessage().contains("MDEQ_S3_CA_BUNDLE") && e.getMessage().contains("missing.crt"),
                e.getMessage());
    }
}
