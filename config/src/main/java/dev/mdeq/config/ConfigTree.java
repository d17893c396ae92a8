package dev.mdeq.config;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The resolved configuration as an immutable tree of sections (maps in the defaults' key order)
 * and values (Boolean, Long, Double, String, List). The typed records of {@link ExperimentConfig}
 * are read from it; it is what gets written back as the run's {@code config.yaml}.
 */
public final class ConfigTree {
    private final Map<String, Object> root;

    ConfigTree(Map<String, Object> root) {
        this.root = freeze(root);
    }

    /** The value at a dotted key such as {@code TRAIN.LR}, or null when there is none. */
    public Object get(String dottedKey) {
        Object node = root;
        for (String part : dottedKey.split("\\.")) {
            if (!(node instanceof Map<?, ?> map)) {
                return null;
            }
            node = map.get(part);
        }
        return node;
    }

    /** The whole tree, unmodifiable. */
    public Map<String, Object> asMap() {
        return root;
    }

    /** Writes the tree as yaml that {@link ConfigLoader} reads back to an equal tree. */
    public String toYaml() {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndent(2);
        options.setWidth(100);
        return new Yaml(options).dump(toMutable(root));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ConfigTree tree && tree.root.equals(root);
    }

    @Override
    public int hashCode() {
        return root.hashCode();
    }

    /** Deep copy into mutable maps and lists (SnakeYAML's dumper wants plain collections). */
    static Map<String, Object> toMutable(Map<String, Object> map) {
        Map<String, Object> copy = new LinkedHashMap<>();
        map.forEach((key, value) -> copy.put(key, toMutableValue(value)));
        return copy;
    }

    @SuppressWarnings("unchecked")
    private static Object toMutableValue(Object value) {
        if (value instanceof Map<?, ?> map) {
            return toMutable((Map<String, Object>) map);
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>();
            list.forEach(item -> copy.add(toMutableValue(item)));
            return copy;
        }
        return value;
    }

    /** Deep, unmodifiable copy. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> freeze(Map<String, Object> map) {
        Map<String, Object> copy = new LinkedHashMap<>();
        map.forEach((key, value) -> copy.put(key, freezeValue(value)));
        return Collections.unmodifiableMap(copy);
    }

    @SuppressWarnings("unchecked")
    private static Object freezeValue(Object value) {
        if (value instanceof Map<?, ?> map) {
            return freeze((Map<String, Object>) map);
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>();
            list.forEach(item -> copy.add(freezeValue(item)));
            return Collections.unmodifiableList(copy);
        }
        return value;
    }

    /** Scalars as Long / Double, keys as strings, nested maps as mutable LinkedHashMaps. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> normalise(Map<?, ?> map) {
        Map<String, Object> out = new LinkedHashMap<>();
        map.forEach((key, value) -> out.put(String.valueOf(key), normaliseValue(value)));
        return out;
    }

    static Object normaliseValue(Object value) {
        if (value instanceof Map<?, ?> map) {
            return normalise(map);
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(item -> out.add(normaliseValue(item)));
            return out;
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof BigInteger big) {
            return big.longValueExact();
        }
        if (value instanceof Float f) {
            return f.doubleValue();
        }
        return value;
    }

    /** Adds the keys of {@code extra} that {@code target} lacks, recursively. */
    @SuppressWarnings("unchecked")
    static void mergeNew(Map<String, Object> target, Map<String, Object> extra) {
        extra.forEach((key, value) -> {
            Object existing = target.get(key);
            if (existing instanceof Map<?, ?> existingMap && value instanceof Map<?, ?> valueMap) {
                mergeNew((Map<String, Object>) existingMap, (Map<String, Object>) valueMap);
            } else if (existing == null) {
                target.put(key, value);
            } else {
                throw new IllegalStateException("extension key " + key + " already exists in the reference defaults");
            }
        });
    }
}
