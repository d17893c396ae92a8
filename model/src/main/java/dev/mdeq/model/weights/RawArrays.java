package dev.mdeq.model.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** Conversions between {@link RawTensor} (file contents) and NDArrays. */
public final class RawArrays {
    private RawArrays() {
    }

    /** A new array on {@code manager} with the tensor's values, converted to {@code type}. */
    public static NDArray toArray(NDManager manager, RawTensor tensor, DataType type) {
        Shape shape = new Shape(tensor.shape());
        NDArray array = switch (tensor.type()) {
            case FLOAT32 -> manager.create(tensor.toFloatArray(), shape);
            case FLOAT64 -> manager.create(tensor.toDoubleArray(), shape);
            case INT64 -> manager.create(tensor.toLongArray(), shape);
        };
        if (array.getDataType() == type) {
            return array;
        }
        NDArray converted = array.toType(type, false);
        array.close();
        return converted;
    }

    /** The values of {@code array} (float32, float64 or int64) as a raw tensor of its type. */
    public static RawTensor toRaw(NDArray array) {
        long[] shape = array.getShape().getShape();
        return switch (array.getDataType()) {
            case FLOAT32 -> RawTensor.ofFloats(shape, array.toFloatArray());
            case FLOAT64 -> RawTensor.ofDoubles(shape, array.toDoubleArray());
            case INT64 -> RawTensor.ofLongs(shape, array.toLongArray());
            default -> throw new IllegalArgumentException("cannot save an array of type " + array.getDataType());
        };
    }
}
