package dev.mdeq.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mdeq.runstore.run.ExitCodes;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.trainer.train.TrainingFixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
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
    void leaseOptionsOutOfRangeAreUsageErrorsNamingTheOption() {
        for (String[] args : List.of(new String[] {"--lease-seconds", "0"}, new String[] {"--lease-seconds", "NaN"},
                new String[] {"--lease-wait-seconds", "-1"})) {
            StringWriter err = new StringWriter();
            CommandLine commandLine = new CommandLine(new TrainCommand()).setErr(new PrintWriter(err));
            List<String> all = new ArrayList<>(List.of("--run", "file:" + temp.resolve("run")));
            all.addAll(List.of(args));
            assertEquals(ExitCodes.USAGE, commandLine.execute(all.toArray(String[]::new)), err.toString());
            assertTrue(err.toString().contains(args[0] + " must be between"), err.toString());
            assertTrue(Files.notExists(temp.resolve("run")), "nothing written for a usage error");
        }
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

    @Test
    void progressLogPrintsStepLinesAndJsonEventsWithoutAConsole() throws Exception {
        Path data = TrainingFixtures.cifar(temp.resolve("cifar"), 10, 4);
        String err = train(data, "log");
        // the reference's PRINT_FREQ lines (every 2 steps)
        assertTrue(err.lines().anyMatch(l -> l.matches("train: step 2/4 epoch \\d: loss \\d+\\.\\d{4}, lr .*")), err);
        assertTrue(err.lines().anyMatch(l -> l.matches("train: step 4/4 epoch \\d: loss \\d+\\.\\d{4}, lr .*")), err);
        // the reporter's JSON events, first and last
        List<JsonNode> events = new ArrayList<>();
        for (String line : err.lines().filter(l -> l.startsWith("{")).toList()) {
            events.add(RunJson.mapper().readTree(line));
        }
        assertTrue(events.size() >= 2, err);
        JsonNode started = events.get(0);
        JsonNode finished = events.get(events.size() - 1);
        assertEquals("started", started.get("event").asText());
        assertEquals("train", started.get("label").asText());
        assertEquals("steps", started.get("unit").asText());
        assertEquals(4, started.get("total").asInt());
        assertEquals("finished", finished.get("event").asText());
        assertEquals("SUCCEEDED", finished.get("phase").asText());
        assertEquals(4, finished.get("done").asInt());
        assertTrue(finished.get("message").asText().startsWith("finished at step 4"), finished.toString());
        assertFalse(err.contains("\r"), "no bar: " + err);
    }

    @Test
    void progressBarDrawsTheBarWithoutAConsole() throws Exception {
        Path data = TrainingFixtures.cifar(temp.resolve("cifar"), 10, 4);
        String err = train(data, "bar");
        assertTrue(Pattern.compile("\rtrain \\[#{10,30}\\] 4/4 steps 100% ").matcher(err).find(), err);
        assertFalse(err.contains("train: step 2/4"), "no PRINT_FREQ lines: " + err);
        assertTrue(err.lines().noneMatch(l -> l.startsWith("{")), "no JSON lines: " + err);
        assertTrue(err.contains("\ntrain: finished at step 4"), err);
    }

    @Test
    void anUnknownProgressModeIsAUsageError() {
        StringWriter err = new StringWriter();
        CommandLine commandLine = new CommandLine(new TrainCommand()).setErr(new PrintWriter(err));
        assertEquals(ExitCodes.USAGE, commandLine.execute("--run", "file:" + temp, "--progress", "fancy"));
        assertTrue(err.toString().contains("--progress") && err.toString().contains("auto, bar, log"), err.toString());
    }

    /** Trains 4 steps of the tiny preset through the command; returns what it wrote to standard error. */
    private String train(Path data, String progress) {
        assertNull(System.console(), "the tests run without a console");
        List<String> args = new ArrayList<>(List.of("--config", "demo/cls_mdeq_tiny", "--run",
                "file:" + temp.resolve("run-" + progress), "--progress", progress));
        args.addAll(TrainingFixtures.tinyOverrides(data, "TRAIN.PRETRAIN_STEPS", "2", "RUN.MAX_STEPS", "4"));
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.err;
        int code;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            code = new CommandLine(new TrainCommand()).execute(args.toArray(String[]::new));
        } finally {
            System.setErr(original);
        }
        String err = captured.toString(StandardCharsets.UTF_8);
        assertEquals(ExitCodes.OK, code, err);
        return err;
    }
}
