package dev.mdeq.evaluator.cli;

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

    /** Bar (true), log lines (false), or null for automatic. */
    public Boolean console() {
        return switch (mode) {
            case auto -> null;
            case bar -> true;
            case log -> false;
        };
    }
}
