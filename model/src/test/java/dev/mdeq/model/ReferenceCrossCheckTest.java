package dev.mdeq.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import dev.mdeq.config.ConfigLoader;
import dev.mdeq.model.layers.DropoutMasks;
import dev.mdeq.model.layers.ForwardContext;
import dev.mdeq.model.weights.Npz;
import dev.mdeq.model.weights.RawArrays;
import dev.mdeq.model.weights.RawTensor;
import dev.mdeq.model.weights.StateDict;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Java network against an independent PyTorch implementation of the reference
 * ({@code reference/make_reference_fixture.py}, float64): the weights it drew load strictly (same
 * names and shapes), and the stem, f, the head (evaluation and training mode), the running-statistic
 * update, the state flattening and the unrolled forward reproduce its outputs.
 */
class ReferenceCrossCheckTest {
    private static final double TOLERANCE = 1e-10;

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(ReferenceCrossCheckTest.class.getResource("reference/" + name).toURI());
    }

    private static void assertClose(RawTensor expected, NDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.getShape().getShape(), what + " shape");
        double[] want = expected.toDoubleArray();
        double[] got = actual.toDoubleArray();
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(want[i] - got[i]) / Math.max(1, Math.abs(want[i])));
        }
        assertTrue(worst < TOLERANCE, what + ": worst relative difference " + worst);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cls", "seg"})
    void matchesThePyTorchImplementation(String task) throws Exception {
        MdeqNet net = MdeqNet.build(Architecture.from(ConfigLoader.load(resource(task + "_fixture.yaml"), List.of())));
        Map<String, RawTensor> expected = Npz.read(resource(task + "_expected.npz"));
        try (NDManager manager = NDManager.newBaseManager()) {
            net.initialize(manager, DataType.FLOAT64, 0);
            StateDict.LoadReport report = StateDict.load(net, Npz.read(resource(task + "_weights.npz")),
                    StateDict.Mode.STRICT, task + "_weights.npz");
            assertEquals(net.namedParameters().size(), report.loaded().size());

            try (NDManager scope = manager.newSubManager()) {
                ParameterStore store = new ParameterStore(scope, false);
                ForwardContext eval = ForwardContext.create(store, scope, false, DropoutMasks.none());
                NDArray images = RawArrays.toArray(scope, expected.get("images"), DataType.FLOAT64);
                NDArray x0 = net.inject(eval, images);
                assertClose(expected.get("x0"), x0, "injection");

                StateLayout layout = net.layout(x0.getShape());
                List<NDArray> z = new ArrayList<>();
                for (int i = 0; i < layout.branches().size(); i++) {
                    z.add(RawArrays.toArray(scope, expected.get("z." + i), DataType.FLOAT64));
                }
                List<NDArray> fz = net.f(eval, z, x0);
                for (int i = 0; i < fz.size(); i++) {
                    assertClose(expected.get("fz." + i), fz.get(i), "f(z) branch " + i);
                }
                assertClose(expected.get("head_eval"), net.head(eval, z), "head (evaluation)");

                NDArray vector = layout.flatten(z);
                assertClose(expected.get("z_vec"), vector, "flattened state");
                assertEquals(layout.perSample(), vector.getShape().get(1));
                List<NDArray> back = layout.unflatten(vector);
                for (int i = 0; i < z.size(); i++) {
                    assertArrayEquals(z.get(i).toDoubleArray(), back.get(i).toDoubleArray());
                }

                NDArray unrolled = net.forward(store, new NDList(images), false).singletonOrThrow();
                assertClose(expected.get("unrolled_eval"), unrolled, "unrolled forward");

                ForwardContext train = ForwardContext.create(store, scope, true, DropoutMasks.none());
                assertClose(expected.get("x0_train"), net.inject(train, images), "injection (training)");
                assertClose(expected.get("head_train"), net.head(train, z), "head (training)");
                Map<String, ai.djl.nn.Parameter> parameters = net.namedParameters();
                assertClose(expected.get("train.downsample.1.running_mean"),
                        parameters.get("downsample.1.running_mean").getArray(), "updated running mean");
                assertClose(expected.get("train.downsample.1.running_var"),
                        parameters.get("downsample.1.running_var").getArray(), "updated running var");
                assertEquals(8, parameters.get("downsample.1.num_batches_tracked").getArray().getLong());
            }
        }
    }
}
