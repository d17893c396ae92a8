package dev.mdeq.runstore.lease;

import java.time.Duration;

/**
 * How a trainer holds its run's lease.
 *
 * @param duration how long the lease lasts without renewal; renewed every third of it
 * @param maxWait how long a trainer waits at the start for a lease held by another host's trainer to
 *     be released or to expire before it gives up
 * @param takeOver take the lease at once even when another trainer holds it (that one stops at its
 *     next write): for a lease whose holder is certainly gone
 */
public record LeaseSettings(Duration duration, Duration maxWait, boolean takeOver) {
    /** The default lease: 60 s. */
    public static final Duration DEFAULT_DURATION = Duration.ofSeconds(60);
    /** The default wait for another trainer's lease: 120 s. */
    public static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(120);

    public LeaseSettings {
        if (duration.compareTo(Duration.ofMillis(300)) < 0) {
            throw new IllegalArgumentException("the lease duration must be at least 0.3 s, got " + duration);
        }
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("the lease wait must not be negative, got " + maxWait);
        }
    }

    /** 60 s leases, up to 120 s of waiting, no forced take-over. */
    public static LeaseSettings defaults() {
        return new LeaseSettings(DEFAULT_DURATION, DEFAULT_MAX_WAIT, false);
    }

    /** How often the holder renews: a third of the duration, so two renewals may fail in a row. */
    public Duration renewEvery() {
        return duration.dividedBy(3);
    }

    /** How often a waiting trainer looks at the lease again: a sixth of the duration, 0.1 to 5 s. */
    public Duration poll() {
        Duration sixth = duration.dividedBy(6);
        Duration atMost = Duration.ofSeconds(5);
        Duration atLeast = Duration.ofMillis(100);
        return sixth.compareTo(atMost) > 0 ? atMost : sixth.compareTo(atLeast) < 0 ? atLeast : sixth;
    }
}
