package dev.mdeq.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.config.Presets;
import dev.mdeq.model.MdeqModel;
import dev.mdeq.model.weights.Npy;
import dev.mdeq.model.weights.Npz;
import dev.mdeq.model.weights.RawArrays;
import dev.mdeq.model.weights.RawTensor;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code mdeq model forward} end to end on the tiny demo preset, and {@code mdeq model summary}. */
class ModelCommandTest {
    private static final String PRESET = "demo/cls_mdeq_tiny";

    @Test
    void forwardWritesWhatTheModelComputes(@TempDir Path dir) throws Exception {
        Path weights = dir.resolve("w.npz");
        Path input = dir.resolve("x.npy");
        try (NDManager manager = NDManager.newBaseManager();
                MdeqModel model = MdeqModel.create(Presets.load(PRESET, List.of()), Device.cpu(), DataType.FLOAT32,
                        42)) {
            Npz.write(weights, model.stateDict());
            NDArray images = manager.randomNormal(new Shape(2, 3, 32, 32));
            Files.write(input, Npy.toBytes(RawArrays.toRaw(images)));

            for (String mode : new String[] {"deq", "unrolled"}) {
                Path out = dir.resolve(mode + ".npz");
                assertEquals(0, command().execute("forward", "--config", PRESET, "--weights", weights.toString(),
                        "--input", input.toString(), "--out", out.toString(), "--mode", mode));
                Map<String, RawTensor> results = Npz.read(out);
                try (MdeqModel.Evaluation expected = model.evaluate(images, mode.equals("deq")
                        ? MdeqModel.Mode.EQUILIBRIUM : MdeqModel.Mode.UNROLLED, true)) {
                    assertArrayEquals(expected.logits().toFloatArray(), results.get("logits").toFloatArray(), 1e-5f);
                    assertArrayEquals(new long[] {2, 8, 32, 32}, results.get("z.0").shape());
                    assertArrayEquals(new long[] {2, 16, 16, 16}, results.get("fz.1").shape());
                    assertArrayEquals(expected.zStar().get(1).toFloatArray(), results.get("z.1").toFloatArray(), 1e-5f);
                }
                if (mode.equals("deq")) {
                    long steps = results.get("solver.steps").toLongArray()[0];
                    assertTrue(steps >= 1 && steps <= 8, "steps " + steps);
                    assertEquals(steps + 1, results.get("solver.abs_trace").size());
                    // The reported residual is ||f(z*) - z*|| over the batch, recomputable from the file.
                    double residual = 0;
                    for (int i = 0; i < 2; i++) {
                        float[] z = results.get("z." + i).toFloatArray();
                        float[] fz = results.get("fz." + i).toFloatArray();
                        for (int k = 0; k < z.length; k++) {
                            residual += (double) (fz[k] - z[k]) * (fz[k] - z[k]);
                        }
                    }
                    assertEquals(results.get("solver.residual").toDoubleArray()[0], Math.sqrt(residual),
                            1e-3 * Math.sqrt(residual));
                } else {
                    assertTrue(!results.containsKey("solver.steps"));
                }
            }
            assertNotEquals(Npz.read(dir.resolve("deq.npz")).get("logits").toFloatArray()[0],
                    Npz.read(dir.resolve("unrolled.npz")).get("logits").toFloatArray()[0]);
        }
    }

    @Test
    void badInputIsNamed(@TempDir Path dir) throws Exception {
        StringWriter err = new StringWriter();
        CommandLine commandLine = command();
        commandLine.setErr(new PrintWriter(err));
        Path input = dir.resolve("x.npy");
        Files.write(input, Npy.toBytes(RawTensor.ofFloats(new long[] {1, 3, 4, 4}, new float[48])));
        int code = commandLine.execute("forward", "--config", PRESET, "--weights", dir.resolve("missing.npz").toString(),
                "--input", input.toString(), "--out", dir.resolve("o.npz").toString());
        assertNotEquals(0, code);
        assertTrue(err.toString().contains("missing.npz"), err.toString());
        assertTrue(!Files.exists(dir.resolve("o.npz")), "nothing written");

        Path grey = dir.resolve("grey.npy");
        Files.write(grey, Npy.toBytes(RawTensor.ofFloats(new long[] {1, 1, 4, 4}, new float[16])));
        err.getBuffer().setLength(0);
        assertNotEquals(0, commandLine.execute("forward", "--config", PRESET, "--weights", input.toString(),
                "--input", grey.toString(), "--out", dir.resolve("o.npz").toString()));
        assertTrue(err.toString().contains("(B, 3, H, W)") && err.toString().contains("(1, 1, 4, 4)"), err.toString());
    }

    @Test
    void nonFiniteResultsAreRefusedWithTheOperationAndStep(@TempDir Path dir) throws Exception {
        Path weights = dir.resolve("w.npz");
        try (MdeqModel model = MdeqModel.create(Presets.load(PRESET, List.of()), Device.cpu(), DataType.FLOAT32, 42)) {
            Npz.write(weights, model.stateDict());
        }
        float[] pixels = new float[2 * 3 * 32 * 32];
        pixels[5] = Float.NaN; // one bad pixel of the first image
        Path input = dir.resolve("nan.npy");
        Files.write(input, Npy.toBytes(RawTensor.ofFloats(new long[] {2, 3, 32, 32}, pixels)));
        for (String mode : new String[] {"deq", "unrolled"}) {
            StringWriter err = new StringWriter();
            CommandLine commandLine = command();
            commandLine.setErr(new PrintWriter(err));
            Path out = dir.resolve(mode + ".npz");
            assertNotEquals(0, commandLine.execute("forward", "--config", PRESET, "--weights", weights.toString(),
                    "--input", input.toString(), "--out", out.toString(), "--mode", mode));
            String expected = mode.equals("deq")
                    ? "forward solve: the broyden solver's residual became NaN or infinite at step 0 of 8"
                    : "logits: 10 of 20 values are NaN or infinite"; // the other image is unaffected
            assertTrue(err.toString().contains(expected), err.toString());
            assertTrue(!Files.exists(out), "no numbers written");
        }
    }

    @Test
    void summaryPrintsTheReferenceNumbers() {
        java.io.PrintStream previous = System.out;
        java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(buffer, true));
        try {
            assertEquals(0, command().execute("summary", "cifar/cls_mdeq_LARGE"));
        } finally {
            System.setOut(previous);
        }
        String out = buffer.toString();
        assertTrue(out.contains("11,098,398"), out);
        assertTrue(out.contains("D = 61,440"), out);
        assertTrue(out.contains("823."), out);
    }

    private static CommandLine command() {
        return new CommandLine(new ModelCommand());
    }
}
