package dev.mdeq.runstore.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.runstore.storage.StorageException.Kind;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.InvalidResponseException;
import io.minio.errors.ServerException;
import io.minio.messages.ErrorResponse;
import java.io.EOFException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLHandshakeException;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/** Which S3 failures are retried, and how the retry loop counts attempts and time. */
class S3ErrorsTest {
    static final String SECRET = "super-secret-value-123";
    static final String SESSION_TOKEN = "session-token-value-456";
    final S3Errors errors = new S3Errors("http://minio:9000", "bucket", new S3Credentials.Keys("id", SECRET,
            SESSION_TOKEN));

    @Test
    void stsFailuresAreTransientOnlyForServerErrorsAndBrokenConnections() {
        assertTrue(S3Errors.isTransient(new java.security.ProviderException("STS service failed with HTTP status code 503")));
        assertTrue(S3Errors.isTransient(new java.security.ProviderException("x", new ConnectException("refused"))));
        assertFalse(S3Errors.isTransient(new java.security.ProviderException("STS service failed with HTTP status code 403")));
        StorageException e = errors.fail("put", "k", new java.security.ProviderException(
                "STS service failed with HTTP status code 400"), 1, 0);
        assertEquals(StorageException.Kind.ACCESS_DENIED, e.kind());
        assertTrue(e.getMessage().contains("AssumeRoleWithWebIdentity"), e.getMessage());
    }

    @Test
    void theSessionTokenIsRedactedLikeTheSecretKey() {
        String redacted = errors.redact("signed with " + SECRET + " and " + SESSION_TOKEN);
        assertFalse(redacted.contains(SECRET) || redacted.contains(SESSION_TOKEN), redacted);
    }

    @Test
    void networkErrorsTimeoutsServerErrorsAndThrottlingAreTransient() {
        assertTrue(S3Errors.isTransient(new ConnectException("Connection refused")));
        assertTrue(S3Errors.isTransient(new SocketException("Connection reset")));
        assertTrue(S3Errors.isTransient(new SocketTimeoutException("timeout")));
        assertTrue(S3Errors.isTransient(new EOFException("unexpected end of stream")));
        assertTrue(S3Errors.isTransient(s3Error("InternalError", 500)));
        assertTrue(S3Errors.isTransient(s3Error("ServiceUnavailable", 503)));
        assertTrue(S3Errors.isTransient(s3Error("SlowDown", 503)));
        assertTrue(S3Errors.isTransient(s3Error("SomethingNew", 502)));
        assertTrue(S3Errors.isTransient(s3Error("TooManyRequests", 429)));
        assertTrue(S3Errors.isTransient(s3Error("RequestTimeout", 400)), "S3 asks to retry its RequestTimeout");
        assertTrue(S3Errors.isTransient(new ServerException("server failed with HTTP status code 502", 502, "")));
        assertTrue(S3Errors.isTransient(new InvalidResponseException(503, "text/html", "<html>", "")));
    }

    @Test
    void clientErrorsAndCertificateProblemsAreNot() {
        for (String code : new String[] {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "NoSuchKey",
            "NoSuchBucket", "InvalidArgument"}) {
            assertFalse(S3Errors.isTransient(s3Error(code, code.startsWith("NoSuch") ? 404 : 403)), code);
        }
        assertFalse(S3Errors.isTransient(new InvalidResponseException(403, "text/html", "<html>", "")));
        assertFalse(S3Errors.isTransient(new SSLHandshakeException("PKIX path building failed")));
        assertFalse(S3Errors.isTransient(new IllegalArgumentException("bad")));
    }

    @Test
    void failuresBecomeKindsWithMessagesNamingTheOperationObjectAndEndpoint() {
        StorageException denied = errors.fail("put", "runs/x", s3Error("SignatureDoesNotMatch", 403), 1, 0);
        assertEquals(Kind.ACCESS_DENIED, denied.kind());
        assertTrue(denied.getMessage().startsWith("put s3://bucket/runs/x at http://minio:9000: access denied"),
                denied.getMessage());
        assertEquals(Kind.NOT_FOUND, errors.fail("get", "k", s3Error("NoSuchKey", 404), 1, 0).kind());
        StorageException bucket = errors.fail("list", "k", s3Error("NoSuchBucket", 404), 1, 0);
        assertEquals(Kind.NO_SUCH_BUCKET, bucket.kind());
        assertTrue(bucket.getMessage().contains("bucket 'bucket' does not exist"), bucket.getMessage());
        StorageException down = errors.fail("get", "k", new ConnectException("refused"), 4, 2_500_000_000L);
        assertEquals(Kind.UNAVAILABLE, down.kind());
        assertTrue(down.getMessage().contains("unavailable after 4 attempts in 2.5 s"), down.getMessage());
        assertEquals(Kind.FAILED, errors.fail("put", "k", s3Error("InvalidArgument", 400), 1, 0).kind());
    }

