package dev.mdeq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import picocli.CommandLine;

/**
 * Every command's help renders cleanly (picocli formats descriptions: a stray % breaks them), and
 * every command line the README's table shows parses.
 */
class MdeqHelpTest {
    private static final Pattern README_COMMAND = Pattern.compile("`(mdeq [^`]+)`");

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

    private static void collect(CommandLine command, List<String> names) {
        String usage = command.getUsageMessage(CommandLine.Help.Ansi.OFF);
        String name = command.getCommandSpec().qualifiedName();
        assertTrue(usage.contains("Usage: " + name), usage);
        names.add(name);
        command.getSubcommands().values().forEach(sub -> collect(sub, names));
    }
}
