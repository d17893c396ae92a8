package dev.mdeq.model.weights.torch;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Short descriptions of unpickled values for messages; never walks into nested containers. */
final class PyValues {
    private PyValues() {
    }

    /** None, bool, int, float, str or bytes. */
    static boolean isScalar(Object value) {
        return value == null || value instanceof String || value instanceof Long || value instanceof BigInteger
                || value instanceof Double || value instanceof Boolean;
    }

    /** E.g. {@code int 7}, {@code str 'mdeq'}, {@code dict (5 entries)}, {@code tensor float32 (2, 3)}. */
    static String describe(Object value) {
        if (value == null) {
            return "None";
        }
        if (value instanceof String s) {
            return "str '" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'";
        }
        if (value instanceof Long || value instanceof BigInteger) {
            return "int " + value;
        }
        if (value instanceof Double d) {
            return "float " + d;
        }
        if (value instanceof Boolean b) {
            return "bool " + (b ? "True" : "False");
        }
        if (value instanceof byte[] bytes) {
            return "bytes (" + bytes.length + ")";
        }
        if (value instanceof PyTuple tuple) {
            return "tuple (" + tuple.size() + " items)";
        }
        if (value instanceof List<?> list) {
            return "list (" + list.size() + " items)";
        }
        if (value instanceof Map<?, ?> map) {
            return "dict (" + map.size() + " entries)";
        }
        if (value instanceof Set<?> set) {
            return "set (" + set.size() + " items)";
        }
        if (value instanceof TorchTensor tensor) {
            return "tensor " + tensor.dtype().pythonName() + " " + TorchTensor.shapeText(tensor.size());
        }
        if (value instanceof StorageRef storage) {
            return "storage " + storage.dtype().pythonName() + " '" + storage.key() + "'";
        }
        if (value instanceof PyGlobal global) {
            return "global " + global.qualifiedName();
        }
        return value.getClass().getSimpleName();
    }
}
