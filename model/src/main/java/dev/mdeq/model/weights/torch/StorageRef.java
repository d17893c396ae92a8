package dev.mdeq.model.weights.torch;

import dev.mdeq.runstore.run.InvalidInputException;

/**
 * A storage a checkpoint's pickle refers to by persistent id:
 * {@code ('storage', torch.FloatStorage, key, location, numel)} in the zip format, plus a sixth
 * {@code view_metadata} element {@code (view_key, offset, size)} or None in the legacy format
 * (very old PyTorch saved views of storages as slices of a root storage).
 *
 * @param key the storage's key (zip entry {@code data/<key>}, or its place in the legacy file)
 * @param dtype element type
 * @param numel elements the pickle says the root storage holds
 * @param location device it was saved from ({@code cpu}, {@code cuda:0}; ignored: everything is read to the host)
 * @param viewOffset first element of the view inside the root storage (0 without a view)
 * @param viewSize elements of the view ({@code numel} without a view)
 */
record StorageRef(String key, TorchDtype dtype, long numel, String location, long viewOffset, long viewSize) {

    /** Parses a persistent id; {@code at} is the pickle position for messages. */
    static StorageRef parse(Object persistentId, String source, long at) {
        if (!(persistentId instanceof PyTuple id) || id.size() < 5 || id.size() > 6 || !"storage".equals(id.get(0))) {
            throw new InvalidInputException(source + ": unsupported persistent id at pickle byte " + at + ": "
                    + PyValues.describe(persistentId) + " (expected ('storage', type, key, location, numel))");
        }
        if (!(id.get(1) instanceof PyGlobal type)) {
            throw corrupt(source, at, "storage type is " + PyValues.describe(id.get(1)));
        }
        TorchDtype dtype = TorchDtype.ofStorageClass(type.name()).orElseThrow(() -> new InvalidInputException(source
                + ": tensor dtype " + TorchDtype.unsupportedDtype(type.name()) + " (" + type.qualifiedName()
                + ", pickle byte " + at + ") is not supported; supported dtypes: " + TorchDtype.supportedList()));
        if (!(id.get(2) instanceof String key) || !(id.get(3) instanceof String location)
                || !(id.get(4) instanceof Long numel) || numel < 0) {
            throw corrupt(source, at, "expected (str key, str location, int numel), got (" + PyValues.describe(id.get(2))
                    + ", " + PyValues.describe(id.get(3)) + ", " + PyValues.describe(id.get(4)) + ")");
        }
        if (id.size() == 6 && id.get(5) != null) {
            if (!(id.get(5) instanceof PyTuple view) || view.size() != 3 || !(view.get(1) instanceof Long offset)
                    || !(view.get(2) instanceof Long size) || offset < 0 || size < 0 || offset + size > numel) {
                throw corrupt(source, at, "bad storage view " + PyValues.describe(id.get(5)) + " of a storage of "
                        + numel + " elements");
            }
            return new StorageRef(key, dtype, numel, location, offset, size);
        }
        return new StorageRef(key, dtype, numel, location, 0, numel);
    }

    private static InvalidInputException corrupt(String source, long at, String what) {
        return new InvalidInputException(source + ": corrupt storage record at pickle byte " + at + ": " + what);
    }
}
