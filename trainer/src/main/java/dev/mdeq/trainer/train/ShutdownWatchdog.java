package dev.mdeq.trainer.train;

import dev.mdeq.model.checkpoint.TrainingState;
import dev.mdeq.model.weights.RawTensor;
import java.time.Duration;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * The SIGTERM side of a training session. The committed training state (parameters, optimizer
 * moments, {@link TrainingState}) only changes while the loop is in {@link Phase#COMMITTING}; the
 * loop enters and leaves its phases here. After a stop request, if the loop has not started its
 * final checkpoint when the time left in the grace period shrinks to what a checkpoint takes, the
 * watchdog abandons the step in progress (the loop thread parks at its next phase change), has the
 * session checkpoint the committed state, and ends the process.
 */
final class ShutdownWatchdog {
    /** What the loop is doing, as far as the watchdog cares. */
    enum Phase {
        /** Computing, loading data or validating: the committed state is consistent. */
        RUNNING,
        /** Applying a step to the parameters and the state. */
        COMMITTING,
        /** Writing a checkpoint. */
        SAVING
    }

    /** The committed state to save when the watchdog takes over. */
    record Committed(TrainingState state, Map<String, RawTensor> modelState) {
    }

    /** The session's side of a take-over. */
    interface Session {
        /** Called under the watchdog's lock while the loop is {@link Phase#RUNNING}. */
        Committed committed();

        /** Checkpoints {@code committed} and says so in the heartbeat; returns the process's exit code. */
        int saveAndStop(Committed committed);
    }

    private final Object lock = new Object();
    private final GracefulShutdown shutdown;
    private final DoubleSupplier reserveSeconds;
    private final Session session;
    private final Thread thread;
    private Phase phase = Phase.RUNNING;
    private boolean abandoned;
    private boolean finalSave;
    private volatile boolean closed;

    /** @param reserveSeconds how long a checkpoint is expected to take */
    ShutdownWatchdog(GracefulShutdown shutdown, DoubleSupplier reserveSeconds, Session session) {
        this.shutdown = shutdown;
        this.reserveSeconds = reserveSeconds;
        this.session = session;
        this.thread = new Thread(this::watch, "mdeq-shutdown-watchdog");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** The loop enters {@code next}; parks for good if the watchdog took over. */
    void enter(Phase next) {
        synchronized (lock) {
            parkIfAbandonedLocked();
            phase = next;
        }
    }

    /** Back to {@link Phase#RUNNING}. */
    void leave() {
        synchronized (lock) {
            phase = Phase.RUNNING;
        }
    }

    /** Parks the loop thread for good if the watchdog took over. */
    void parkIfAbandoned() {
        synchronized (lock) {
            parkIfAbandonedLocked();
        }
    }

    /** The loop writes the final checkpoint itself: the watchdog stands down. */
    void finalSave() {
        synchronized (lock) {
            parkIfAbandonedLocked();
            finalSave = true;
        }
    }

    /** Runs a change of the committed state that the watchdog must not see half done. */
    void atomically(Runnable change) {
        synchronized (lock) {
            change.run();
        }
    }

    void close() {
        closed = true;
        thread.interrupt();
    }

    private void watch() {
        try {
            while (!closed && !shutdown.awaitRequest(Duration.ofSeconds(1))) {
                // wait for a request
            }
            while (!closed) {
                synchronized (lock) {
                    if (finalSave) {
                        return;
                    }
                }
                if (shutdown.remaining().toNanos() <= reserveSeconds.getAsDouble() * 1e9) {
                    break;
                }
                Thread.sleep(50);
            }
            Committed committed;
            synchronized (lock) {
                if (closed || finalSave || phase != Phase.RUNNING) {
                    return;
                }
                abandoned = true;
                committed = session.committed();
            }
            System.exit(session.saveAndStop(committed));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void parkIfAbandonedLocked() {
        if (!abandoned) {
            return;
        }
        // the loop thread after the watchdog took over: wait for it to end the process
        while (true) {
            try {
                lock.wait();
            } catch (InterruptedException e) {
                // keep waiting: the watchdog exits the JVM
            }
        }
    }
}
