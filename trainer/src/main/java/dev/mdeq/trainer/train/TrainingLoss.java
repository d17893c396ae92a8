package dev.mdeq.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.model.CrossEntropy;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.Task;
import dev.mdeq.data.CityscapesLabels;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The training loss of a shard's logits: cross-entropy, for segmentation weighted by the
 * reference's Cityscapes class weights (unweighted when the data set has another number of
 * classes) and without the ignore label.
 */
final class TrainingLoss {
    private final Task task;
    private final int ignoreLabel;
    private final NDArray classWeights;

    /** @param manager holds the class weights for the session's life */
    TrainingLoss(ExperimentConfig config, int numClasses, NDManager manager, Consumer<String> log) {
        this.task = config.task();
        this.ignoreLabel = config.train().ignoreLabel();
        this.classWeights = task == Task.SEGMENTATION ? manager.create(segmentationWeights(numClasses, log)) : null;
    }

    private static float[] segmentationWeights(int numClasses, Consumer<String> log) {
        float[] weights = CityscapesLabels.classWeights();
        if (weights.length != numClasses) {
            log.accept("the data set has " + numClasses + " classes, not the 19 of Cityscapes: the loss is unweighted");
            weights = new float[numClasses];
            Arrays.fill(weights, 1f);
        }
        return weights;
    }

    NDArray of(NDArray logits, ReplicatedModel.Shard shard) {
        NDManager manager = logits.getManager();
        NDArray labels = manager.create(shard.labels(), new Shape(shard.labelShape()));
        if (task == Task.CLASSIFICATION) {
            return CrossEntropy.classification(logits, labels);
        }
        NDArray weights = classWeights.toDevice(logits.getDevice(), true);
        weights.attach(manager);
        return CrossEntropy.segmentation(logits, labels, weights, ignoreLabel);
    }
}
