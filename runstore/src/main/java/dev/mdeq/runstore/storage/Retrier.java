package dev.mdeq.runstore.storage;

import dev.mdeq.runstore.storage.StorageException.Kind;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs S3 calls under a {@link RetryPolicy}: transient failures are retried, others fail at once. */
final class Retrier {
    private static final Logger LOG = LoggerFactory.getLogger(S3ObjectStore.class);

    /** One attempt of an S3 call. */
    interface Attempt<T> {
        T run() throws Exception;
    }

    private final RetryPolicy policy;
    private final S3Errors errors;

    Retrier(RetryPolicy policy, S3Errors errors) {
        this.policy = policy;
        this.errors = errors;
    }

    RetryPolicy policy() {
        return policy;
    }

    /** Runs {@code attempt} until it succeeds, fails permanently, or the policy's budget is spent. */
    <T> T call(String operation, String objectName, Attempt<T> attempt) {
        return call(operation, objectName, System.nanoTime(), attempt);
    }

    /** As {@link #call(String, String, Attempt)}, with the budget counted from {@code startNanos}. */
    <T> T call(String operation, String objectName, long startNanos, Attempt<T> attempt) {
        for (int number = 1; ; number++) {
            try {
                return attempt.run();
            } catch (StorageException e) {
                throw e;
            } catch (Exception e) {
                for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
                    if (cause instanceof StorageException own) {
                        throw own; // ours, from inside the client (a web identity token file that cannot be read)
                    }
                }
                long elapsed = System.nanoTime() - startNanos;
                if (!S3Errors.isTransient(e) || Thread.currentThread().isInterrupted()) {
                    throw errors.fail(operation, objectName, e, number, elapsed);
                }
                Duration delay = policy.backoff(number);
                if (number >= policy.maxAttempts() || elapsed + delay.toNanos() > policy.totalBudget().toNanos()) {
                    throw errors.fail(operation, objectName, e, number, elapsed);
                }
                LOG.warn("{} {} failed ({}); retry {} of {} in {} ms", operation, errors.location(objectName),
                        errors.brief(e), number, policy.maxAttempts() - 1, delay.toMillis());
                sleep(delay, operation, objectName);
            }
        }
    }

    private void sleep(Duration delay, String operation, String objectName) {
        try {
            Thread.sleep(delay.toMillis(), (int) (delay.toNanos() % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException(Kind.FAILED, operation + " " + errors.location(objectName)
                    + ": interrupted while waiting to retry", e);
        }
    }
}
