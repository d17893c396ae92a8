package dev.mdeq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command's help renders cleanly (picocli formats descriptions: a stray % breaks them). */
class MdeqHelpTest {

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
