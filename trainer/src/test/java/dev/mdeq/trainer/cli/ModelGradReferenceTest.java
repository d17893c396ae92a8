package dev.mdeq.trainer.cli;

import dev.mdeq.model.testing.TestResources;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.model.weights.Npy;
import dev.mdeq.model.weights.Npz;
import dev.mdeq.model.weights.RawTensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * {@code mdeq model grad} against the original code's own training step: loss and every parameter
 * gradient that locuslab/mdeq's MDEQClsNet / MDEQSegNet compute (float64, dropout 0) on the same
 * weights, batch and labels, in the unrolled (pretraining) mode and in the equilibrium mode with the
 * reference's implicit backward hook, including batches where its adjoint solve never improves on
 * its zero start. The fixture is made by {@code reference/make_grad_fixture.py}, which runs the
 * original's classes from a checkout (see its header for the cases). Measured: float64 gradients
 * agree to 2.5e-14 relative (the fixture's float32 storage makes that ~5e-8 here), float32 to 8.2e-6.
 */
class ModelGradReferenceTest {
    private static final String REFERENCE = "/dev/mdeq/model/reference/";

    private static Map<String, RawTensor> expected;

    @BeforeAll
    static void readFixture() throws Exception {
        expected = Npz.read(resource("grad_expected.npz"));
    }

    private static Path resource(String name) throws Exception {
        return TestResources.path(REFERENCE + name);
    }

    private static Path write(Path dir, String name, RawTensor tensor) throws Exception {
        Path file = dir.resolve(name);
        Files.write(file, Npy.toBytes(tensor));
        return file;
    }

    /**
     * Tensors whose reference gradient is below this fraction of the case's largest gradient entry are
     * zero in exact arithmetic and only rounding noise in both codes (biases of convolutions followed
     * by a training-mode BatchNorm, which removes any per-channel constant; and, when the adjoint
     * returns w = g, the post-fusion GroupNorm biases, whose gradient is a per-channel sum of g that
     * the head's BatchNorms make zero): their relative difference is noise over noise, so they are
     * held to an absolute bound instead: this one here in float64, {@link #NOISE_FLOAT32} in float32.
     */
    private static final double NOISE = 1e-10;

    /** The bound on those tensors when this side computes in float32 (their noise is ~1e-8 there). */
    private static final double NOISE_FLOAT32 = 1e-6;

    private static double maxAbs(double[] values) {
        double max = 0;
        for (double v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    /** max |ours - theirs| over max |theirs| (not all zero). */
    private static double relative(double[] ours, double[] theirs) {
        double diff = 0;
        for (int i = 0; i < theirs.length; i++) {
            diff = Math.max(diff, Math.abs(ours[i] - theirs[i]));
        }
        return diff / maxAbs(theirs);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "cls_unrolled,      cls, grad_cls_weights.npz, unrolled, true,  1e-4",
        "cls_implicit,      cls, grad_cls_weights.npz, implicit, true,  1e-3",
        "cls_implicit_zero, cls, cls_weights.npz,      implicit, true,  1e-3",
        "seg_unrolled,      seg, grad_seg_weights.npz, unrolled, true,  1e-4",
        "seg_implicit,      seg, seg_weights.npz,      implicit, true,  1e-3",
        "seg_implicit_zero, seg, grad_seg_weights.npz, implicit, true,  1e-3",
        // The training precision, against the same float64 reference.
        "cls_unrolled,      cls, grad_cls_weights.npz, unrolled, false, 1e-4",
        "cls_implicit,      cls, grad_cls_weights.npz, implicit, false, 1e-3",
        "cls_implicit_zero, cls, cls_weights.npz,      implicit, false, 1e-3",
        "seg_unrolled,      seg, grad_seg_weights.npz, unrolled, false, 1e-4",
        "seg_implicit,      seg, seg_weights.npz,      implicit, false, 1e-3",
        "seg_implicit_zero, seg, grad_seg_weights.npz, implicit, false, 1e-3",
    })
    void matchesTheOriginalCode(String caseName, String task, String weights, String mode, boolean float64,
            double tolerance, @TempDir Path dir) throws Exception {
        Path x = write(dir, "x.npy", expected.get(task + ".x"));
        Path y = write(dir, "y.npy", expected.get(task + ".y"));
        Path out = dir.resolve("g.npz");
        List<String> args = new ArrayList<>(List.of("grad", "--config", resource(task + "_fixture.yaml").toString(),
                "--weights", resource(weights).toString(), "--input", x.toString(), "--labels", y.toString(),
                "--mode", mode, "--out", out.toString()));
        if (float64) {
            args.add("--float64");
        }
        if (task.equals("seg")) {
            args.addAll(List.of("TRAIN.IGNORE_LABEL", "255"));
        }
        PrintStream previous = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true));
        try {
            assertEquals(0, new CommandLine(new ModelCommand()).execute(args.toArray(String[]::new)));
        } finally {
            System.setOut(previous);
        }
        Map<String, RawTensor> ours = Npz.read(out);

        String prefix = caseName + ".grad.";
        TreeSet<String> theirKeys = new TreeSet<>();
        expected.keySet().stream().filter(k -> k.startsWith(prefix)).forEach(k -> theirKeys.add(
                k.substring(prefix.length())));
        TreeSet<String> ourKeys = new TreeSet<>();
        ours.keySet().stream().filter(k -> k.startsWith("grad.")).forEach(k -> ourKeys.add(k.substring(5)));
        assertEquals(theirKeys, ourKeys, "the parameters with a gradient");

        double theirLoss = expected.get(caseName + ".loss").toDoubleArray()[0];
        double lossDiff = Math.abs(ours.get("loss").toDoubleArray()[0] - theirLoss) / Math.abs(theirLoss);
        double largest = 0;
        for (String key : theirKeys) {
            largest = Math.max(largest, maxAbs(expected.get(prefix + key).toDoubleArray()));
        }
        double worst = 0;
        String worstKey = "";
        int exactZeros = 0;
        List<String> failures = new ArrayList<>();
        for (String key : theirKeys) {
            double[] theirs = expected.get(prefix + key).toDoubleArray();
            double[] mine = ours.get("grad." + key).toDoubleArray();
            assertEquals(theirs.length, mine.length, key);
            if (maxAbs(theirs) == 0) {
                exactZeros++;
                if (maxAbs(mine) != 0) {
                    failures.add(key + " is exactly zero in the reference, here " + maxAbs(mine));
                }
                continue;
            }
            if (maxAbs(theirs) < NOISE * largest) {
                if (!(maxAbs(mine) < (float64 ? NOISE : NOISE_FLOAT32) * largest)) {
                    failures.add(key + " is rounding noise in the reference, here " + maxAbs(mine));
                }
                continue;
            }
            double diff = relative(mine, theirs);
            if (diff > worst) {
                worst = diff;
                worstKey = key;
            }
            if (!(diff <= tolerance)) {
                failures.add(String.format(Locale.ROOT, "%s %.3g", key, diff));
            }
        }
        System.out.printf(Locale.ROOT, "%s %s: loss relative difference %.3g, largest gradient difference %.3g (%s) "
                + "over %d parameters, %d exactly zero in both%n", caseName,
                float64 ? "float64" : "float32", lossDiff, worst, worstKey, theirKeys.size(),
                exactZeros);
        assertTrue(lossDiff <= tolerance, caseName + ": loss " + ours.get("loss").toDoubleArray()[0] + " vs "
                + theirLoss + "\n" + printed);
        assertTrue(failures.isEmpty(), caseName + ": gradients beyond " + tolerance + ": " + failures + "\n" + printed);
        for (String solve : List.of("forward", "backward")) {
            for (String stat : List.of("steps", "lowest_step")) {
                RawTensor theirs = expected.get(caseName + "." + solve + "." + stat);
                if (theirs != null) {
                    assertEquals(theirs.toLongArray()[0], (long) ours.get(solve + "." + stat).toDoubleArray()[0],
                            caseName + ": " + solve + "." + stat + "\n" + printed);
                }
            }
        }
        if (caseName.endsWith("_zero")) {
            assertEquals(0, expected.get(caseName + ".backward.lowest_step").toLongArray()[0], "precondition");
            assertTrue(exactZeros > 0, "the equilibrium parameters get exactly zero gradient");
        }
    }
}
