package dev.mdeq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.runstore.run.ExitCodes;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every command's help renders cleanly (picocli formats descriptions: a stray % breaks them), every
 * command line the README's table shows parses, and a usage error is short.
 */
class MdeqHelpTest {
    private static final Pattern README_COMMAND = Pattern.compile("`(mdeq [^`]+)`");
    private static final Pattern BROKEN_URI = Pattern.compile("(s3|file):\\s*\\n");

    @Test
    void everyCommandInTheReadmeTableParses() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("..", "README.md"));
        int checked = 0;
        for (String line : lines) {
            if (!line.startsWith("| `mdeq ")) {
                continue;
            }
            String cell = line.substring(1, line.indexOf(" | "));
            Matcher m = README_COMMAND.matcher(cell);
            while (m.find()) {
                String example = m.group(1)
                        .replaceAll("\\[[^\\]]*\\]", " ") // optional parts
                        .replaceAll("(\\w+)(\\\\\\|[\\w-]+)+", "$1") // the first of the alternatives a\|b
                        .replaceAll("\\.\\.\\.", " ")
                        .replaceAll("\\bN\\b", "2")
                        .replaceAll("\\bHxW\\b", "4x8");
                List<String> args = new ArrayList<>(List.of(example.trim().split("\\s+")));
                args.remove(0);
                try {
                    new CommandLine(new Mdeq()).parseArgs(args.toArray(String[]::new));
                } catch (CommandLine.ParameterException e) {
                    throw new AssertionError("README: " + m.group(1) + " -> " + args + ": " + e.getMessage(), e);
                }
                checked++;
            }
        }
        assertTrue(checked >= 15, "README command examples checked: " + checked);
    }

    @Test
    void everyCommandsHelpRendersWithoutWarnings() {
        List<String> names = new ArrayList<>();
        PrintStream original = System.err;
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
        try {
            collect(new CommandLine(new Mdeq()), names);
        } finally {
            System.setErr(original);
        }
        assertTrue(names.containsAll(List.of("mdeq demo", "mdeq train", "mdeq evaluate", "mdeq evaluate merge",
                "mdeq store ls", "mdeq weights import", "mdeq dataset synth-cityscapes")), names.toString());
        assertEquals("", warnings.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aUsageErrorIsTheProblemAndWhereTheHelpIsNotTheWholeHelp(@TempDir Path dir) {
        CliRun run = CliRun.run("evaluate", "predictions", "--pred", dir.resolve("none").toString(), "--gt",
                dir.toString());
        assertEquals(ExitCodes.USAGE, run.exit());
        assertEquals("mdeq: --pred: the predictions folder " + dir.resolve("none") + " does not exist\n"
                + "See 'mdeq evaluate predictions --help'.\n", run.err());
        CliRun typo = CliRun.run("evaluate", "--rnu", "x");
        assertEquals(ExitCodes.USAGE, typo.exit());
        assertTrue(typo.err().startsWith("mdeq: Unknown option: '--rnu'"), typo.err());
        assertTrue(typo.err().endsWith("See 'mdeq evaluate --help'.\n") && typo.err().lines().count() <= 3,
                typo.err());
        CliRun demo = CliRun.run("demo", "--dir", dir.toString(), "--images", "0");
        assertEquals(ExitCodes.USAGE, demo.exit());
        assertTrue(demo.err().startsWith("mdeq: --images must be at least 1, got 0"), demo.err());
    }

    private static void collect(CommandLine command, List<String> names) {
        String usage = command.getUsageMessage(CommandLine.Help.Ansi.OFF);
        String name = command.getCommandSpec().qualifiedName();
        assertTrue(usage.contains("Usage: " + name), usage);
        // picocli wraps at 80 columns and may break a URI after its colon: 's3:' / '//bucket' is unusable
        assertFalse(BROKEN_URI.matcher(usage).find(), "a URI broken across lines:\n" + usage);
        names.add(name);
        command.getSubcommands().values().forEach(sub -> collect(sub, names));
    }
}
