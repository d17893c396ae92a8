package dev.mdeq.runstore.storage;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How transient storage failures are retried: exponential backoff with full jitter (the delay
 * before retry {@code n} is uniform in {@code [0, min(maxBackoff, initialBackoff * 2^(n-1))]}),
 * bounded both by a number of attempts and by a total time budget. A retry that would end after
 * the budget is not started: the operation fails with {@link StorageException.Kind#UNAVAILABLE}.
 *
 * @param maxAttempts attempts in all, at least 1 (1 = no retry)
 * @param initialBackoff the cap of the first delay
 * @param maxBackoff the largest cap of any delay
 * @param totalBudget the time from the first attempt after which no new attempt starts
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration totalBudget) {

    /** For services: 10 attempts, delays capped at 0.25 s, 0.5 s, 1 s, ... 30 s, within 3 minutes. */
    public static final RetryPolicy DEFAULT =
            new RetryPolicy(10, Duration.ofMillis(250), Duration.ofSeconds(30), Duration.ofMinutes(3));

    /** A single attempt. */
    public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ZERO);

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("retry policy: maxAttempts must be at least 1, not " + maxAttempts);
        }
        if (initialBackoff.isNegative() || maxBackoff.isNegative() || totalBudget.isNegative()) {
            throw new IllegalArgumentException("retry policy: durations must not be negative: " + initialBackoff
                    + ", " + maxBackoff + ", " + totalBudget);
        }
    }

    /** The delay before retry number {@code retry} (1 = the first retry), with full jitter. */
    public Duration backoff(int retry) {
        long cap = initialBackoff.toNanos();
        for (int i = 1; i < retry && cap < maxBackoff.toNanos(); i++) {
            cap *= 2;
        }
        cap = Math.min(cap, maxBackoff.toNanos());
        return cap <= 0 ? Duration.ZERO : Duration.ofNanos(ThreadLocalRandom.current().nextLong(cap + 1));
    }
}
