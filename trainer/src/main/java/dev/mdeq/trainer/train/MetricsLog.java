package dev.mdeq.trainer.train;

import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The run's {@link RunLayout#METRICS} file. Object stores cannot append, so the whole file is
 * rewritten, at most once per flush interval (and at every checkpoint and at the end). A resumed
 * run keeps only the lines up to its checkpoint's step, so the file always reads as one
 * uninterrupted run.
 */
public final class MetricsLog {
    private final ObjectStore run;
    private final long flushIntervalNanos;
    private final List<String> lines = new ArrayList<>();
    private long lastFlush = System.nanoTime();
    private boolean dirty;

    private MetricsLog(ObjectStore run, Duration flushInterval) {
        this.run = run;
        this.flushIntervalNanos = flushInterval.toNanos();
    }

    /** An empty log (a fresh run): any existing file is replaced at the first flush. */
    public static MetricsLog fresh(ObjectStore run, Duration flushInterval) {
        MetricsLog log = new MetricsLog(run, flushInterval);
        log.dirty = run.stat(RunLayout.METRICS).isPresent();
        return log;
    }

    /**
     * The existing log cut back to the lines of steps up to {@code step} (the checkpoint resumed
     * from). Lines that cannot be read are dropped and reported to {@code warn}.
     */
    public static MetricsLog resume(ObjectStore run, long step, Duration flushInterval, Consumer<String> warn) {
        MetricsLog log = new MetricsLog(run, flushInterval);
        if (run.stat(RunLayout.METRICS).isEmpty()) {
            return log;
        }
        String text = new String(run.getBytes(RunLayout.METRICS), StandardCharsets.UTF_8);
        int number = 0;
        int dropped = 0;
        for (String line : text.split("\n")) {
            number++;
            if (line.isBlank()) {
                continue;
            }
            try {
                MetricsRecord record = RunJson.read(line.getBytes(StandardCharsets.UTF_8), MetricsRecord.class,
                        RunLayout.METRICS + " line " + number);
                if (record.step() <= step) {
                    log.lines.add(line);
                } else {
                    dropped++;
                }
            } catch (RuntimeException e) {
                warn.accept("dropping unreadable line " + number + " of " + RunLayout.METRICS + ": " + e.getMessage());
                dropped++;
            }
        }
        log.dirty = dropped > 0;
        return log;
    }

    /** Adds a line; writes the file if the flush interval has passed. */
    public void append(MetricsRecord record) {
        lines.add(RunJson.writeLine(record));
        dirty = true;
        if (System.nanoTime() - lastFlush >= flushIntervalNanos) {
            flush();
        }
    }

    /** Writes the file now if anything changed since the last write. */
    public void flush() {
        lastFlush = System.nanoTime();
        if (!dirty) {
            return;
        }
        StringBuilder text = new StringBuilder();
        for (String line : lines) {
            text.append(line).append('\n');
        }
        run.putBytes(RunLayout.METRICS, text.toString().getBytes(StandardCharsets.UTF_8));
        dirty = false;
    }

    /** The lines so far. */
    public List<MetricsRecord> records() {
        List<MetricsRecord> out = new ArrayList<>();
        for (String line : lines) {
            out.add(RunJson.read(line.getBytes(StandardCharsets.UTF_8), MetricsRecord.class, RunLayout.METRICS));
        }
        return out;
    }
}
