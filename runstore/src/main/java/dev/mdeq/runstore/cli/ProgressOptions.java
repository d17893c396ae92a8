package dev.mdeq.runstore.cli;

import dev.mdeq.runstore.progress.ProgressReporter;
import picocli.CommandLine.Option;

/**
 * {@code --progress}: how a long command ({@code mdeq train}, {@code mdeq evaluate ...},
 * {@code mdeq dataset stage}) shows its progress. A picocli mixin; it lives here, below the
 * evaluator, so that both modules share it.
 */
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

    /** Bar (true) or log lines (false) as chosen, or null for auto (decided by whether a console is attached). */
    public Boolean console() {
        return mode == Mode.auto ? null : mode == Mode.bar;
    }

    /** Sets the reporter to a bar or log lines when a mode other than auto was chosen. */
    public void apply(ProgressReporter.Builder builder) {
        Boolean console = console();
        if (console != null) {
            builder.console(console);
        }
    }
}
