package dev.mdeq.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.mdeq.model.layers.Interpolation;

/**
 * The reference's training losses: {@code nn.CrossEntropyLoss()} for classification, and for
 * segmentation {@code nn.CrossEntropyLoss(weight=class_weights, ignore_index=255)} on the logits
 * resized to the label size (bilinear, {@code align_corners=True}), i.e. the weighted mean
 * {@code sum w[y] * -log p_y / sum w[y]} over the pixels that are not ignored.
 */
public final class CrossEntropy {
    private CrossEntropy() {
    }

    /**
     * Mean cross-entropy of {@code (B, K)} logits against {@code (B)} class indices.
     */
    public static NDArray classification(NDArray logits, NDArray labels) {
        NDArray logProbabilities = logits.logSoftmax(1);
        NDArray index = labels.toType(DataType.INT64, false).reshape(-1, 1);
        return logProbabilities.gather(index, 1).mean().neg();
    }

    /**
     * Weighted cross-entropy of {@code (B, K, h, w)} logits against {@code (B, H, W)} labels, the
     * logits first resized to {@code (H, W)}; pixels labelled {@code ignoreLabel} do not count.
     *
     * @param classWeights {@code (K)} weight per class (all ones for an unweighted loss)
     */
    public static NDArray segmentation(NDArray logits, NDArray labels, NDArray classWeights, int ignoreLabel) {
        long height = labels.getShape().get(1);
        long width = labels.getShape().get(2);
        NDArray resized = Interpolation.bilinearAlignCorners(logits, height, width);
        NDArray logProbabilities = resized.logSoftmax(1);
        NDArray target = labels.toType(DataType.INT64, false);
        NDArray valid = target.neq(ignoreLabel);
        NDArray safe = target.mul(valid.toType(DataType.INT64, false));
        NDArray picked = logProbabilities.gather(safe.expandDims(1), 1).squeeze(1);
        NDArray weights = classWeights.toType(logits.getDataType(), false).take(safe)
                .mul(valid.toType(logits.getDataType(), false));
        return picked.mul(weights).sum().neg().div(weights.sum());
    }
}
