package dev.mdeq.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.runstore.run.ExitCodes;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.run.RunLayout;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TrainCommandTest {
    @TempDir
    Path temp;

    @Test
    void overridesWithoutAConfigAreAUsageError() {
        StringWriter err = new StringWriter();
        CommandLine commandLine = new CommandLine(new TrainCommand()).setErr(new PrintWriter(err));
        int code = commandLine.execute("--run", "file:" + temp, "TRAIN.LR", "0.1");
        assertEquals(ExitCodes.USAGE, code);
        assertTrue(err.toString().contains("need --config"), err.toString());
    }

    @Test
    void aRunFolderWithoutConfigNeedsOne() {
        CommandLine commandLine = new CommandLine(new TrainCommand());
        AtomicReference<Exception> thrown = new AtomicReference<>();
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            thrown.set(e);
            return ExitCodes.INVALID_INPUT;
        });
        assertEquals(ExitCodes.INVALID_INPUT, commandLine.execute("--run", "file:" + temp.resolve("empty")));
        InvalidInputException e = assertInstanceOf(InvalidInputException.class, thrown.get());
        assertTrue(e.getMessage().contains("--config"), e.getMessage());
        assertTrue(Files.notExists(temp.resolve("empty").resolve(RunLayout.CONFIG)));
    }
}
