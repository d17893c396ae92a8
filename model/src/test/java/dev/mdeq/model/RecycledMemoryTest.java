package dev.mdeq.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.Presets;
import dev.mdeq.model.testing.MemoryChurn;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every training mode computes the same gradients, to the last bit, when the memory freed between
 * its forward and its backward is handed out again (float32, the demo's classification preset
 * with dropout): nothing the backward reads may live in Java memory that was already released
 * (docs/numerics.md, "Memory that outlives its array"). The phantom mode failed this before its
 * damping factor became a libtorch array.
 */
class RecycledMemoryTest {

    @ParameterizedTest(name = "{0} at step {1}")
    @CsvSource({"implicit, 0", "implicit, 5", "phantom, 5", "jfb, 5"})
    void gradientsDoNotDependOnRecycledMemory(String grad, long step) {
        ExperimentConfig config = Presets.load("demo/cls_mdeq_tiny",
                List.of("TRAIN.PRETRAIN_STEPS", "3", "DEQ.GRAD", grad, "MODEL.F_THRES", "4"));
        Map<String, double[]> quiet = gradients(config, step, false);
        Map<String, double[]> recycled = gradients(config, step, true);
        quiet.forEach((key, values) -> assertArrayEquals(values, recycled.get(key), 0.0, key));
    }

    /** The parameters' gradients after one training step (step 0 is unrolled pretraining). */
    private static Map<String, double[]> gradients(ExperimentConfig config, long step, boolean recycle) {
        try (NDManager manager = NDManager.newBaseManager();
                MdeqModel model = MdeqModel.create(config, Device.cpu(), DataType.FLOAT32, 7)) {
            Random random = new Random(3);
            float[] pixels = new float[4 * 3 * 32 * 32];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) random.nextGaussian();
            }
            NDArray images = manager.create(pixels, new Shape(4, 3, 32, 32));
            NDArray labels = manager.create(new int[] {1, 2, 3, 4});
            Function<NDArray, NDArray> loss = logits -> {
                if (recycle) {
                    MemoryChurn.recycle(); // after the forward, before the backward
                }
                return CrossEntropy.classification(logits, labels);
            };
            model.trainStep(images, loss, step).logits().close();
            Map<String, double[]> out = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> entry : model.trainableParameters().entrySet()) {
                try (NDArray gradient = entry.getValue().getArray().getGradient()) {
                    out.put(entry.getKey(), gradient.toType(DataType.FLOAT64, true).toDoubleArray());
                }
            }
            return out;
        }
    }
}
