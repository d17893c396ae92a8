package dev.mdeq.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.trainer.weights.RawTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Copies between NDArrays and {@link RawTensor}s (float32, float64 and int64). Bytes are copied as
 * they are: the native order is little-endian on every platform the PyTorch engine runs on.
 */
final class TensorConversion {
    private TensorConversion() {
    }

    static RawTensor toRaw(NDArray array) {
        RawTensor.Type type = switch (array.getDataType()) {
            case FLOAT32 -> RawTensor.Type.FLOAT32;
            case FLOAT64 -> RawTensor.Type.FLOAT64;
            case INT64 -> RawTensor.Type.INT64;
            default -> throw new IllegalArgumentException("cannot store a " + array.getDataType() + " tensor");
        };
        ByteBuffer bytes = array.toByteBuffer();
        ByteBuffer copy = ByteBuffer.allocate(bytes.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(bytes.order(ByteOrder.nativeOrder())).flip();
        return new RawTensor(type, array.getShape().getShape(), copy);
    }

    /** A new array in {@code manager} (on the manager's device) holding the tensor's values. */
    static NDArray toArray(RawTensor tensor, NDManager manager) {
        DataType type = switch (tensor.type()) {
            case FLOAT32 -> DataType.FLOAT32;
            case FLOAT64 -> DataType.FLOAT64;
            case INT64 -> DataType.INT64;
        };
        ByteBuffer direct = ByteBuffer.allocateDirect(tensor.data().remaining()).order(ByteOrder.nativeOrder());
        direct.put(tensor.data().duplicate().order(ByteOrder.LITTLE_ENDIAN)).flip();
        return manager.create(direct, new Shape(tensor.shape()), type);
    }
}
