package dev.mdeq.model.weights.torch;

import dev.mdeq.runstore.run.InvalidInputException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The storages a data pickle referred to, by key. One key used with two dtypes or sizes is refused
 * (PyTorch itself refuses to save that).
 */
final class StorageTable {
    private final Map<String, StorageRef> byKey = new LinkedHashMap<>();

    StorageRef add(StorageRef storage, String source, long at) {
        StorageRef first = byKey.putIfAbsent(storage.key(), storage);
        if (first != null && (first.dtype() != storage.dtype() || first.numel() != storage.numel())) {
            throw new InvalidInputException(source + ": storage '" + storage.key() + "' is used as "
                    + first.dtype().pythonName() + " of " + first.numel() + " elements and as "
                    + storage.dtype().pythonName() + " of " + storage.numel() + " elements (pickle byte " + at + ")");
        }
        return storage;
    }

    StorageRef get(String key) {
        return byKey.get(key);
    }

    Set<String> keys() {
        return byKey.keySet();
    }
}
