package dev.mdeq.trainer.train;

import dev.mdeq.metrics.ConfusionMatrix;
import dev.mdeq.metrics.SegmentationMetrics;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.config.Task;
import dev.mdeq.data.BatchLoader;
import dev.mdeq.data.DataBatch;
import dev.mdeq.data.DataPosition;
import dev.mdeq.model.Finite;
import dev.mdeq.model.MdeqModel;
import dev.mdeq.model.layers.Interpolation;
import java.util.function.BooleanSupplier;

/**
 * The validation pass of the training loop, as the reference's: the equilibrium forward in
 * evaluation mode; classification top-1, or segmentation mIoU from a confusion matrix of the
 * argmax of the logits resized to the label size (bilinear, aligned corners), ignore label excluded,
 * IoU_c = tp / max(1, pos + res - tp) averaged over all classes.
 */
final class Validation {
    private final BatchLoader loader;
    private final Task task;
    private final int numClasses;
    private final int ignoreLabel;

    Validation(BatchLoader loader, Task task, int numClasses, int ignoreLabel) {
        this.loader = loader;
        this.task = task;
        this.numClasses = numClasses;
        this.ignoreLabel = ignoreLabel;
    }

    /** Images one pass evaluates. */
    int samples() {
        return loader.order().samplesPerEpoch();
    }

    /**
     * Evaluates {@code model} on the validation split; returns null when {@code stop} turns true
     * before the pass is complete.
     */
    ValidationResult run(MdeqModel model, BooleanSupplier stop) {
        long start = System.nanoTime();
        ConfusionMatrix confusion = new ConfusionMatrix(numClasses);
        long correct = 0;
        long samples = 0;
        try (BatchLoader.BatchStream stream = loader.open(DataPosition.startOf(0))) {
            while (stream.hasNext()) {
                if (stop.getAsBoolean()) {
                    return null;
                }
                DataBatch batch = stream.next();
                try (NDManager manager = model.manager().newSubManager()) {
                    int[] s = batch.shape();
                    NDArray images = manager.create(batch.images(), new Shape(s[0], s[1], s[2], s[3]));
                    NDArray logits = Finite.require(model.evaluate(images, MdeqModel.Mode.EQUILIBRIUM, false).logits(),
                            "validation logits");
                    if (task == Task.CLASSIFICATION) {
                        long[] predicted = logits.argMax(1).toLongArray();
                        for (int i = 0; i < predicted.length; i++) {
                            if (predicted[i] == batch.labels()[i]) {
                                correct++;
                            }
                        }
                    } else {
                        int[] ls = batch.labelShape();
                        NDArray resized = Interpolation.bilinearAlignCorners(logits, ls[1], ls[2]);
                        long[] predicted = resized.argMax(1).toLongArray();
                        int[] labels = batch.labels();
                        for (int i = 0; i < labels.length; i++) {
                            if (labels[i] != ignoreLabel) {
                                confusion.add(labels[i], (int) predicted[i], 1);
                            }
                        }
                    }
                }
                samples += batch.size();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (task == Task.CLASSIFICATION) {
            return new ValidationResult(ValidationResult.TOP1, samples == 0 ? 0 : 100.0 * correct / samples, samples,
                    seconds);
        }
        return new ValidationResult(ValidationResult.MIOU, 100.0 * meanIou(confusion), samples, seconds);
    }

    /**
     * The reference's mean_IoU, as the evaluator's report gives it: tp / max(1, pos + res - tp) averaged
     * over every class, an absent class counting 0 ({@link SegmentationMetrics#miouReference}).
     */
    static double meanIou(ConfusionMatrix confusion) {
        return SegmentationMetrics.of(confusion, SegmentationMetrics.numberedNames(confusion.numClasses()))
                .miouReference();
    }
}
