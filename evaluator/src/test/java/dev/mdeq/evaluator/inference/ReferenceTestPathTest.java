package dev.mdeq.evaluator.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.mdeq.model.MdeqModel;
import dev.mdeq.model.solver.SolverStats;
import dev.mdeq.model.weights.Npz;
import dev.mdeq.model.weights.RawArrays;
import dev.mdeq.model.weights.RawTensor;
import dev.mdeq.model.weights.StateDict;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Our segmentation test against the reference's own, pixel for pixel. The predictions were made by
 * the reference implementation itself ({@code reference/make_seg_test_fixture.py} runs locuslab/mdeq's
 * {@code Cityscapes.multi_scale_inference} on the CPU) for one 32x64 image and the weights beside
 * them, with TEST.BASE_SIZE 64 and TEST.IMAGE_SIZE [64, 32]: as the reference computes them
 * (TEST.REFERENCE_EXACT true), and with the reference patched to the corrected behaviour (false).
 */
class ReferenceTestPathTest {
    private static final int HEIGHT = 32;
    private static final int WIDTH = 64;
    private static final List<Double> ONE = List.of(1.0);
    private static final List<Double> HALF = List.of(0.5);
    private static final List<Double> THREE = List.of(0.5, 1.0, 1.5);
    private static MdeqModel model;
    private static Map<String, RawTensor> expected;

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(ReferenceTestPathTest.class.getResource("reference/" + name).toURI());
    }

    @BeforeAll
    static void model() throws URISyntaxException {
        model = MdeqModel.create(ModelRuns.segmentation(Path.of("unused")), Device.cpu(), DataType.FLOAT32, 0);
        model.load(Npz.read(resource("seg_test_weights.npz")), StateDict.Mode.STRICT, "seg_test_weights.npz");
        expected = Npz.read(resource("seg_test_expected.npz"));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /**
     * The fixture's cases: scale 1, scale 0.5 alone (a 16x32 pass whose probabilities are resized to
     * the image), three scales (1.5 in 2x2 windows), flip at scale 1 and at three scales.
     */
    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (boolean exact : new boolean[] {true, false}) {
            String prefix = exact ? "" : "corrected_";
            out.add(Arguments.of(prefix + "single", ONE, false, exact));
            out.add(Arguments.of(prefix + "half", HALF, false, exact));
            out.add(Arguments.of(prefix + "multi", THREE, false, exact));
            out.add(Arguments.of(prefix + "flip", ONE, true, exact));
            out.add(Arguments.of(prefix + "multi_flip", THREE, true, exact));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void predictionsEqualTheReferencesOnEveryPixel(String name, List<Double> scales, boolean flip, boolean exact) {
        SegmentationInference inference = new SegmentationInference(model,
                new SegmentationInference.Options(true, scales, flip, WIDTH, HEIGHT, WIDTH, exact));
        List<SolverStats> solves = new ArrayList<>();
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray image = RawArrays.toArray(scope, expected.get("image"), DataType.FLOAT32);
            NDArray scores = inference.scores(image, solves::add);
            byte[] prediction = SegmentationInference.argmax(scores);
            long[] want = expected.get(name + ".prediction").toLongArray();
            assertEquals(HEIGHT * WIDTH, want.length);
            List<String> differing = new ArrayList<>();
            for (int p = 0; p < want.length; p++) {
                if (prediction[p] != want[p]) {
                    differing.add("(" + p / WIDTH + ", " + p % WIDTH + "): " + prediction[p] + " not " + want[p]);
                }
            }
            assertTrue(differing.isEmpty(), differing.size() + " pixels differ from the reference's prediction, e.g. "
                    + differing.subList(0, Math.min(5, differing.size())));
            RawTensor referenceScores = expected.get(name + ".scores");
            if (referenceScores != null) {
                float[] want2 = referenceScores.toFloatArray();
                float[] got = scores.toFloatArray();
                float largest = 0;
                for (float v : want2) {
                    largest = Math.max(largest, Math.abs(v));
                }
                assertArrayEquals(want2, got, 1e-4f * largest, "the score map");
            }
        }
        // equilibrium solves: one per pass (three scales: 0.5 whole, 1.0 whole, 1.5 in four windows), the mirrored ones
        // only in the corrected behaviour (the fixture's model pretrains: TRAIN.PRETRAIN_STEPS 60)
        int passes = scales.size() == 1 ? 1 : 6;
        assertEquals(flip && !exact ? 2 * passes : passes, solves.size());
    }

    @Test
    void theFixtureSeparatesTheTwoBehaviours() {
        // otherwise the cases above could not tell the behaviours apart
        for (String name : List.of("single", "half", "multi", "flip", "multi_flip")) {
            long[] exact = expected.get(name + ".prediction").toLongArray();
            long[] corrected = expected.get("corrected_" + name + ".prediction").toLongArray();
            int differing = 0;
            for (int p = 0; p < exact.length; p++) {
                differing += exact[p] != corrected[p] ? 1 : 0;
            }
            assertTrue(differing > 100, name + ": only " + differing + " pixels differ");
        }
    }
}
