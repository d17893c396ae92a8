package dev.mdeq.runstore.lease;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.security.SecureRandom;

/**
 * A trainer process that holds (or wants) a run's lease, named so that a person can find it.
 *
 * @param host {@code HOSTNAME} (in Kubernetes the pod's name), else the machine's name
 * @param pid the process id
 * @param processStart when the process started (tells a live process from a later one with the
 *     same pid), or null when the system does not say
 * @param id a random id, new for every lease taken: two holders are the same only if their ids are
 */
public record LeaseHolder(String host, long pid, Instant processStart, String id) {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What this machine can tell of a holder's process. */
    public enum Liveness {
        /** The process runs on this machine. */
        ALIVE,
        /** The process has ended (it ran on this machine: same host name). */
        ENDED,
        /** Another machine's process, or this machine cannot tell. */
        UNKNOWN
    }

    /** This process, with a new random id. */
    public static LeaseHolder current() {
        return current(System.getenv());
    }

    /** This process, its host name from {@code env} ({@code HOSTNAME}), with a new random id. */
    static LeaseHolder current(Map<String, String> env) {
        ProcessHandle self = ProcessHandle.current();
        byte[] random = new byte[6];
        RANDOM.nextBytes(random);
        return new LeaseHolder(hostName(env), self.pid(), self.info().startInstant().orElse(null),
                HexFormat.of().formatHex(random));
    }

    private static String hostName(Map<String, String> env) {
        String name = env.get("HOSTNAME");
        if (name != null && !name.isBlank()) {
            return name.trim();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown-host";
        }
    }

    /** True when {@code other} is this same holder (the same lease taker). */
    public boolean sameAs(LeaseHolder other) {
        return other != null && id.equals(other.id);
    }

    /**
     * Whether this holder's process still runs, as far as {@code here} (a process on this machine)
     * can tell: only a holder on the same host can be looked up. A pod's container restarted by the
     * kubelet has the pod's host name and sees the old process ended (pid gone, or reused by a
     * process that started later).
     */
    public Liveness livenessSeenFrom(LeaseHolder here) {
        if (!host.equals(here.host)) {
            return Liveness.UNKNOWN;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            return Liveness.ENDED;
        }
        Optional<Instant> started = process.get().info().startInstant();
        if (processStart == null || started.isEmpty()) {
            return Liveness.UNKNOWN;
        }
        boolean same = Duration.between(started.get(), processStart).abs().compareTo(Duration.ofSeconds(1)) <= 0;
        return same ? Liveness.ALIVE : Liveness.ENDED;
    }

    /** {@code host pid 12 (started 2026-01-01T10:00:00Z)}. */
    public String describe() {
        return host + " pid " + pid + (processStart == null ? "" : " (started " + processStart + ")");
    }
}
