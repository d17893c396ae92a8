package dev.mdeq.runstore.progress;

import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.runstore.run.Progress;
import dev.mdeq.runstore.storage.ObjectStore;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/**
 * Reports the progress of a long loop (evaluation images, training steps) three ways:
 * <ul>
 *   <li>on a terminal ({@code System.console() != null}): a live progress bar redrawn in place, each
 *       frame fitted to the terminal's width ({@link TerminalWidth}, {@link BarLine}): the bar and the
 *       counts, percent, rate and ETA first, then the details, the rest left out as the width shrinks;</li>
 *   <li>otherwise (a pod's log): one structured line (JSON) per log interval;</li>
 *   <li>a {@link Progress} heartbeat handed to a sink (e.g. written to the run folder) per
 *       heartbeat interval; a failing sink is reported once in the output and does not stop the work.</li>
 * </ul>
 * Everything happens in the caller's thread when it calls {@link #advance} or {@link #set}: no
 * background thread to leak. Not thread-safe: call it from one thread.
 */
public final class ProgressReporter implements AutoCloseable {
    private final String label;
    private final String unit;
    private final long total;
    private final boolean console;
    private final PrintStream out;
    private final long logIntervalNanos;
    private final long barIntervalNanos;
    private final long heartbeatIntervalNanos;
    private final Consumer<Progress> heartbeat;
    private final UnaryOperator<Progress> decorate;
    private final LongSupplier nanoTime;
    private final Clock clock;
    private final IntSupplier columns;
    private final long startNanos;
    private final long startDone;
    private final List<String> detailOrder;
    private final Map<String, String> details = new LinkedHashMap<>();

    private Progress.Phase phase;
    private long done;
    private String metricName;
    private Double metric;
    private long lastLog;
    private long lastBar;
    private long lastHeartbeat;
    private int lastBarLength;
    private int lastWidth;
    private boolean heartbeatFailed;
    private boolean finished;

    private ProgressReporter(Builder b) {
        this.label = b.label;
        this.unit = b.unit;
        this.total = b.total;
        this.console = b.console;
        this.out = b.out;
        this.logIntervalNanos = b.logInterval.toNanos();
        this.barIntervalNanos = b.barInterval.toNanos();
        this.heartbeatIntervalNanos = b.heartbeatInterval.toNanos();
        this.heartbeat = b.heartbeat;
        this.decorate = b.decorate;
        this.nanoTime = b.nanoTime;
        this.clock = b.clock;
        this.phase = b.phase;
        this.columns = !console ? null : b.columns != null ? b.columns : TerminalWidth.system();
        this.detailOrder = b.detailOrder;
        this.startDone = b.startAt;
        this.done = b.startAt;
        this.startNanos = nanoTime.getAsLong();
        this.lastLog = startNanos;
        this.lastBar = startNanos;
        this.lastHeartbeat = startNanos;
    }

    /**
     * A reporter builder.
     *
     * @param label what is counted, shown first on every line (e.g. {@code evaluate})
     * @param phase the phase the heartbeat reports
     * @param total units to do (0 or less: unknown)
     */
    public static Builder builder(String label, Progress.Phase phase, long total) {
        return new Builder(label, phase, total);
    }

    /** Adds {@code n} units done. */
    public void advance(long n) {
        set(done + n);
    }

    /** Sets the units done so far. */
    public void set(long doneSoFar) {
        this.done = doneSoFar;
        long now = nanoTime.getAsLong();
        if (console) {
            if (now - lastBar >= barIntervalNanos || (total > 0 && done >= total)) {
                drawBar(now);
            }
        } else if (now - lastLog >= logIntervalNanos) {
            logLine(now, "progress");
        }
        if (heartbeat != null && now - lastHeartbeat >= heartbeatIntervalNanos) {
            sendHeartbeat(now, null);
        }
    }

    /**
     * A value shown on the bar and the log line (e.g. {@code mIoU=71.3}); null removes it. The bar
     * shows details in the builder's {@link Builder#detailOrder} and then in the order first set,
     * for as long as they fit.
     */
    public void detail(String key, String value) {
        if (value == null) {
            details.remove(key);
        } else {
            details.put(key, value);
        }
    }

    /** The metric the heartbeat carries ({@link Progress#metric}); it is shown as a detail too. */
    public void metric(String name, double value) {
        this.metricName = name;
        this.metric = Double.isFinite(value) ? value : null;
        detail(name, Double.isFinite(value) ? String.format("%.2f", value) : "n/a");
    }

    /** The phase the next heartbeat reports. */
    public void phase(Progress.Phase newPhase) {
        this.phase = newPhase;
    }

    public long done() {
        return done;
    }

