package dev.mdeq.evaluator.results;

import java.util.List;

/**
 * What the evaluation of one image (or one batch of a classification set) measured. The
 * model-based evaluation fills the inference time and the solver runs; scoring existing
 * predictions leaves them 0 / empty.
 *
 * @param name the item's name (e.g. the image's file name; unique within the evaluation)
 * @param evaluated pixels (segmentation) or samples (classification) scored
 * @param correct of them predicted right
 * @param decodeNanos reading and decoding inputs (images, labels, predictions)
 * @param inferenceNanos the model's forward pass, upsampling and argmax
 * @param metricsNanos accumulating the confusion matrix / counts
 * @param writeNanos writing prediction images and samples
 * @param solves the forward solves of this item, in order
 */
public record ImageStats(String name, long evaluated, long correct, long decodeNanos, long inferenceNanos,
        long metricsNanos, long writeNanos, List<SolverRun> solves) {
    public ImageStats {
        solves = solves == null ? List.of() : List.copyOf(solves);
    }

    /** The fraction of evaluated pixels predicted right, NaN when none were evaluated. */
    public double accuracy() {
        return evaluated == 0 ? Double.NaN : (double) correct / evaluated;
    }
}
