package dev.mdeq.model.weights.torch;

import dev.mdeq.runstore.run.InvalidInputException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The allow-list of Python globals a checkpoint may name, and what "calling" each one means here.
 * A pickle is a program; a checkpoint is untrusted input. So every other global (os.system,
 * builtins.eval, model classes, numpy objects ...) is refused by name the moment the GLOBAL opcode
 * is read, and the allowed ones are never looked up in any runtime: they are interpreted here.
 * <ul>
 *   <li>{@code collections.OrderedDict} - an empty (or pair-filled) ordered dict; BUILD state
 *       (the {@code _metadata} attribute of {@code state_dict()}) is ignored.</li>
 *   <li>{@code torch._utils._rebuild_tensor_v2} (and the older {@code _rebuild_tensor}) - a
 *       {@link TorchTensor} view; requires_grad, backward hooks and metadata are ignored.</li>
 *   <li>{@code torch._utils._rebuild_parameter} / {@code _rebuild_parameter_with_state} - the
 *       tensor itself.</li>
 *   <li>{@code torch.<Type>Storage} (also {@code torch.cuda.*}) - only as the type inside a
 *       storage's persistent id, never called.</li>
 * </ul>
 */
final class TorchGlobals {
    private static final String UTILS = "torch._utils";
    private static final Set<String> CALLABLE = Set.of(
            "collections.OrderedDict",
            UTILS + "._rebuild_tensor_v2",
            UTILS + "._rebuild_tensor",
            UTILS + "._rebuild_parameter",
            UTILS + "._rebuild_parameter_with_state");

    /** The allowed globals as text, for messages. */
    static String allowedList() {
        return String.join(", ", CALLABLE.stream().sorted().toList()) + ", torch.<Type>Storage";
    }

    /** Checks a GLOBAL / STACK_GLOBAL against the allow-list. */
    PyGlobal resolve(String module, String name, String source, long at) {
        PyGlobal global = new PyGlobal(module, name);
        if (CALLABLE.contains(global.qualifiedName()) || isStorageClass(global)) {
            return global;
        }
        throw new InvalidInputException(source + ": refusing to load the global '" + global.qualifiedName()
                + "' (pickle byte " + at + "): a checkpoint may only refer to tensors, storages and ordered dicts"
                + " (allowed: " + allowedList() + "). Nothing from the file was run." + hint(module, name));
    }

    private static boolean isStorageClass(PyGlobal global) {
        return (global.module().equals("torch") || global.module().equals("torch.cuda"))
                && TorchDtype.isStorageClass(global.name());
    }

    private static String hint(String module, String name) {
        if (module.startsWith("__torch__")) {
            return " This looks like a TorchScript archive (torch.jit.save); save model.state_dict() with torch.save"
                    + " instead.";
        }
        if (module.startsWith("numpy")) {
            return " NumPy objects are not read; store tensors or plain numbers.";
        }
        if (!name.isEmpty() && Character.isUpperCase(name.charAt(0))) {
            return " The file holds a pickled Python object (e.g. a whole model saved with torch.save(model));"
                    + " save model.state_dict() instead.";
        }
        return "";
    }

    /** REDUCE / NEWOBJ: {@code callable(*args)} for the allowed callables. */
    Object call(Object callable, PyTuple args, String source, long at) {
        if (!(callable instanceof PyGlobal global)) {
            throw corrupt(source, at, "call of " + PyValues.describe(callable) + ", not of a global");
        }
        switch (global.qualifiedName()) {
            case "collections.OrderedDict" -> {
                return orderedDict(args, source, at);
            }
            case UTILS + "._rebuild_tensor_v2" -> {
                if (args.size() < 6 || args.size() > 7) {
                    throw corrupt(source, at, "_rebuild_tensor_v2 takes 6 or 7 arguments, got " + args.size());
                }
                return tensor(args, source, at);
            }
            case UTILS + "._rebuild_tensor" -> {
                if (args.size() != 4) {
                    throw corrupt(source, at, "_rebuild_tensor takes 4 arguments, got " + args.size());
                }
                return tensor(args, source, at);
            }
            case UTILS + "._rebuild_parameter", UTILS + "._rebuild_parameter_with_state" -> {
                if (args.size() < 1 || !(args.get(0) instanceof TorchTensor tensor)) {
                    throw corrupt(source, at, global.name() + " needs a tensor as its first argument");
                }
                return tensor;
            }
            default -> throw corrupt(source, at, global.qualifiedName() + " cannot be called (storages come as"
                    + " persistent ids)");
        }
    }

    /** BUILD: sets instance attributes in Python; only the ordered dicts of state_dict() have any. */
    void build(Object target, Object state, String source, long at) {
        boolean attributes = state == null || state instanceof Map<?, ?>
                || state instanceof PyTuple tuple && tuple.items().stream().allMatch(s -> s == null || s instanceof Map<?, ?>);
        if (target instanceof LinkedHashMap<?, ?> && attributes) {
            return;
        }
        throw corrupt(source, at, "BUILD of " + PyValues.describe(target) + " with " + PyValues.describe(state)
                + " is not supported");
    }

    private static Map<Object, Object> orderedDict(PyTuple args, String source, long at) {
        Map<Object, Object> dict = new LinkedHashMap<>();
        if (args.size() == 0) {
            return dict;
        }
        if (args.size() == 1 && (args.get(0) instanceof List<?> || args.get(0) instanceof PyTuple)) {
            List<?> pairs = args.get(0) instanceof PyTuple tuple ? tuple.items() : (List<?>) args.get(0);
            for (Object pair : pairs) {
                if (!(pair instanceof PyTuple kv) || kv.size() != 2 || !PyValues.isScalar(kv.get(0))) {
                    throw corrupt(source, at, "OrderedDict item " + PyValues.describe(pair) + " is not a (key, value) pair");
                }
                dict.put(kv.get(0), kv.get(1));
            }
            return dict;
        }
        throw corrupt(source, at, "OrderedDict called with " + args.size() + " argument(s)");
    }

    private static TorchTensor tensor(PyTuple args, String source, long at) {
        if (!(args.get(0) instanceof StorageRef storage)) {
            throw corrupt(source, at, "tensor storage is " + PyValues.describe(args.get(0)) + ", not a storage");
        }
        if (!(args.get(1) instanceof Long offset) || offset < 0) {
            throw corrupt(source, at, "tensor storage offset is " + PyValues.describe(args.get(1)));
        }
        long[] size = longs(args.get(2), "size", source, at);
        long[] stride = longs(args.get(3), "stride", source, at);
        if (size.length != stride.length) {
            throw corrupt(source, at, "tensor has " + size.length + " sizes but " + stride.length + " strides");
        }
        return new TorchTensor(storage, offset, size, stride);
    }

    private static long[] longs(Object value, String what, String source, long at) {
        if (!(value instanceof PyTuple tuple)) {
            throw corrupt(source, at, "tensor " + what + " is " + PyValues.describe(value) + ", not a tuple");
        }
        long[] out = new long[tuple.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(tuple.get(i) instanceof Long dim) || dim < 0) {
                throw corrupt(source, at, "tensor " + what + " element " + i + " is " + PyValues.describe(tuple.get(i)));
            }
            out[i] = dim;
        }
        return out;
    }

    private static InvalidInputException corrupt(String source, long at, String what) {
        return new InvalidInputException(source + ": corrupt or unsupported pickle at byte " + at + ": " + what);
    }
}
