package dev.mdeq.model.weights.torch;

import dev.mdeq.model.weights.RawTensor;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;

/**
 * Element types of PyTorch storages ({@code torch.FloatStorage} ...) that checkpoints can hold, and
 * how each becomes a {@link RawTensor}: float32, float64 and int64 are kept; float16 and bfloat16
 * widen to float32 and the smaller integer types and bool widen to int64, all exactly. Complex
 * and quantized storages are rejected by {@link #ofStorageClass}.
 */
public enum TorchDtype {
    FLOAT32("FloatStorage", "float32", 4, RawTensor.Type.FLOAT32),
    FLOAT64("DoubleStorage", "float64", 8, RawTensor.Type.FLOAT64),
    FLOAT16("HalfStorage", "float16", 2, RawTensor.Type.FLOAT32),
    BFLOAT16("BFloat16Storage", "bfloat16", 2, RawTensor.Type.FLOAT32),
    INT64("LongStorage", "int64", 8, RawTensor.Type.INT64),
    INT32("IntStorage", "int32", 4, RawTensor.Type.INT64),
    INT16("ShortStorage", "int16", 2, RawTensor.Type.INT64),
    INT8("CharStorage", "int8", 1, RawTensor.Type.INT64),
    UINT8("ByteStorage", "uint8", 1, RawTensor.Type.INT64),
    BOOL("BoolStorage", "bool", 1, RawTensor.Type.INT64);

    /** Storage classes PyTorch has but this reader does not convert (named in the error). */
    private static final java.util.Map<String, String> UNSUPPORTED = java.util.Map.of(
            "ComplexFloatStorage", "complex64", "ComplexDoubleStorage", "complex128",
            "QInt8Storage", "qint8 (quantized)", "QUInt8Storage", "quint8 (quantized)",
            "QInt32Storage", "qint32 (quantized)", "QUInt4x2Storage", "quint4x2 (quantized)",
            "QUInt2x4Storage", "quint2x4 (quantized)", "UntypedStorage", "untyped bytes");

    private final String storageClass;
    private final String pythonName;
    private final int bytes;
    private final RawTensor.Type target;

    TorchDtype(String storageClass, String pythonName, int bytes, RawTensor.Type target) {
        this.storageClass = storageClass;
        this.pythonName = pythonName;
        this.bytes = bytes;
        this.target = target;
    }

    /** The dtype of a storage class name such as {@code FloatStorage}, if it is one this reader converts. */
    public static Optional<TorchDtype> ofStorageClass(String name) {
        return Arrays.stream(values()).filter(t -> t.storageClass.equals(name)).findFirst();
    }

    /** True for every storage class name PyTorch defines, converted or not. */
    static boolean isStorageClass(String name) {
        return ofStorageClass(name).isPresent() || UNSUPPORTED.containsKey(name);
    }

    /** The PyTorch dtype of an unsupported storage class, for error messages. */
    static String unsupportedDtype(String storageClass) {
        return UNSUPPORTED.getOrDefault(storageClass, storageClass);
    }

    /** Supported dtypes as text, for error messages. */
    static String supportedList() {
        return String.join(", ", Arrays.stream(values()).map(TorchDtype::pythonName).toList());
    }

    /** The name PyTorch prints, e.g. {@code float16}. */
    public String pythonName() {
        return pythonName;
    }

    /** Bytes per element in the file. */
    public int bytes() {
        return bytes;
    }

    /** The element type of the {@link RawTensor} this dtype becomes. */
    public RawTensor.Type target() {
        return target;
    }

    /** True when the elements are copied as they are (no widening). */
    boolean isKeptAsIs() {
        return this == FLOAT32 || this == FLOAT64 || this == INT64;
    }

    /**
     * Converts the element at byte {@code index} of {@code source} (whose byte order is the file's)
     * and appends it to {@code target} (little-endian).
     */
    void convert(ByteBuffer source, int index, ByteBuffer target) {
        switch (this) {
            case FLOAT32 -> target.putFloat(source.getFloat(index));
            case FLOAT64 -> target.putDouble(source.getDouble(index));
            case FLOAT16 -> target.putFloat(halfToFloat(source.getShort(index)));
            case BFLOAT16 -> target.putFloat(Float.intBitsToFloat((source.getShort(index) & 0xffff) << 16));
            case INT64 -> target.putLong(source.getLong(index));
            case INT32 -> target.putLong(source.getInt(index));
            case INT16 -> target.putLong(source.getShort(index));
            case INT8 -> target.putLong(source.get(index));
            case UINT8 -> target.putLong(source.get(index) & 0xff);
            case BOOL -> target.putLong(source.get(index) != 0 ? 1 : 0);
            default -> throw new IllegalStateException(name());
        }
    }

    /** IEEE 754 binary16 to binary32 (exact; Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float subnormal = mantissa * 0x1p-24f;
            return sign == 0 ? subnormal : -subnormal;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
