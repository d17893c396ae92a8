package dev.mdeq.runstore.lease;

import java.time.Duration;
import java.time.Instant;

/**
 * A run's lease as stored in {@code lease/<token>.json}. The object of the highest token is the
 * current lease; each take-over writes the next token, and only its holder rewrites it (renewal,
 * release).
 *
 * @param token the fencing token: 1 for the first holder, one more at each take-over
 * @param holder who holds it
 * @param acquired when the holder took it
 * @param renewed the holder's last renewal
 * @param expires when it ends unless renewed again (by the holder's clock)
 * @param released true once the holder ended and let go: the next trainer need not wait
 */
public record LeaseRecord(long token, LeaseHolder holder, Instant acquired, Instant renewed, Instant expires,
        boolean released) {

    static LeaseRecord taken(long token, LeaseHolder holder, Instant now, Duration duration) {
        return new LeaseRecord(token, holder, now, now, now.plus(duration), false);
    }

    LeaseRecord renewedAt(Instant now, Duration duration) {
        return new LeaseRecord(token, holder, acquired, now, now.plus(duration), false);
    }

    LeaseRecord releasedAt(Instant now) {
        return new LeaseRecord(token, holder, acquired, renewed, now, true);
    }

    /** True from {@link #expires} on. */
    public boolean expiredAt(Instant now) {
        return !now.isBefore(expires);
    }

    /** {@code host pid 12 (started ...), lease token 3, renewed ..., expires ...}. */
    public String describe() {
        return holder.describe() + ", lease token " + token + (released ? ", released " + expires
                : ", renewed " + renewed + ", expires " + expires);
    }
}
