package dev.mdeq.runstore.lease;

import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.ObjectInfo;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.storage.StorageException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One writer per run folder: the lease a trainer holds on its run while it writes it.
 *
 * <p>The lease is the object {@code lease/<token>.json} ({@link LeaseRecord}) with the highest
 * token. A trainer takes the run by creating the next token's object with a create-only write
 * ({@link ObjectStore#putBytesIfAbsent}: of two trainers racing, one wins), and only when the
 * current lease is free: released by its holder, expired (not renewed in time), or held by a process
 * of this same host that has ended (a restarted container of the same pod, a trainer killed on this
 * machine), or when asked to take over. A lease held by a live process of this machine is refused at
 * once; one held by another host is waited for, up to {@link LeaseSettings#maxWait}.
 *
 * <p>The holder renews its object every third of the lease's duration ({@link #startRenewing}) and
 * checks before every write ({@link #check}, through {@link #fence}) that its object is still the
 * newest one and unchanged: a trainer whose run was taken over learns it before it writes and fails
 * with a {@link RunLeaseException}; it never overwrites its successor's checkpoints or heartbeat.
 * On its way out it releases the lease, so the next trainer starts at once.
 *
 * <p>Expiry compares the holder's clock (which wrote {@code expires}) with the taker's: clocks
 * that differ by less than two thirds of the duration (40 s by default) never let a renewing holder's
 * lease look expired. See docs/storage.md for what each store guarantees.
 */
public final class RunLease implements AutoCloseable {
    private static final Pattern TOKEN_KEY = Pattern.compile("^" + Pattern.quote(RunLayout.LEASE) + "(\\d{12})\\.json$");

    /** Waits between looks at a lease held by another trainer (tests advance a clock instead). */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final ObjectStore run;
    private final LeaseSettings settings;
    private final LeaseHolder me;
    private final Clock clock;
    private final Sleeper sleeper;
    private final Consumer<String> log;
    private LeaseRecord record;
    /** The ETag of our lease object as last written by us: any other write changes it. */
    private String etag;
    private volatile RunLeaseException lost;
    private boolean released;
    private Thread renewer;
    private Thread releaseAtExit;

    private RunLease(ObjectStore run, LeaseSettings settings, LeaseHolder me, Clock clock, Sleeper sleeper,
            Consumer<String> log) {
        this.run = run;
        this.settings = settings;
        this.me = me;
        this.clock = clock;
        this.sleeper = sleeper;
        this.log = log;
    }

    /**
     * Takes the run's lease for this process, waiting for another host's trainer as the settings
     * allow, and releases it when the JVM exits (unless {@link #close} did before).
     *
     * @throws RunLeaseException when another trainer holds the run and this one may not take it
     */
    public static RunLease acquire(ObjectStore run, LeaseSettings settings, Consumer<String> log) {
        RunLease lease = acquire(run, settings, LeaseHolder.current(), Clock.systemUTC(),
                duration -> Thread.sleep(duration.toMillis()), log);
        lease.releaseAtExit = new Thread(lease::release, "mdeq-lease-release");
        Runtime.getRuntime().addShutdownHook(lease.releaseAtExit);
        return lease;
    }

    /** {@link #acquire(ObjectStore, LeaseSettings, Consumer)} for a given holder, clock and sleeper (tests). */
    public static RunLease acquire(ObjectStore run, LeaseSettings settings, LeaseHolder me, Clock clock,
            Sleeper sleeper, Consumer<String> log) {
        RunLease lease = new RunLease(run, settings, me, clock, sleeper, log);
        lease.take();
        return lease;
    }

    /** The fencing token of this lease: one more than the lease it followed. */
    public synchronized long token() {
        return record.token();
    }

    /** The lease as last written by this holder. */
    public synchronized LeaseRecord record() {
        return record;
    }

    /** A view of {@code store} that checks this lease before every write. */
    public ObjectStore fence(ObjectStore store) {
        return new FencedObjectStore(store, this);
    }

    /**
     * Before a write: fails with a {@link RunLeaseException} when another trainer has taken the run
     * (or the lease object was removed or changed). When this holder's own lease has run out
     * (renewals failed, or the process was paused), it renews first, which fails the same way if a
     * successor took the run meanwhile. One listing of {@code lease/} per call.
     */
    public synchronized void check() {
        throwIfLost();
        if (released) {
            throw new RunLeaseException("the lease of " + run.root() + " (token " + record.token()
                    + ") was released: this trainer writes nothing more");
        }
        if (record.expiredAt(clock.instant())) {
            renew();
        } else {
            verify();
        }
    }

    /** Fails when a check or renewal found the lease lost; costs nothing (no request). */
    public void throwIfLost() {
        RunLeaseException e = lost;
        if (e != null) {
            throw e;
        }
    }

    /** Extends the lease by its duration, after checking it is still ours. */
    public synchronized void renew() {
        throwIfLost();
        verify();
        Instant now = clock.instant();
        write(record.renewedAt(now, settings.duration()));
    }

    /**
     * Renews the lease every {@link LeaseSettings#renewEvery} on a daemon thread until it is
     * released or lost. A renewal the store refuses is tried again at the next turn (the lease
     * lasts three turns); a lost lease ends the thread, and the next write fails.
     */
    public synchronized void startRenewing() {
        if (renewer != null) {
            return;
        }
        renewer = new Thread(this::renewUntilStopped, "mdeq-lease-renewer");
        renewer.setDaemon(true);
        renewer.start();
    }

    private void renewUntilStopped() {
        while (true) {
            try {
                sleeper.sleep(settings.renewEvery());
            } catch (InterruptedException e) {
                return;
            }
            synchronized (this) {
                if (released || lost != null) {
                    return;
                }
            }
            try {
                renew();
            } catch (RunLeaseException e) {
                log.accept(e.getMessage());
                return;
            } catch (StorageException e) {
                log.accept("cannot renew the lease of " + run.root() + " (" + e.getMessage() + "); trying again in "
                        + settings.renewEvery().toMillis() / 1000.0 + " s; it expires at " + record().expires());
            }
        }
    }

    /**
     * Lets go of the lease (marks it released, so the next trainer need not wait for it to expire).
     * Does nothing when it was lost or released already; a store that does not answer is logged
     * (the lease then simply expires).
     */
    public synchronized void release() {
        if (released) {
            return;
        }
        released = true;
        if (renewer != null) {
            renewer.interrupt();
        }
        if (lost != null) {
            return;
        }
        try {
            verify();
            write(record.releasedAt(clock.instant()));
            log.accept("released the lease of " + run.root() + " (token " + record.token() + ")");
        } catch (RunLeaseException e) {
            // taken over: nothing of ours to release
        } catch (StorageException e) {
            log.accept("cannot release the lease of " + run.root() + " (" + e.getMessage()
                    + "); the next trainer waits until it expires at " + record.expires());
        }
    }

    /** Releases the lease and stops renewing. */
    @Override
    public void close() {
        release();
        if (releaseAtExit != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(releaseAtExit);
            } catch (IllegalStateException e) {
                // the JVM is exiting: the hook runs release() again, which does nothing now
            }
        }
    }

    // ------------------------------------------------------------------ taking the lease

    private synchronized void take() {
        Instant deadline = clock.instant().plus(settings.maxWait());
        Long announced = null;
        while (true) {
            Optional<LeaseRecord> current = readCurrent();
            Instant now = clock.instant();
            if (current.isEmpty()) {
                if (create(1, null, null)) {
                    return;
                }
                continue;
            }
            LeaseRecord held = current.get();
            if (held.holder().sameAs(me)) {
                // our own create, whose answer was lost and retried
                record = held;
                etag = run.stat(RunLayout.lease(held.token())).map(ObjectInfo::etag).orElse(null);
                return;
            }
            LeaseHolder.Liveness liveness = held.holder().livenessSeenFrom(me);
            String free = freeBecause(held, now, liveness);
            if (free != null) {
                if (create(held.token() + 1, held, free)) {
                    return;
                }
                continue;
            }
            if (liveness == LeaseHolder.Liveness.ALIVE) {
                throw new RunLeaseException("the run folder " + run.root() + " is being trained by another process "
                        + "on this machine: " + held.describe() + ". Stop that trainer first, or train in another "
                        + "run folder");
            }
            if (!now.isBefore(deadline)) {
                throw new RunLeaseException("the run folder " + run.root() + " is held by another trainer: "
                        + held.describe() + "; waited " + seconds(settings.maxWait()) + " for it to be released or "
                        + "to expire. Stop that trainer or let it end; if it is certainly gone, --take-over "
                        + "takes the run at once (a trainer still running then stops at its next write)");
            }
            if (announced == null || announced != held.token()) {
                log.accept("the run folder " + run.root() + " is held by another trainer: " + held.describe()
                        + "; waiting up to " + seconds(settings.maxWait()) + " for it to be released or to expire");
                announced = held.token();
            }
            Duration left = Duration.between(now, deadline);
            try {
                sleeper.sleep(left.compareTo(settings.poll()) < 0 ? left : settings.poll());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RunLeaseException("interrupted while waiting for the lease of " + run.root(), e);
            }
        }
    }

    /** Why the lease {@code held} may be taken now, or null when it may not. */
    private String freeBecause(LeaseRecord held, Instant now, LeaseHolder.Liveness liveness) {
        if (held.released()) {
            return "released by " + held.holder().describe() + " at " + held.expires();
        }
        if (held.expiredAt(now)) {
            return "its lease expired at " + held.expires() + ", not renewed by " + held.holder().describe();
        }
        if (liveness == LeaseHolder.Liveness.ENDED) {
            return "its holder, " + held.holder().describe() + " on this machine, has ended";
        }
        if (settings.takeOver()) {
            return "taken over on request (--take-over) from " + held.holder().describe() + ", whose lease expires "
                    + held.expires();
        }
        return null;
    }

    /**
     * Creates the lease object of {@code token} unless another trainer did first; reads it back, so
     * that a server ignoring the create-only condition still lets only one of two creators win.
     */
    private boolean create(long token, LeaseRecord previous, String why) {
        LeaseRecord mine = LeaseRecord.taken(token, me, clock.instant(), settings.duration());
        String key = RunLayout.lease(token);
        if (!run.putBytesIfAbsent(key, RunJson.write(mine))) {
            return false;
        }
        Optional<ObjectInfo> info = run.stat(key);
        Optional<LeaseRecord> there = read(key);
        if (info.isEmpty() || there.isEmpty() || !there.get().holder().sameAs(me)) {
            return false;
        }
        record = mine;
        etag = info.get().etag();
        log.accept("holding the lease of " + run.root() + " (token " + token + ", " + seconds(settings.duration())
                + ", renewed every " + seconds(settings.renewEvery()) + ")"
                + (previous == null ? "" : "; took the run over: " + why));
        prune(token);
        return true;
    }

    /** Deletes lease objects older than the one before {@code token} (kept to tell who held it last). */
    private void prune(long token) {
        for (ObjectInfo info : run.list(RunLayout.LEASE)) {
            long older = tokenOf(info.key());
            if (older >= 0 && older < token - 1) {
                try {
                    run.delete(info.key());
                } catch (StorageException e) {
                    return; // untidy, not wrong: the next take-over tries again
                }
            }
        }
    }

    // ------------------------------------------------------------------ reading and checking

    /** Writes our lease object and remembers its new ETag. */
    private void write(LeaseRecord next) {
        String key = RunLayout.lease(next.token());
        run.putBytes(key, RunJson.write(next));
        record = next;
        etag = run.stat(key).map(ObjectInfo::etag).orElse(null);
    }

    /** Our object must be the newest lease object, unchanged since we wrote it. */
    private void verify() {
        ObjectInfo newest = newest(run.list(RunLayout.LEASE)).orElse(null);
        String key = RunLayout.lease(record.token());
        if (newest != null && newest.key().equals(key) && Objects.equals(newest.etag(), etag)) {
            return;
        }
        String successor;
        if (newest == null) {
            successor = "its lease object " + key + " was removed";
        } else if (newest.key().equals(key)) {
            successor = "its lease object " + key + " was changed by another writer"
                    + read(key).map(r -> " (now: " + r.describe() + ")").orElse("");
        } else {
            successor = read(newest.key()).map(r -> "another trainer took the run over: " + r.describe())
                    .orElse("another trainer took the run over (" + newest.key() + ")");
        }
        lost = new RunLeaseException("lost the lease of " + run.root() + " (token " + record.token() + "): "
                + successor + ". This trainer stops and writes nothing more");
        throw lost;
    }

    /** The lease with the highest token, or empty when the run has none. */
    private Optional<LeaseRecord> readCurrent() {
        for (int attempt = 1; ; attempt++) {
            Optional<ObjectInfo> newest = newest(run.list(RunLayout.LEASE));
            if (newest.isEmpty()) {
                return Optional.empty();
            }
            Optional<LeaseRecord> record = read(newest.get().key());
            if (record.isPresent()) {
                return record;
            }
            if (attempt == 3) {
                // pruned under us three times in a row: not a race any more
                throw new RunLeaseException("the lease object " + run.root().resolve(newest.get().key())
                        + " keeps disappearing while it is read");
            }
        }
    }

    /** A lease object, or empty when it is gone (pruned meanwhile). */
    private Optional<LeaseRecord> read(String key) {
        byte[] bytes;
        try {
            bytes = run.getBytes(key);
        } catch (StorageException e) {
            if (e.kind() == StorageException.Kind.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
        try {
            LeaseRecord record = RunJson.read(bytes, LeaseRecord.class, run.root().resolve(key).toString());
            if (record.holder() == null || record.expires() == null || record.holder().id() == null) {
                throw new IllegalArgumentException("holder, holder.id and expires are required");
            }
            return Optional.of(record);
        } catch (RuntimeException e) {
            if (settings.takeOver()) {
                return Optional.of(unreadable(key));
            }
            throw new RunLeaseException("the lease object " + run.root().resolve(key) + " cannot be read ("
                    + e.getMessage() + "); if no trainer runs on this run folder, --take-over replaces it", e);
        }
    }

    /** An unreadable lease object stands for an unknown holder whose lease has expired (only with --take-over). */
    private LeaseRecord unreadable(String key) {
        LeaseHolder unknown = new LeaseHolder("unknown (unreadable " + key + ")", -1, null, "unreadable");
        Instant epoch = Instant.EPOCH;
        return new LeaseRecord(tokenOf(key), unknown, epoch, epoch, epoch, false);
    }

    private static Optional<ObjectInfo> newest(List<ObjectInfo> objects) {
        ObjectInfo newest = null;
        long highest = -1;
        for (ObjectInfo info : objects) {
            long token = tokenOf(info.key());
            if (token > highest) {
                highest = token;
                newest = info;
            }
        }
        return Optional.ofNullable(newest);
    }

    /** The token of a lease object's key, or -1 for another key. */
    private static long tokenOf(String key) {
        Matcher m = TOKEN_KEY.matcher(key);
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    private static String seconds(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s" : duration.toMillis() / 1000.0 + " s";
    }
}
