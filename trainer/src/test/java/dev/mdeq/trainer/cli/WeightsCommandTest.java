package dev.mdeq.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.run.RunJson;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class WeightsCommandTest {
    private static final Path FIXTURES = fixtures();

    private static Path fixtures() {
        try {
            return Path.of(WeightsCommandTest.class.getResource("/torch/torch-1.13/expected.json").toURI()).getParent();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        CommandLine commandLine = new CommandLine(new WeightsCommand());
        commandLine.setOut(new PrintWriter(out));
        assertEquals(0, commandLine.execute(args));
        return out.toString();
    }

    @Test
    void inspectShowsKindSkippedEntriesAndTheParameterCount() throws Exception {
        JsonNode expected = RunJson.mapper().readTree(FIXTURES.resolve("expected.json").toFile())
                .get("files").get("tiny_checkpoint.pth.tar");
        String out = run("inspect", FIXTURES.resolve("tiny_checkpoint.pth.tar").toString());
        assertTrue(out.contains("format:     zip (torch.save, PyTorch >= 1.6); archive 'tiny_checkpoint.pth', version 3,"
                + " little-endian"), out);
        assertTrue(out.contains("kind:       training checkpoint"), out);
        assertTrue(out.contains("epoch (int 7), model (str 'mdeq'), perf (tensor float32 ())"), out);
        assertTrue(out.contains("entries:    " + expected.get("state_dict").size() + " in the state dict, "
                + expected.get("model_entries").size() + " used by the model"), out);
        assertTrue(out.contains(String.format(Locale.ROOT, "parameters: %,d (plus %,d elements of BN running statistics)",
                expected.get("parameters").asLong(), expected.get("buffers").asLong())), out);
        assertTrue(out.lines().anyMatch(line -> line.matches(
                "fullstage\\.branches\\.1\\.blocks\\.0\\.conv1\\.weight_v +\\(32, 16, 3, 3\\) +float32 *")), out);
        assertTrue(out.lines().noneMatch(line -> line.startsWith("deq.") || line.startsWith("fullstage_copy.")), out);
    }

    @Test
    void inspectAllListsDroppedEntriesWithTheirReason() {
        String out = run("inspect", "--all", FIXTURES.resolve("tiny_seg.pth").toString());
        assertTrue(out.contains("kind:       segmentation FullModel state dict"), out);
        assertTrue(out.lines().anyMatch(line -> line.startsWith("loss.criterion.weight ")
                && line.contains("(19,)") && line.endsWith("dropped: loss weights of FullModel")), out);
        assertTrue(out.lines().anyMatch(line -> line.startsWith("model.deq.func.post_fuse_layers.0.conv.weight_g ")
                && line.endsWith("dropped: alias of fullstage / fullstage_copy")), out);
        assertTrue(out.lines().anyMatch(line -> line.startsWith("model.classifier.bias ")
                && line.endsWith("model: classifier.bias")), out);
    }

    @Test
    void inspectShowsConversions() {
        String out = run("inspect", FIXTURES.resolve("dtypes.pth").toString());
        assertTrue(out.lines().anyMatch(line -> line.matches("float16 +\\(5,\\) +float16->float32 *")), out);
    }

    @Test
    void badFilesFailWithTheirMessage() {
        AtomicReference<Exception> thrown = new AtomicReference<>();
        CommandLine commandLine = new CommandLine(new WeightsCommand());
        commandLine.setExecutionExceptionHandler((e, cl, parsed) -> {
            thrown.set(e);
            return 3;
        });
        Path file = FIXTURES.resolve("malicious_system.pth");
        assertEquals(3, commandLine.execute("inspect", file.toString()));
        InvalidInputException e = assertInstanceOf(InvalidInputException.class, thrown.get());
        assertTrue(e.getMessage().contains("'posix.system'"), e.getMessage());
    }
}
