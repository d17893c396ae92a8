package dev.mdeq.runstore.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.mdeq.runstore.storage.StorageException.Kind;
import dev.mdeq.runstore.testing.S3TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import okhttp3.Dns;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The contract against s3proxy over the real S3 protocol, plus what only a network store can get
 * wrong: credentials, missing buckets, outages, secrets in messages.
 */
class S3ObjectStoreTest extends ObjectStoreContractTest {
    static S3TestServer server;

    final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeAll
    static void startServer() {
        server = S3TestServer.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void captureLogs() {
        logs.start();
        storeLogger().addAppender(logs);
    }

    @AfterEach
    void releaseLogs() {
        storeLogger().detachAppender(logs);
    }

    @Override
    ObjectStore openStore(String name) {
        return server.open("contract/" + name + "-" + UUID.randomUUID().toString().substring(0, 8));
    }

    @Override
    ObjectStore openStoreThatFailsOnAnyRequest() {
        return ObjectStores.open("s3://no-server/x", server.settings().withEndpoint("http://127.0.0.1:" + freePort())
                .withRetry(RetryPolicy.NONE));
    }

    /** Seeds the server's storage directly: 1,200 PUTs would take 10-30 s on a loaded 2-core machine. */
    @Override
    void createObjects(List<String> keys) {
        String prefix = store.root().path();
        keys.forEach(key -> server.putDirectly(prefix + "/" + key, new byte[] {1}));
    }

    @Test
    void aWrongAccessKeyFailsAtOnceNamingWhereAndWhatButNotTheSecret() {
        S3Settings wrong = server.settings().withCredentials("no-such-access-key", server.secretKey())
                .withRetry(new RetryPolicy(6, Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofSeconds(20)));
        try (ObjectStore store = ObjectStores.open(server.uri("runs/ns/job"), wrong)) {
            long start = System.nanoTime();
            StorageException e = assertThrows(StorageException.class,
                    () -> store.putBytes("config.yaml", new byte[] {1}));
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertEquals(Kind.ACCESS_DENIED, e.kind());
            assertTrue(millis < 2000, "failed after " + millis + " ms: no retries on access errors");
            assertTrue(logs.list.isEmpty(), "no retry was logged: " + logs.list);
            String message = e.getMessage();
            for (String part : List.of(server.endpoint(), server.bucket(), "put", "runs/ns/job/config.yaml",
                    "access denied", "InvalidAccessKeyId", "AWS_SECRET_ACCESS_KEY")) {
                assertTrue(message.contains(part), "'" + part + "' missing in: " + message);
            }
            assertSecretAbsent(e, server.secretKey());
        }
    }

    @Test
    void aWrongSecretFailsAtOnceOnEveryOperation() {
        String wrongSecret = "wrong-secret-" + UUID.randomUUID();
        S3Settings wrong = server.settings().withCredentials(server.accessKey(), wrongSecret);
        try (ObjectStore store = ObjectStores.open(server.uri("x"), wrong)) {
            List<Consumer<ObjectStore>> operations = List.of(s -> s.putBytes("k", new byte[] {1}), s -> s.get("k"),
                    s -> s.list(""), s -> s.delete("k"), s -> s.stat("k"));
            for (Consumer<ObjectStore> operation : operations) {
                StorageException e = assertThrows(StorageException.class, () -> operation.accept(store));
                assertEquals(Kind.ACCESS_DENIED, e.kind(), e.getMessage());
                assertTrue(e.getMessage().contains(server.endpoint()) && e.getMessage().contains(server.bucket()),
                        e.getMessage());
                assertSecretAbsent(e, wrongSecret);
                assertSecretAbsent(e, server.secretKey());
            }
        }
        assertTrue(logs.list.isEmpty(), "no retry was logged: " + logs.list);
    }

    @Test
    void aMissingBucketIsNamed() {
        try (ObjectStore store = ObjectStores.open("s3://no-such-bucket/runs", server.settings())) {
            List<Consumer<ObjectStore>> operations = List.of(s -> s.putBytes("k", new byte[] {1}), s -> s.getBytes("k"),
                    s -> s.list(""), s -> s.stat("k"), s -> s.readPointer("LATEST"));
            for (Consumer<ObjectStore> operation : operations) {
                StorageException e = assertThrows(StorageException.class, () -> operation.accept(store));
                assertEquals(Kind.NO_SUCH_BUCKET, e.kind(), e.getMessage());
                assertTrue(e.getMessage().contains("bucket 'no-such-bucket' does not exist"), e.getMessage());
            }
        }
    }

    @Test
    void anUnreachableEndpointFailsAfterBoundedRetriesWithinTheBudget() {
        RetryPolicy policy = new RetryPolicy(5, Duration.ofMillis(50), Duration.ofMillis(400), Duration.ofSeconds(2));
        String endpoint = "http://127.0.0.1:" + freePort();
        try (ObjectStore store = ObjectStores.open(server.uri("x"),
                server.settings().withEndpoint(endpoint).withRetry(policy))) {
            long start = System.nanoTime();
            StorageException e = assertThrows(StorageException.class, () -> store.putBytes("k", new byte[] {1}));
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertEquals(Kind.UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().contains(endpoint) && e.getMessage().contains("put"), e.getMessage());
            assertTrue(e.getMessage().matches("(?s).*unavailable after [2-5] attempts.*"), e.getMessage());
            assertTrue(millis <= 2000 + 1000, "took " + millis + " ms for a 2 s budget");
            int retries = logs.list.size();
            assertTrue(retries >= 1 && retries <= 4, retries + " retries logged");
            assertTrue(logs.list.get(0).getFormattedMessage().contains("retry 1 of 4"),
                    logs.list.get(0).getFormattedMessage());
        }
    }

    @Test
    void aServerStoppedMidDownloadEndsInAClearErrorWithinTheBudget() throws IOException {
        try (S3TestServer own = S3TestServer.start();
                ObjectStore store = own.open("outage")) {
            byte[] data = randomBytes(20 * MB, 11);
            store.putBytes("big.bin", data);
            InputStream in = store.get("big.bin");
            assertEquals(MB, in.readNBytes(MB).length);
            own.stop();

            long start = System.nanoTime();
            StorageException e = assertThrows(StorageException.class, in::readAllBytes);
            long millis = (System.nanoTime() - start) / 1_000_000;
            in.close();

            assertEquals(Kind.UNAVAILABLE, e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains("get s3://" + own.bucket() + "/outage/big.bin at " + own.endpoint()),
                    e.getMessage());
            long budget = own.settings().retry().totalBudget().toMillis();
            assertTrue(millis <= budget + 1000, "took " + millis + " ms for a " + budget + " ms budget");
            assertFalse(logs.list.isEmpty(), "the broken connection was retried");
            assertSecretAbsent(e, own.secretKey());
        }
    }

    @Test
    void aServerStoppedDuringAnUploadEndsInAClearErrorWithinTheBudget() throws IOException {
        try (S3TestServer own = S3TestServer.start();
                ObjectStore store = own.open("outage")) {
            Path file = temp.resolve("upload.bin");
            writeRandomFile(file, 60 * MB, 5);
            Thread stopper = new Thread(() -> {
                sleep(150);
                own.stop();
            });
            stopper.start();
            long start = System.nanoTime();
            StorageException e = assertThrows(StorageException.class, () -> store.put("big.bin", file));
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertEquals(Kind.UNAVAILABLE, e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains("put s3://" + own.bucket() + "/outage/big.bin"), e.getMessage());
            long budget = own.settings().retry().totalBudget().toMillis();
            // generous slack: the attempt in flight when the server stops ends on its own I/O timeout,
            // which a loaded 2-core machine stretches; without a budget the retries would go on for minutes
            assertTrue(millis <= budget + 15_000, "took " + millis + " ms for a " + budget + " ms budget");
        }
    }

    @Test
    void aDownloadResumesWhenTheServerComesBack() throws Exception {
        try (S3TestServer own = S3TestServer.start();
                ObjectStore store = ObjectStores.open(own.uri("flaky"), own.settings().withRetry(
                        new RetryPolicy(30, Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofSeconds(5))))) {
            byte[] data = randomBytes(20 * MB, 12);
            store.putBytes("big.bin", data);
            try (InputStream in = store.get("big.bin")) {
                byte[] head = in.readNBytes(MB);
                own.stop();
                Thread restarter = new Thread(() -> {
                    sleep(200);
                    own.restart();
                });
                restarter.start();
                byte[] rest = in.readAllBytes();
                restarter.join();
                byte[] all = new byte[head.length + rest.length];
                System.arraycopy(head, 0, all, 0, head.length);
                System.arraycopy(rest, 0, all, head.length, rest.length);
                assertEquals(sha256(data), sha256(all));
            }
            assertTrue(logs.list.stream().anyMatch(event -> event.getFormattedMessage().contains("resuming")),
                    "the download resumed: " + logs.list);
        }
    }

    @Test
    void virtualHostStyleSendsTheBucketInTheHostName() {
        try (S3TestServer own = S3TestServer.builder().virtualHostDomain("s3.test").start()) {
            List<String> lookedUp = Collections.synchronizedList(new ArrayList<>());
            Dns dns = host -> {
                lookedUp.add(host);
                return List.of(InetAddress.getLoopbackAddress());
            };
            S3Settings settings = own.settings().withEndpoint("http://s3.test:" + own.port()).withPathStyle(false);
            try (ObjectStore store = new S3ObjectStore(StoreUri.parse(own.uri("vh")), settings, dns)) {
                store.putBytes("a/b", "virtual".getBytes(StandardCharsets.UTF_8));
                assertEquals("virtual", new String(store.getBytes("a/b"), StandardCharsets.UTF_8));
                assertEquals(List.of("a/b"), keys(store.list("")));
            }
            assertTrue(lookedUp.contains(own.bucket() + ".s3.test"), lookedUp.toString());
            assertFalse(lookedUp.contains("s3.test"), lookedUp.toString());
        }
    }

    @Test
    void anObjectWrittenThroughS3IsReadableThroughAChildAndTheEnvironment() {
        store.putBytes("runs/ns/job/progress.json", "{}".getBytes(StandardCharsets.UTF_8));
        try (var env = ObjectStores.overrideEnvironment(server.environment());
                ObjectStore viaEnvironment = ObjectStores.open(store.root().resolve("runs/ns").toString())) {
            assertArrayEquals("{}".getBytes(StandardCharsets.UTF_8), viaEnvironment.getBytes("job/progress.json"));
        }
    }

    @Test
    void secretsNeverAppearInMessagesOrLogs() {
        String secret = server.secretKey();
        List<Runnable> failures = List.of(
                () -> ObjectStores.open(server.uri("x"), server.settings().withCredentials("bad", secret)).list(""),
                () -> ObjectStores.open(server.uri("x"), server.settings().withCredentials(server.accessKey(),
                        secret + "x")).getBytes("k"),
                () -> ObjectStores.open(server.uri("x"), server.settings().withEndpoint("http://127.0.0.1:"
                        + freePort())).putBytes("k", new byte[] {1}),
                () -> ObjectStores.open("s3://no-such-bucket", server.settings()).stat("k"));
        for (Runnable failure : failures) {
            StorageException e = assertThrows(StorageException.class, failure::run);
            assertSecretAbsent(e, secret);
        }
        assertFalse(logs.list.isEmpty(), "the unreachable endpoint logged its retries");
        for (ILoggingEvent event : logs.list) {
            assertFalse(event.getFormattedMessage().contains(secret), event.getFormattedMessage());
        }
        assertFalse(server.settings().toString().contains(secret), server.settings().toString());
    }

    static void assertSecretAbsent(Throwable error, String secret) {
        for (Throwable e = error; e != null; e = e.getCause()) {
            assertFalse(String.valueOf(e.getMessage()).contains(secret), "secret in message of " + e);
            assertFalse(e.toString().contains(secret), "secret in " + e.getClass());
            for (Throwable suppressed : e.getSuppressed()) {
                assertSecretAbsent(suppressed, secret);
            }
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Logger storeLogger() {
        return (Logger) LoggerFactory.getLogger(S3ObjectStore.class);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
