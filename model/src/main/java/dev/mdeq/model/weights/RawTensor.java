package dev.mdeq.model.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A tensor as a file holds it, before it becomes an NDArray: element type, shape and the
 * elements in row-major order as little-endian bytes. The common currency of the weight formats
 * (npz, PyTorch checkpoints).
 *
 * @param type element type
 * @param shape dimensions (empty for a scalar)
 * @param data {@code type.bytes() * product(shape)} bytes, little-endian, row-major
 */
public record RawTensor(Type type, long[] shape, ByteBuffer data) {

    /** Element types the weight formats use. */
    public enum Type {
        FLOAT32(4), FLOAT64(8), INT64(8);

        private final int bytes;

        Type(int bytes) {
            this.bytes = bytes;
        }

        public int bytes() {
            return bytes;
        }
    }

    public RawTensor {
        shape = shape.clone();
        long expected = type.bytes() * elementCount(shape);
        if (data.remaining() != expected) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " and type " + type
                    + " needs " + expected + " bytes, got " + data.remaining());
        }
        data = data.slice().order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    public static RawTensor ofFloats(long[] shape, float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return new RawTensor(Type.FLOAT32, shape, buffer);
    }

    public static RawTensor ofDoubles(long[] shape, double[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asDoubleBuffer().put(values);
        return new RawTensor(Type.FLOAT64, shape, buffer);
    }

    public static RawTensor ofLongs(long[] shape, long[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asLongBuffer().put(values);
        return new RawTensor(Type.INT64, shape, buffer);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements (1 for a scalar). */
    public long size() {
        return elementCount(shape);
    }

    /** The elements as floats (float64 narrowed, int64 converted). */
    public float[] toFloatArray() {
        float[] out = new float[Math.toIntExact(size())];
        ByteBuffer view = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (type) {
                case FLOAT32 -> view.getFloat(i * 4);
                case FLOAT64 -> (float) view.getDouble(i * 8);
                case INT64 -> view.getLong(i * 8);
            };
        }
        return out;
    }

    /** The elements as doubles. */
    public double[] toDoubleArray() {
        double[] out = new double[Math.toIntExact(size())];
        ByteBuffer view = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (type) {
                case FLOAT32 -> view.getFloat(i * 4);
                case FLOAT64 -> view.getDouble(i * 8);
                case INT64 -> view.getLong(i * 8);
            };
        }
        return out;
    }

    /** The elements as longs; only for INT64 tensors. */
    public long[] toLongArray() {
        if (type != Type.INT64) {
            throw new IllegalStateException("tensor is " + type + ", not INT64");
        }
        long[] out = new long[Math.toIntExact(size())];
        data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
        return out;
    }

    /** Shape as text, e.g. {@code (160, 32, 3, 3)}, as PyTorch prints it. */
    public String shapeText() {
        StringBuilder out = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            out.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return out.append(shape.length == 1 ? ",)" : ")").toString();
    }

    private static long elementCount(long[] shape) {
        long count = 1;
        for (long dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            count = Math.multiplyExact(count, dim);
        }
        return count;
    }
}
