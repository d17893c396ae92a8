package dev.mdeq.model.weights.torch;

import dev.mdeq.model.weights.RawTensor;

/**
 * What a checkpoint says about one tensor, known without reading its elements.
 *
 * @param shape dimensions (empty for a scalar)
 * @param dtype element type in the file
 */
public record TensorInfo(long[] shape, TorchDtype dtype) {
    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements (1 for a scalar). */
    public long numel() {
        long count = 1;
        for (long dim : shape) {
            count *= dim;
        }
        return count;
    }

    /** The element type of the {@link RawTensor} it is read as. */
    public RawTensor.Type type() {
        return dtype.target();
    }

    /** {@code (2, 3)}, as PyTorch prints sizes. */
    public String shapeText() {
        return TorchTensor.shapeText(shape);
    }
}
