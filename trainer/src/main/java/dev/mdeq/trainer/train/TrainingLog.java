package dev.mdeq.trainer.train;

import dev.mdeq.model.checkpoint.TrainingState;
import dev.mdeq.runstore.progress.ProgressReporter;
import java.io.PrintStream;
import java.time.Instant;

/**
 * What a training session says as it goes: {@code train: } lines, and every {@code PRINT_FREQ}
 * steps the interval's summary into metrics.jsonl, the progress line's details and, without a
 * terminal (a pod's log), the reference's step line.
 */
final class TrainingLog {
    private final PrintStream out;
    private final boolean console;
    private final long totalSteps;
    private ProgressReporter reporter;
    private Thread loopThread;

    TrainingLog(PrintStream out, boolean console, long totalSteps) {
        this.out = out;
        this.console = console;
        this.totalSteps = totalSteps;
    }

    /** From now on the loop's lines (this thread's) go through the reporter: on a terminal above the progress bar. */
    void showAbove(ProgressReporter progress) {
        this.reporter = progress;
        this.loopThread = Thread.currentThread();
    }

    /** A line of the trainer's; on a terminal above the progress bar (the watchdog's just after it). */
    void line(String line) {
        if (reporter != null && Thread.currentThread() == loopThread) {
            reporter.message("train: " + line);
        } else {
            out.println((console ? "\n" : "") + "train: " + line);
            out.flush();
        }
    }


    void interval(IntervalStats.Summary summary, TrainingState state, boolean pretraining, MetricsLog metrics,
            ProgressReporter reporter) {
        if (summary == null) {
            return;
        }
        metrics.append(new MetricsRecord(MetricsRecord.STEP, state.step(), state.epoch(), summary.loss(), summary.lr(),
                pretraining ? "pretrain" : "deq", summary.solverSteps(), summary.solverResidual(), summary.gradNorm(),
                summary.samplesPerSecond(), summary.dataWait(), null, null, summary.seconds(), Instant.now()));
        reporter.detail("lr", String.format("%.2e", summary.lr()));
        if (summary.solverSteps() != null) {
            reporter.detail("nfe", String.format("%.1f", summary.solverSteps()));
        }
        reporter.detail("samples/s", String.format("%.1f", summary.samplesPerSecond()));
        reporter.detail("dataWait", String.format("%.0f%%", 100 * summary.dataWait()));
        if (!console) {
            // a pod's log gets the reference's PRINT_FREQ line; a terminal has the progress line
            line(String.format("step %d/%d epoch %d: loss %.4f, lr %.2e, %.1f samples/s%s", state.step(), totalSteps,
                    state.epoch(), summary.loss(), summary.lr(), summary.samplesPerSecond(),
                    summary.solverSteps() == null ? "" : String.format(", nfe %.1f", summary.solverSteps())));
        }
    }
}
