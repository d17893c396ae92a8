package dev.mdeq.trainer.train;

import dev.mdeq.trainer.cli.TrainCommand;
import picocli.CommandLine;

/**
 * {@code mdeq train} as a process of its own, for tests that kill it (the cli module, which owns
 * the real entry point, depends on this one). Exceptions end it with exit code 1.
 */
public final class TrainProcessMain {
    private TrainProcessMain() {
    }

    public static void main(String[] args) {
        CommandLine commandLine = new CommandLine(new TrainCommand());
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            e.printStackTrace();
            return 1;
        });
        System.exit(commandLine.execute(args));
    }
}