    @Test
    void aSecretThatSomehowReachedAServerMessageIsRedacted() {
        StorageException e = errors.fail("put", "k", s3Error("AccessDenied", 403, "key " + SECRET + " refused"), 1, 0);
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
        assertTrue(e.getMessage().contains("key **** refused"), e.getMessage());
    }

    @Test
    void theRetrierRetriesTransientFailuresThenSucceeds() {
        Retrier retrier = new Retrier(new RetryPolicy(5, Duration.ofMillis(1), Duration.ofMillis(5),
                Duration.ofSeconds(5)), errors);
        AtomicInteger calls = new AtomicInteger();
        String result = retrier.call("get", "k", () -> {
            if (calls.incrementAndGet() < 3) {
                throw new ConnectException("refused");
            }
            return "done";
        });
        assertEquals("done", result);
        assertEquals(3, calls.get());
    }

    @Test
    void theRetrierStopsAtOnceOnAPermanentFailure() {
        Retrier retrier = new Retrier(new RetryPolicy(5, Duration.ofMillis(1), Duration.ofMillis(5),
                Duration.ofSeconds(5)), errors);
        AtomicInteger calls = new AtomicInteger();
        StorageException e = assertThrows(StorageException.class, () -> retrier.call("get", "k", () -> {
            calls.incrementAndGet();
            throw s3Error("AccessDenied", 403);
        }));
        assertEquals(Kind.ACCESS_DENIED, e.kind());
        assertEquals(1, calls.get());
    }

    @Test
    void theRetrierStopsAtTheAttemptLimitAndAtTheTimeBudget() {
        AtomicInteger calls = new AtomicInteger();
        Retrier fewAttempts = new Retrier(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(2),
                Duration.ofSeconds(10)), errors);
        StorageException e = assertThrows(StorageException.class, () -> fewAttempts.call("get", "k", () -> {
            calls.incrementAndGet();
            throw new ConnectException("refused");
        }));
        assertEquals(Kind.UNAVAILABLE, e.kind());
        assertEquals(3, calls.get());

        calls.set(0);
        Retrier shortBudget = new Retrier(new RetryPolicy(1000, Duration.ofMillis(40), Duration.ofMillis(40),
                Duration.ofMillis(300)), errors);
        long start = System.nanoTime();
        assertThrows(StorageException.class, () -> shortBudget.call("get", "k", () -> {
            calls.incrementAndGet();
            throw new SocketTimeoutException("timeout");
        }));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 300 + 200, "took " + millis + " ms for a 300 ms budget");
        assertTrue(calls.get() > 1 && calls.get() < 1000, calls.get() + " attempts");
    }

    @Test
    void backoffHasFullJitterUnderAnExponentialCap() {
        RetryPolicy policy = new RetryPolicy(10, Duration.ofMillis(100), Duration.ofMillis(1000), Duration.ofMinutes(1));
        long[] caps = {100, 200, 400, 800, 1000, 1000};
        for (int retry = 1; retry <= caps.length; retry++) {
            long max = 0;
            long min = Long.MAX_VALUE;
            for (int i = 0; i < 2000; i++) {
                long millis = policy.backoff(retry).toMillis();
                max = Math.max(max, millis);
                min = Math.min(min, millis);
            }
            long cap = caps[retry - 1];
            assertTrue(max <= cap && max > cap * 0.9, "retry " + retry + ": max " + max + " for cap " + cap);
            assertTrue(min < cap * 0.1, "retry " + retry + ": min " + min + " (full jitter starts near 0)");
        }
        assertEquals(Duration.ZERO, RetryPolicy.NONE.backoff(1));
        assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO,
                Duration.ZERO));
    }

    static ErrorResponseException s3Error(String code, int status) {
        return s3Error(code, status, "message of " + code);
    }

    static ErrorResponseException s3Error(String code, int status, String message) {
        Response response = new Response.Builder().request(new Request.Builder().url("http://minio:9000/b/k").build())
                .protocol(Protocol.HTTP_1_1).code(status).message("status " + status).build();
        return new ErrorResponseException(new ErrorResponse(code, message, "bucket", "k", "/bucket/k", "id", "host"),
                response, "");
    }
}