    /** Units per second done by this reporter since its start (null before anything is done). */
    public Double rate() {
        double seconds = (nanoTime.getAsLong() - startNanos) / 1e9;
        return done == startDone || seconds <= 0 ? null : (done - startDone) / seconds;
    }

    /** Seconds to the end at the current rate, or null when unknown. */
    public Long etaSeconds() {
        Double rate = rate();
        if (rate == null || total <= 0) {
            return null;
        }
        return Math.max(0, Math.round((total - done) / rate));
    }

    /** The heartbeat as it would be sent now. */
    public Progress snapshot(String message) {
        Progress p = new Progress(phase, null, null, done, total > 0 ? total : null, null, metric, metricName,
                null, null, null, rate(), etaSeconds(), null, null, message, clock.instant());
        return decorate == null ? p : decorate.apply(p);
    }

    /**
     * Prints a line of its own (e.g. {@code checkpoint written}): on a terminal above the bar, which
     * is drawn again below it; otherwise as it is.
     */
    public void message(String line) {
        if (console && lastBarLength > 0) {
            out.print("\r" + " ".repeat(Math.min(lastBarLength, BarLine.room(columns.getAsInt()))) + "\r");
            out.println(line);
            lastBarLength = 0;
            drawBar(nanoTime.getAsLong());
        } else {
            out.println(line);
            out.flush();
        }
    }

    /**
     * Ends the bar line, logs a final line and sends a final heartbeat (once). The message goes to
     * the log line and the heartbeat; on a terminal the command prints its result itself, so the
     * bar's last frame is left as it is.
     */
    public void finish(Progress.Phase finalPhase, String message) {
        if (finished) {
            return;
        }
        finished = true;
        this.phase = finalPhase;
        long now = nanoTime.getAsLong();
        if (console) {
            drawBar(now);
            out.println();
            lastBarLength = 0; // later messages are plain lines
        } else {
            logLine(now, "finished", message);
        }
        if (heartbeat != null) {
            sendHeartbeat(now, message);
        }
        out.flush();
    }

    /** Finishes with the current phase if {@link #finish} was not called. */
    @Override
    public void close() {
        finish(phase, null);
    }

    private void drawBar(long now) {
        lastBar = now;
        int width = columns.getAsInt();
        List<BarLine.Field> fields = new ArrayList<>();
        int primary = barFields(fields);
        String line = BarLine.render(label, total > 0 ? (double) done / total : Double.NaN, fields, primary, width);
        // Blank what is left of a longer previous frame, within the width (a wider one has wrapped anyway);
        // after a resize the terminal may have rejoined wrapped rows: blank the whole row.
        int previous = lastWidth == 0 || width == lastWidth ? lastBarLength : BarLine.room(width);
        int blank = Math.min(previous, BarLine.room(width)) - line.length();
        lastBarLength = line.length();
        lastWidth = width;
        out.print("\r" + line + " ".repeat(Math.max(0, blank)));
        out.flush();
    }

    /**
     * Adds the bar's fields, most useful first: counts, percent, rate, ETA, the details of the
     * {@link Builder#detailOrder} (these are primary: returns how many), then the other details.
     */
    private int barFields(List<BarLine.Field> fields) {
        if (total > 0) {
            fields.add(new BarLine.Field(done + "/" + total + " " + unit, done + "/" + total));
            fields.add(new BarLine.Field(String.format("%3d%%", (int) (100 * done / total))));
        } else {
            fields.add(new BarLine.Field(done + " " + unit, Long.toString(done)));
        }
        Double rate = rate();
        if (rate != null) {
            fields.add(new BarLine.Field(String.format("%.2f %s/s", rate, unit), String.format("%.2f/s", rate)));
        }
        Long eta = etaSeconds();
        if (eta != null && done < total) {
            fields.add(new BarLine.Field("ETA " + formatSeconds(eta)));
        }
        int primary = fields.size();
        for (String key : detailOrder) {
            if (details.containsKey(key)) {
                fields.add(new BarLine.Field(key + "=" + details.get(key)));
                primary++;
            }
        }
        details.forEach((key, value) -> {
            if (!detailOrder.contains(key)) {
                fields.add(new BarLine.Field(key + "=" + value));
            }
        });
        return primary;
    }

    private void logLine(long now, String event) {
        logLine(now, event, null);
    }

    private void logLine(long now, String event, String message) {
        lastLog = now;
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("time", clock.instant().toString());
        fields.put("event", event);
        fields.put("label", label);
        fields.put("phase", phase);
        fields.put("done", done);
        if (total > 0) {
            fields.put("total", total);
            fields.put("percent", Math.round(1000.0 * done / total) / 10.0);
        }
        fields.put("unit", unit);
        Double rate = rate();
        if (rate != null) {
            fields.put("perSecond", Math.round(rate * 1000) / 1000.0);
        }
        Long eta = etaSeconds();
        if (eta != null) {
            fields.put("etaSeconds", eta);
        }
        fields.putAll(details);
        if (message != null) {
            fields.put("message", message);
        }
        out.println(RunJson.writeLine(fields));
        out.flush();
    }

