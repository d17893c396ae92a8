package dev.mdeq.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.model.weights.Npy;
import dev.mdeq.model.weights.Npz;
import dev.mdeq.model.weights.RawTensor;
import dev.mdeq.model.weights.torch.TorchFixtures;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class WeightsCommandTest {
    private static final Path FIXTURES = TorchFixtures.folder("torch-1.13");
    private static final String CLS = "demo/cls_mdeq_tiny";
    private static final String SEG = "demo/seg_mdeq_tiny";

    @TempDir
    Path dir;

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        CommandLine commandLine = new CommandLine(new WeightsCommand());
        commandLine.setOut(new PrintWriter(out));
        assertEquals(0, commandLine.execute(args));
        return out.toString();
    }

    /** Runs a command that must fail and returns what it threw (Mdeq maps InvalidInputException to exit code 3). */
    private static Exception failure(Object command, String... args) {
        AtomicReference<Exception> thrown = new AtomicReference<>();
        CommandLine commandLine = new CommandLine(command);
        commandLine.setExecutionExceptionHandler((e, cl, parsed) -> {
            thrown.set(e);
            return 3;
        });
        assertEquals(3, commandLine.execute(args));
        return thrown.get();
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
        List<String> table = List.of(out.substring(out.indexOf("\n\n") + 2).split("\n"));
        assertEquals(expected.get("model_entries").size(), table.size(), out);
        assertTrue(table.stream().allMatch(row -> row.length() < 80 && !row.endsWith(" ")),
                "columns as wide as their cells, no trailing blanks: " + out);
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

    @ParameterizedTest
    @ValueSource(strings = {"tiny_bare.pth", "tiny_bare_legacy.pkl", "tiny_checkpoint.pth.tar", "tiny_seg.pth"})
    void importWritesTheReferenceTensorsUnderTheModelsNamesAndForwardGivesTheSameLogits(String name)
            throws IOException {
        Path imported = dir.resolve("imported.npz");
        String out = run("import", "--from", FIXTURES.resolve(name).toString(), "--config", CLS, "--to",
                imported.toString());
        assertTrue(out.contains("loaded 98 of 98 model entries"), out);
        assertTrue(out.contains("wrote " + imported + ": 98 entries (float32, the reference's names) for " + CLS), out);
        // Every entry bit for bit as the fixture script recorded it (from tensor.tolist()), in the model's order.
        Map<String, RawTensor> expected = TorchFixtures.expected("torch-1.13", "tiny_bare.pth").modelEntries();
        Map<String, RawTensor> written = Npz.read(imported);
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(written.keySet()));
        expected.forEach((key, tensor) -> {
            assertEquals(tensor.type(), written.get(key).type(), key);
            assertTrue(Arrays.equals(tensor.shape(), written.get(key).shape()), key);
            assertEquals(tensor.data(), written.get(key).data(), key);
        });

        // mdeq model forward takes the checkpoint itself and the imported npz: the same logits, exactly.
        Path input = dir.resolve("x.npy");
        Random random = new Random(3);
        float[] pixels = new float[2 * 3 * 32 * 32];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextGaussian();
        }
        Files.write(input, Npy.toBytes(RawTensor.ofFloats(new long[] {2, 3, 32, 32}, pixels)));
        float[][] logits = new float[2][];
        String[] weights = {FIXTURES.resolve(name).toString(), imported.toString()};
        for (int i = 0; i < 2; i++) {
            Path result = dir.resolve("out" + i + ".npz");
            assertEquals(0, new CommandLine(new ModelCommand()).execute("forward", "--config", CLS, "--weights",
                    weights[i], "--input", input.toString(), "--out", result.toString(), "--mode", "deq"));
            logits[i] = Npz.read(result).get("logits").toFloatArray();
        }
        assertEquals(20, logits[0].length);
        assertTrue(Float.isFinite(logits[0][0]));
        assertArrayEquals(logits[0], logits[1]);
    }

    @Test
    void strictImportListsMissingUnexpectedAndMisShapedEntriesAndWritesNothing() {
        Path target = dir.resolve("w.npz");
        Exception e = failure(new WeightsCommand(), "import", "--from", FIXTURES.resolve("tiny_mismatch.pth").toString(),
                "--config", CLS, "--to", target.toString());
        String message = assertInstanceOf(InvalidInputException.class, e).getMessage();
        assertTrue(message.contains("classifier.weight: weights (5, 32), model (10, 32)"), message);
        assertTrue(message.contains("missing (the model has them, the weights do not) [1]:\n"
                + "    fullstage.post_fuse_layers.1.gnorm.bias (16,)"), message);
        assertTrue(message.contains("unexpected (the weights have them, the model does not) [1]:\n"
                + "    aux_head.weight (3, 32)"), message);
        assertTrue(message.contains("mdeq weights import --partial"), message);
        assertTrue(!Files.exists(target), "nothing written");

        // A classification checkpoint does not fit a segmentation model strictly either.
        e = failure(new WeightsCommand(), "import", "--from", FIXTURES.resolve("tiny_bare.pth").toString(),
                "--config", SEG, "--to", target.toString());
        message = e.getMessage();
        assertTrue(message.contains("stage0.0.weight (8, 8, 1, 1)") && message.contains("last_layer.3.bias (19,)")
                && message.contains("classifier.weight (10, 32)"), message);
        assertTrue(!Files.exists(target), "nothing written");
    }

    @Test
    void partialImportOfAClassificationCheckpointIntoASegmentationModelTakesTheBackbone() {
        Path target = dir.resolve("backbone.npz");
        String out = run("import", "--from", FIXTURES.resolve("tiny_checkpoint.pth.tar").toString(), "--config", SEG,
                "--to", target.toString(), "--partial");
        Map<String, RawTensor> expected = TorchFixtures.expected("torch-1.13", "tiny_bare.pth").modelEntries();
        List<String> backbone = expected.keySet().stream()
                .filter(k -> k.startsWith("downsample.") || k.startsWith("fullstage.")).toList();
        assertTrue(out.contains("format: zip (torch.save, PyTorch >= 1.6); training checkpoint"), out);
        assertTrue(out.contains("loaded " + backbone.size() + " of 61 model entries from "), out);
        assertTrue(out.contains(": downsample 12, fullstage 34\n"), out);
        // Skipped, with why: the segmentation model's own parts (not loaded) and the classification head.
        assertTrue(out.contains("in the model, not in the weights (not loaded) [15]:\n    stage0.0.weight (8, 8, 1, 1)"),
                out);
        assertTrue(out.contains("    last_layer.3.weight (19, 24, 1, 1)"), out);
        assertTrue(out.contains("in the weights, not in the model (skipped) [52]:\n    incre_modules.0.0.conv1.weight"
                + " (4, 8, 1, 1)"), out);
        assertTrue(out.contains("    classifier.bias (10,)"), out);
        assertTrue(out.contains("x alias of fullstage / fullstage_copy: deq.func.branches.0.blocks.0.conv1.weight_g"),
                out);
        assertTrue(out.contains("5 x training checkpoint entry, not weights: epoch, ..."), out);
        assertTrue(out.contains("wrote " + target + ": 46 entries"), out);
        Map<String, RawTensor> written = Npz.read(target);
        assertEquals(backbone, List.copyOf(written.keySet()));
        backbone.forEach(key -> assertEquals(expected.get(key).data(), written.get(key).data(), key));
    }

    @Test
    void importNeverReplacesAFileUnlessForced() throws IOException {
        Path target = Files.writeString(dir.resolve("keep.npz"), "precious");
        String from = FIXTURES.resolve("tiny_bare.pth").toString();
        Exception e = failure(new WeightsCommand(), "import", "--from", from, "--config", CLS, "--to", target.toString());
        assertTrue(e.getMessage().contains(target + " already exists; it was left as it is"), e.getMessage());
        assertEquals("precious", Files.readString(target));
        run("import", "--from", from, "--config", CLS, "--to", target.toString(), "--force");
        assertEquals(98, Npz.read(target).size());
    }

    @Test
    void theTargetIsCheckedBeforeTheWeightsAreRead() throws IOException {
        Path target = Files.writeString(dir.resolve("keep.npz"), "precious");
        Path noise = Files.write(dir.resolve("noise.pth"), new byte[] {1, 2, 3});
        Exception e = failure(new WeightsCommand(), "import", "--from", noise.toString(), "--config", CLS, "--to",
                target.toString());
        assertTrue(e.getMessage().contains(target + " already exists"), "not the content's problem: " + e.getMessage());
        StringWriter err = new StringWriter();
        CommandLine commandLine = new CommandLine(new WeightsCommand()).setErr(new PrintWriter(err));
        assertEquals(2, commandLine.execute("import", "--from", dir.resolve("none.pth").toString(), "--config", CLS,
                "--to", dir.resolve("out.npz").toString()));
        assertTrue(err.toString().startsWith("--from: the weights file " + dir.resolve("none.pth") + " does not exist"),
                err.toString());
    }

    @Test
    void importOfABadFileFailsWithItsMessage() throws IOException {
        byte[] good = Files.readAllBytes(FIXTURES.resolve("tiny_bare_legacy.pkl"));
        Map<Path, String> cases = Map.of(
                Files.write(dir.resolve("cut.pkl"), Arrays.copyOf(good, good.length - 1000)), "truncated legacy checkpoint",
                Files.write(dir.resolve("noise.pth"), new byte[] {1, 2, 3, 4, 5}), "not a weights file",
                FIXTURES.resolve("malicious_system.pth"), "refusing to load the global 'posix.system'",
                FIXTURES.resolve("malicious_eval_legacy.pth"), "refusing to load the global '__builtin__.eval'",
                FIXTURES.resolve("complex.pth"), "complex64");
        Files.deleteIfExists(TorchFixtures.marker());
        cases.forEach((file, expected) -> {
            Exception e = failure(new WeightsCommand(), "import", "--from", file.toString(), "--config", CLS, "--to",
                    dir.resolve("o.npz").toString());
            String message = assertInstanceOf(InvalidInputException.class, e).getMessage();
            assertTrue(message.startsWith(file.toString()) && message.contains(expected), message);
        });
        assertTrue(Stream.of(dir.resolve("o.npz"), TorchFixtures.marker()).noneMatch(Files::exists));
    }
}
