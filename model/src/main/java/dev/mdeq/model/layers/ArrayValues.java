package dev.mdeq.model.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Values computed in Java into arrays (existing ones, or new ones libtorch owns) and back,
 * converting types; and the cheap first question about an array's values, whether they are finite.
 */
public final class ArrayValues {
    private ArrayValues() {
    }

    /** Overwrites {@code target} in place (its identity and gradient flag stay) with {@code values}. */
    public static void set(NDArray target, double[] values) {
        if (values.length != target.size()) {
            throw new IllegalArgumentException("array of shape " + target.getShape() + " cannot take "
                    + values.length + " values");
        }
        switch (target.getDataType()) {
            case FLOAT64 -> target.set(values);
            case FLOAT32 -> {
                float[] floats = new float[values.length];
                for (int i = 0; i < values.length; i++) {
                    floats[i] = (float) values[i];
                }
                target.set(floats);
            }
            case INT64 -> {
                long[] longs = new long[values.length];
                for (int i = 0; i < values.length; i++) {
                    longs[i] = Math.round(values[i]);
                }
                target.set(longs);
            }
            default -> throw new IllegalArgumentException("unsupported parameter type " + target.getDataType());
        }
    }

    /**
     * A new array of {@code values} in memory libtorch owns. DJL's {@code create(double[])} keeps
     * the values in Java memory that only its array object holds, so a view of it or an autograd
     * graph that outlives that object reads freed memory (docs/numerics.md, "Memory that outlives
     * its array"); this copy can be viewed, saved and closed freely.
     */
    public static NDArray owned(NDManager manager, double[] values, Shape shape, DataType type) {
        try (NDArray javaMemory = manager.create(values, shape)) {
            return javaMemory.toType(type, true);
        }
    }

    /**
     * Whether the sum of {@code values} is finite: true means no NaN or infinity is among them
     * (either would make the sum non-finite); false means there may be one, or the sum of large
     * values overflowed. One reduction, the cheap first question before an exact count or mask.
     */
    public static boolean sumIsFinite(NDArray values) {
        try (NDArray sum = values.sum(); NDArray wide = sum.toType(DataType.FLOAT64, false)) {
            return Double.isFinite(wide.getDouble());
        }
    }

    /** The values of {@code source} as doubles (float32, float64 and int64 arrays), without new arrays. */
    public static double[] get(NDArray source) {
        return switch (source.getDataType()) {
            case FLOAT64 -> source.toDoubleArray();
            case FLOAT32 -> {
                float[] floats = source.toFloatArray();
                double[] out = new double[floats.length];
                for (int i = 0; i < floats.length; i++) {
                    out[i] = floats[i];
                }
                yield out;
            }
            case INT64 -> {
                long[] longs = source.toLongArray();
                double[] out = new double[longs.length];
                for (int i = 0; i < longs.length; i++) {
                    out[i] = longs[i];
                }
                yield out;
            }
            default -> throw new IllegalArgumentException("unsupported array type " + source.getDataType());
        };
    }
}
