package dev.mdeq.evaluator.cli;

import dev.mdeq.runstore.run.ProgressReporter;
import picocli.CommandLine.Option;

/** {@code --progress}: how evaluation commands show progress. */
public final class ProgressOptions {
    /** Progress display modes. */
    public enum Mode {
        /** A bar on a terminal, log lines otherwise. */
        auto,
        /** Always a bar. */
        bar,
        /** Always structured log lines (as in pods). */
        log
    }

    @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto",
            description = "auto (a bar on a terminal, JSON log lines otherwise), bar or log; default ${DEFAULT-VALUE}")
    Mode mode = Mode.auto;

    /** Sets the reporter to a bar or log lines when a mode other than auto was chosen. */
    public void apply(ProgressReporter.Builder builder) {
        if (mode != Mode.auto) {
            builder.console(mode == Mode.bar);
        }
    }
}
