package dev.mdeq.trainer.train;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns SIGTERM (Kubernetes stopping the pod) and SIGINT (Ctrl+C) into a request the training loop
 * polls between steps, instead of the JVM's default of running shutdown hooks and exiting at once.
 * The loop then checkpoints and exits with {@code ExitCodes.INTERRUPTED}. The request carries a
 * deadline ({@code RUN.SHUTDOWN_GRACE_SECONDS} after the signal) that listeners use to give up on a
 * step that would not finish in time.
 */
public final class GracefulShutdown implements AutoCloseable {
    private static final List<String> SIGNALS = List.of("TERM", "INT");

    private final Duration grace;
    private final List<Runnable> listeners = new ArrayList<>();
    private final List<Signal> installed = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();
    /** Counted down once the first request's listeners have run, so waiters see their effects. */
    private final CountDownLatch listenersRan = new CountDownLatch(1);
    private volatile boolean requested;
    private volatile long requestedAtNanos;
    private volatile String signalName;

    private GracefulShutdown(Duration grace) {
        this.grace = grace;
    }

    /** Handles SIGTERM and SIGINT until {@link #close()} puts the previous handlers back. */
    public static GracefulShutdown install(Duration grace) {
        GracefulShutdown shutdown = new GracefulShutdown(grace);
        for (String name : SIGNALS) {
            Signal signal = new Signal(name);
            shutdown.previous.add(Signal.handle(signal, s -> shutdown.request("SIG" + s.getName())));
            shutdown.installed.add(signal);
        }
        return shutdown;
    }

    /** A shutdown that only {@link #request} triggers (no signal handlers): for tests and embedding. */
    public static GracefulShutdown manual(Duration grace) {
        return new GracefulShutdown(grace);
    }

    /** Asks the loop to stop; the first request sets the deadline, later ones are ignored. */
    public void request(String reason) {
        List<Runnable> toRun;
        synchronized (this) {
            if (requested) {
                return;
            }
            requestedAtNanos = System.nanoTime();
            signalName = reason;
            requested = true;
            toRun = List.copyOf(listeners);
        }
        try {
            toRun.forEach(Runnable::run);
        } finally {
            listenersRan.countDown();
        }
    }

    /** Runs {@code listener} on the requesting thread when a stop is requested (at once if it already was). */
    public void onRequest(Runnable listener) {
        boolean already;
        synchronized (this) {
            already = requested;
            if (!already) {
                listeners.add(listener);
            }
        }
        if (already) {
            listener.run();
        }
    }

    public boolean requested() {
        return requested;
    }

    /** What asked for the stop ({@code SIGTERM}, {@code SIGINT}, or a test's reason), or null. */
    public String reason() {
        return signalName;
    }

    public Duration grace() {
        return grace;
    }

    /** Time left before the grace period ends (the full grace before any request, never negative). */
    public Duration remaining() {
        if (!requested()) {
            return grace;
        }
        long left = grace.toNanos() - (System.nanoTime() - requestedAtNanos);
        return Duration.ofNanos(Math.max(0, left));
    }

    /** Waits up to {@code timeout} for a request and its listeners to finish; true when they did. */
    public boolean awaitRequest(Duration timeout) throws InterruptedException {
        return listenersRan.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() {
        for (int i = 0; i < installed.size(); i++) {
            Signal.handle(installed.get(i), previous.get(i));
        }
        installed.clear();
        previous.clear();
    }
}
