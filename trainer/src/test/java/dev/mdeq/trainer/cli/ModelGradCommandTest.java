package dev.mdeq.trainer.cli;

import dev.mdeq.model.testing.TestResources;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.config.ConfigLoader;
import dev.mdeq.model.MdeqModel;
import dev.mdeq.model.TrainStep;
import dev.mdeq.model.CrossEntropy;
import dev.mdeq.model.weights.Npy;
import dev.mdeq.model.weights.Npz;
import dev.mdeq.model.weights.RawTensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code mdeq model grad} on the tiny PyTorch cross-check fixtures (their random weights, float64):
 * the reference's implicit-backward quirks visible in the file, the other modes, the segmentation
 * loss, and bad input named.
 */
class ModelGradCommandTest {
    private static final String REFERENCE = "/dev/mdeq/model/reference/";

    private static Path resource(String name) throws Exception {
        return TestResources.path(REFERENCE + name);
    }

    private static Path images(Path dir, int height, int width) throws Exception {
        Random random = new Random(7);
        float[] pixels = new float[2 * 3 * height * width];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextGaussian();
        }
        Path file = dir.resolve("x.npy");
        Files.write(file, Npy.toBytes(RawTensor.ofFloats(new long[] {2, 3, height, width}, pixels)));
        return file;
    }

    private static Path labels(Path dir, String name, RawTensor tensor) throws Exception {
        Path file = dir.resolve(name);
        Files.write(file, Npy.toBytes(tensor));
        return file;
    }

    /** Runs the command; returns its standard output. */
    private static String run(Path config, Path weights, Path x, Path y, String mode, Path out, String... overrides)
            throws Exception {
        List<String> args = new ArrayList<>(List.of("grad", "--config", config.toString(), "--weights",
                weights.toString(), "--input", x.toString(), "--labels", y.toString(), "--mode", mode, "--float64",
                "--out", out.toString()));
        args.addAll(List.of(overrides));
        PrintStream previous = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true));
        try {
            assertEquals(0, new CommandLine(new ModelCommand()).execute(args.toArray(String[]::new)));
        } finally {
            System.setOut(previous);
        }
        return buffer.toString();
    }

    private static double scalar(Map<String, RawTensor> results, String key) {
        assertTrue(results.containsKey(key), key + " in " + results.keySet());
        return results.get(key).toDoubleArray()[0];
    }

    private static double maxAbs(RawTensor tensor) {
        double max = 0;
        for (double v : tensor.toDoubleArray()) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    private static boolean headKey(String key) {
        return key.startsWith("grad.incre_modules") || key.startsWith("grad.downsamp_modules")
                || key.startsWith("grad.final_layer") || key.startsWith("grad.classifier");
    }

    /**
     * MDEQ-SPEC §4.1: the adjoint runs F_THRES steps (B_THRES is ignored) to eps 2e-10 sqrt(B*D);
     * at these random weights its residual never beats the zero start, so f, stage0 and the stem get
     * exactly zero gradient while the head is trained; implicit-best does give them one. The head
     * sees f(z*) in every equilibrium mode, so the loss and the head's gradient agree with JFB's.
     */
    @Test
    void implicitModeShowsTheReferenceQuirks(@TempDir Path dir) throws Exception {
        Path config = resource("cls_fixture.yaml");
        Path weights = resource("cls_weights.npz");
        Path x = images(dir, 16, 16);
        Path y = labels(dir, "y.npy", RawTensor.ofLongs(new long[] {2}, new long[] {4, 1}));
        String printed = run(config, weights, x, y, "implicit", dir.resolve("implicit.npz"), "MODEL.B_THRES", "5");
        Map<String, RawTensor> implicit = Npz.read(dir.resolve("implicit.npz"));
        assertTrue(printed.contains("implicit: loss ") && printed.contains("gradient norm")
                && printed.contains("backward broyden: 8 steps, lowest-residual step 0"), printed);

        long d = 4 * 16 * 16 + 8 * 8 * 8 + 12 * 4 * 4;
        assertEquals(8, scalar(implicit, "forward.threshold"));
        assertEquals(8, scalar(implicit, "backward.threshold"), "F_THRES, not B_THRES");
        assertEquals(8, scalar(implicit, "backward.steps"), "the backward eps is never reached");
        assertEquals(1e-5 * Math.sqrt(2 * d), scalar(implicit, "forward.eps"), 1e-12);
        assertEquals(2e-10 * Math.sqrt(2 * d), scalar(implicit, "backward.eps"), 1e-18);
        assertEquals(0, scalar(implicit, "backward.lowest_step"), "precondition: no adjoint iterate improved");

        long parameters;
        try (MdeqModel model = MdeqModel.create(ConfigLoader.load(config, List.of()), Device.cpu(), DataType.FLOAT64,
                0)) {
            parameters = model.trainableParameters().size();
            for (String key : model.trainableParameters().keySet()) {
                RawTensor grad = implicit.get("grad." + key);
                assertTrue(grad != null, "grad." + key);
                assertArrayEquals(model.trainableParameters().get(key).getArray().getShape().getShape(), grad.shape());
            }
        }
        Map<String, RawTensor> best = readAfter(config, weights, x, y, "implicit-best", dir);
        Map<String, RawTensor> jfb = readAfter(config, weights, x, y, "jfb", dir);
        assertEquals(scalar(implicit, "loss"), scalar(best, "loss"), 0);
        assertEquals(scalar(implicit, "loss"), scalar(jfb, "loss"), 1e-12, "the head sees f(z*)");
        assertFalse(jfb.containsKey("backward.steps"), "no adjoint solve in JFB");
        Map<String, RawTensor> phantom = readAfter(config, weights, x, y, "phantom", dir, "DEQ.PHANTOM_STEPS", "3");
        assertEquals(scalar(implicit, "forward.residual"), scalar(phantom, "forward.residual"), 0, "the same z*");
        assertFalse(phantom.containsKey("backward.steps"), "no adjoint solve in phantom mode");
        assertTrue(maxAbs(phantom.get("grad.fullstage.branches.0.blocks.0.conv1.weight_v")) > 0);
        int grads = 0;
        for (Map.Entry<String, RawTensor> entry : implicit.entrySet()) {
            String key = entry.getKey();
            if (!key.startsWith("grad.")) {
                continue;
            }
            grads++;
            if (headKey(key)) {
                assertTrue(maxAbs(entry.getValue()) > 0, key);
                assertArrayEquals(jfb.get(key).toDoubleArray(), entry.getValue().toDoubleArray(), 1e-12, key);
            } else {
                assertEquals(0, maxAbs(entry.getValue()), key + ": zero, as the reference's");
                assertTrue(maxAbs(best.get(key)) > 0, key + ": implicit-best gives a gradient");
            }
        }
        assertEquals(parameters, grads);
    }

    @Test
    void unrolledSegmentationUsesTheIgnoreLabelAndNoClassWeights(@TempDir Path dir) throws Exception {
        Path config = resource("seg_fixture.yaml");
        Path weights = resource("seg_weights.npz");
        Path x = images(dir, 32, 48);
        Random random = new Random(3);
        long[] values = random.longs(2 * 32 * 48, 0, 19).map(v -> random.nextInt(4) == 0 ? 255 : v).toArray();
        Path y = labels(dir, "y.npy", RawTensor.ofLongs(new long[] {2, 32, 48}, values));
        Map<String, RawTensor> results = readAfter(config, weights, x, y, "unrolled", dir, "TRAIN.IGNORE_LABEL",
                "255");
        assertFalse(results.containsKey("forward.steps"), "no solver in the unrolled mode");

        try (NDManager manager = NDManager.newBaseManager();
                MdeqModel model = MdeqModel.create(ConfigLoader.load(config, List.of("TRAIN.PRETRAIN_STEPS", "1")),
                        Device.cpu(), DataType.FLOAT64, 0)) {
            model.load(Npz.read(weights), dev.mdeq.model.weights.StateDict.Mode.STRICT, "seg_weights.npz");
            NDArray images = manager.create(Npy.read(Files.newInputStream(x), "x").toDoubleArray(),
                    new Shape(2, 3, 32, 48));
            NDArray target = manager.create(values, new Shape(2, 32, 48));
            NDArray ones = manager.ones(new Shape(19), DataType.FLOAT64);
            TrainStep step = model.trainStep(images, l -> CrossEntropy.segmentation(l, target, ones, 255), 0);
            step.logits().close();
            assertEquals(step.loss(), scalar(results, "loss"), 1e-12);
            double[] expected = model.trainableArrays().get("last_layer.3.weight").getGradient().toDoubleArray();
            assertArrayEquals(expected, results.get("grad.last_layer.3.weight").toDoubleArray(), 1e-12);
        }
        Map<String, RawTensor> weighted = readAfter(config, weights, x, y, "unrolled", dir, "--class-weights",
                "TRAIN.IGNORE_LABEL", "255");
        assertNotEquals(scalar(results, "loss"), scalar(weighted, "loss"), 1e-6);
    }

    private static Map<String, RawTensor> readAfter(Path config, Path weights, Path x, Path y, String mode, Path dir,
            String... extra) throws Exception {
        Path out = dir.resolve(mode + String.join("", extra) + ".npz");
        run(config, weights, x, y, mode, out, extra);
        return Npz.read(out);
    }

    @Test
    void badArgumentsAreNamed(@TempDir Path dir) throws Exception {
        Path config = resource("cls_fixture.yaml");
        Path weights = resource("cls_weights.npz");
        Path x = images(dir, 16, 16);
        Path good = labels(dir, "good.npy", RawTensor.ofLongs(new long[] {2}, new long[] {0, 1}));
        Object[][] cases = {
            {good, "sideways", List.of(), "--mode must be one of unrolled, implicit, implicit-best, phantom, jfb"},
            {labels(dir, "f.npy", RawTensor.ofFloats(new long[] {2}, new float[2])), "implicit", List.of(),
                "labels must be int64 of shape (2,)"},
            {labels(dir, "three.npy", RawTensor.ofLongs(new long[] {3}, new long[3])), "implicit", List.of(),
                "got int64 (3,)"},
            {labels(dir, "big.npy", RawTensor.ofLongs(new long[] {2}, new long[] {0, 5})), "implicit", List.of(),
                "label 5 is not a class index 0..4"},
            {good, "phantom", List.of("DEQ.GRAD", "implicit"), "DEQ.GRAD is set by --mode phantom"},
            {good, "unrolled", List.of("--class-weights"), "--class-weights applies to segmentation configs only"},
        };
        for (Object[] c : cases) {
            StringWriter err = new StringWriter();
            CommandLine commandLine = new CommandLine(new ModelCommand());
            commandLine.setErr(new PrintWriter(err));
            Path out = dir.resolve("o.npz");
            List<String> args = new ArrayList<>(List.of("grad", "--config", config.toString(), "--weights",
                    weights.toString(), "--input", x.toString(), "--labels", c[0].toString(), "--mode", (String) c[1],
                    "--out", out.toString()));
            @SuppressWarnings("unchecked")
            List<String> extra = (List<String>) c[2];
            args.addAll(extra);
            assertNotEquals(0, commandLine.execute(args.toArray(String[]::new)), String.join(" ", args));
            assertTrue(err.toString().contains((String) c[3]), err.toString());
            assertFalse(Files.exists(out), "nothing written");
        }
    }
}
