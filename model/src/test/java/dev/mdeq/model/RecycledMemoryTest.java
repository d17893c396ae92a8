package dev.mdeq.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.Presets;
import dev.mdeq.config.Task;
import dev.mdeq.model.testing.MemoryChurn;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every training mode computes the same gradients, to the last bit, when the memory freed between
 * its forward and its backward is handed out again (float32, the demo's classification preset
 * with dropout, and the segmentation demo for its resizing and loss): nothing the backward reads
 * may live in Java memory that was already released (docs/numerics.md, "Memory that outlives its
 * array"). The memory is recycled after the forward
 * (in the loss) and, in the implicit mode, before every vector-Jacobian product of the adjoint
 * solve. The phantom mode failed this before its damping factor became a libtorch array.
 */
class RecycledMemoryTest {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "demo/cls_mdeq_tiny, unrolled, implicit, 0",
        "demo/cls_mdeq_tiny, implicit, implicit, 5",
        "demo/cls_mdeq_tiny, phantom, phantom, 5",
        "demo/cls_mdeq_tiny, jfb, jfb, 5",
        "demo/seg_mdeq_tiny, unrolled, implicit, 0",
        "demo/seg_mdeq_tiny, implicit, implicit, 5"})
    void gradientsDoNotDependOnRecycledMemory(String preset, String mode, String grad, long step) {
        ExperimentConfig config = Presets.load(preset,
                List.of("TRAIN.PRETRAIN_STEPS", "3", "DEQ.GRAD", grad, "MODEL.F_THRES", "4"));
        Map<String, double[]> quiet = gradients(config, step, false);
        Map<String, double[]> recycled = gradients(config, step, true);
        quiet.forEach((key, values) -> assertArrayEquals(values, recycled.get(key), 0.0, mode + ": " + key));
    }

    @Test
    void theChurnReusesFreedJavaMemory() {
        // The check above means something only if freed Java memory really is handed out again.
        try (NDManager manager = NDManager.newBaseManager()) {
            double[] values = {1.5, 2.5, 3.5, 4.5};
            NDArray created = manager.create(values, new Shape(2, 2));
            NDArray view;
            try (NDManager scope = manager.newSubManager()) {
                created.attach(scope);
                view = created.reshape(4); // shares the Java buffer
                view.attach(manager);
            }
            MemoryChurn.recycle();
            assertFalse(Arrays.equals(values, view.toDoubleArray()),
                    "the view of a closed array still reads its old values: the churn reuses no memory here");
        }
    }

    /** The parameters' gradients after one training step (step 0 is unrolled pretraining). */
    private static Map<String, double[]> gradients(ExperimentConfig config, long step, boolean recycle) {
        RootFinders solves = RootFinders.of(config);
        RootFinders recycling = new WithAdjoint(solves, (f, start, observer) -> solves.backward(w -> {
            MemoryChurn.recycle(); // the adjoint graph is kept across these products
            return f.apply(w);
        }, start, observer));
        try (NDManager manager = NDManager.newBaseManager();
                MdeqModel model = new MdeqModel(config, Device.cpu(), DataType.FLOAT32, 7,
                        recycle ? recycling : solves)) {
            boolean segmentation = config.task() == Task.SEGMENTATION;
            int batch = segmentation ? 2 : 4;
            int height = segmentation ? 64 : 32;
            int width = segmentation ? 128 : 32;
            int numClasses = segmentation ? config.dataset().numClasses() : config.model().numClasses();
            Random random = new Random(3);
            float[] pixels = new float[batch * 3 * height * width];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) random.nextGaussian();
            }
            NDArray images = manager.create(pixels, new Shape(batch, 3, height, width));
            int[] classes = new int[segmentation ? batch * height * width : batch];
            for (int i = 0; i < classes.length; i++) {
                classes[i] = segmentation && i % 7 == 6 ? 255 : random.nextInt(numClasses); // 255: ignored pixels
            }
            NDArray labels = segmentation ? manager.create(classes, new Shape(batch, height, width))
                    : manager.create(classes);
            NDArray classWeights = manager.ones(new Shape(numClasses));
            Function<NDArray, NDArray> loss = logits -> {
                if (recycle) {
                    MemoryChurn.recycle(); // after the forward, before the backward
                }
                return segmentation ? CrossEntropy.segmentation(logits, labels, classWeights, 255)
                        : CrossEntropy.classification(logits, labels);
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