    private void sendHeartbeat(long now, String message) {
        lastHeartbeat = now;
        try {
            heartbeat.accept(snapshot(message));
        } catch (RuntimeException e) {
            if (!heartbeatFailed) {
                heartbeatFailed = true;
                message(label + ": warning: cannot write the progress heartbeat (" + e.getMessage()
                        + "); the work goes on");
            }
        }
    }

    static String formatSeconds(long seconds) {
        long h = seconds / 3600;
        long m = (seconds % 3600) / 60;
        long s = seconds % 60;
        return h > 0 ? String.format("%d:%02d:%02d", h, m, s) : String.format("%d:%02d", m, s);
    }

    /** Options of a {@link ProgressReporter}; every one has a default. */
    public static final class Builder {
        private final String label;
        private final Progress.Phase phase;
        private final long total;
        private String unit = "items";
        private boolean console = System.console() != null;
        private PrintStream out = System.err;
        private Duration logInterval = Duration.ofSeconds(30);
        private Duration barInterval = Duration.ofMillis(200);
        private Duration heartbeatInterval = Duration.ofSeconds(15);
        private Consumer<Progress> heartbeat;
        private UnaryOperator<Progress> decorate;
        private LongSupplier nanoTime = System::nanoTime;
        private Clock clock = Clock.systemUTC();
        private IntSupplier columns;
        private long startAt;
        private List<String> detailOrder = List.of();

        private Builder(String label, Progress.Phase phase, long total) {
            this.label = label;
            this.phase = phase;
            this.total = total;
        }

        /** Name of a unit, plural (e.g. {@code images}, {@code steps}). */
        public Builder unit(String value) {
            this.unit = value;
            return this;
        }

        /** Bar (true) or log lines (false); defaults to whether a console is attached. */
        public Builder console(boolean value) {
            this.console = value;
            return this;
        }

        /** Where bar and log lines go (default standard error, so standard output stays clean). */
        public Builder out(PrintStream value) {
            this.out = value;
            return this;
        }

        /** Time between structured log lines (default 30 s). */
        public Builder logInterval(Duration value) {
            this.logInterval = value;
            return this;
        }

        /** Time between bar redraws (default 200 ms). */
        public Builder barInterval(Duration value) {
            this.barInterval = value;
            return this;
        }

        /** Sends a heartbeat to {@code sink} at most once per {@code interval}, and at the end. */
        public Builder heartbeat(Consumer<Progress> sink, Duration interval) {
            this.heartbeat = sink;
            this.heartbeatInterval = interval;
            return this;
        }

        /** Writes each heartbeat as JSON to {@code key} of {@code store} (e.g. {@link RunLayout#PROGRESS}). */
        public Builder heartbeatTo(ObjectStore store, String key, Duration interval) {
            return heartbeat(p -> store.putBytes(key, RunJson.write(p)), interval);
        }

        /** Fills fields of each heartbeat the reporter does not know (epoch, loss, lr, ...). */
        public Builder decorate(UnaryOperator<Progress> value) {
            this.decorate = value;
            return this;
        }

        /** The terminal's width for the bar (default: {@link TerminalWidth#system()}, following resizes). */
        public Builder columns(IntSupplier value) {
            this.columns = value;
            return this;
        }

        /**
         * Units already done before this reporter starts (a resumed run): the bar, the log lines and
         * the heartbeat count from there; the rate and the ETA count only the units done since.
         */
        public Builder startAt(long done) {
            this.startAt = done;
            return this;
        }

        /**
         * The main details, shown first in this order (e.g. {@code loss}, {@code mIoU}) and before the
         * bar grows past its narrowest; the other details follow when there is room.
         */
        public Builder detailOrder(String... keys) {
            this.detailOrder = List.of(keys);
            return this;
        }

        /** Time sources (tests). */
        public Builder clocks(LongSupplier nanos, Clock wallClock) {
            this.nanoTime = nanos;
            this.clock = wallClock;
            return this;
        }

        /** Starts: a first log line (pods) and a first heartbeat. */
        public ProgressReporter start() {
            ProgressReporter r = new ProgressReporter(this);
            long now = r.startNanos;
            if (!r.console) {
                r.logLine(now, "started");
            }
            if (r.heartbeat != null) {
                r.sendHeartbeat(now, null);
            }
            return r;
        }
    }
}
