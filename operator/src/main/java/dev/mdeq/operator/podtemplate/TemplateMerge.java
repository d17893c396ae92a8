package dev.mdeq.operator.podtemplate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Set;

/**
 * A strategic-merge-like merge of JSON trees, as {@code kubectl patch} merges pod specs: objects merge
 * field by field, a value of the override replaces the base's, and lists merge by their key: containers
 * and init containers by name (merged field by field), volumes, env and imagePullSecrets by name and
 * volume mounts by mountPath (an item of the override replaces the base's of the same key); any other
 * list (tolerations, ports, ...) gets the override's items that it does not hold yet.
 */
final class TemplateMerge {
    private static final Map<String, String> LIST_KEYS = Map.of("containers", "name", "initContainers", "name",
            "volumes", "name", "env", "name", "imagePullSecrets", "name", "volumeMounts", "mountPath");
    private static final Set<String> MERGED_ITEMS = Set.of("containers", "initContainers");

    private TemplateMerge() {
    }

    /** Merges {@code override} into {@code base} (changed in place). */
    static void merge(ObjectNode base, ObjectNode override) {
        override.properties().forEach(field -> {
            JsonNode current = base.get(field.getKey());
            JsonNode value = field.getValue();
            if (current instanceof ObjectNode object && value instanceof ObjectNode overrideObject) {
                merge(object, overrideObject);
            } else if (current instanceof ArrayNode list && value instanceof ArrayNode overrideList) {
                mergeList(field.getKey(), list, overrideList);
            } else {
                base.set(field.getKey(), value.deepCopy());
            }
        });
    }

    private static void mergeList(String field, ArrayNode base, ArrayNode override) {
        String key = LIST_KEYS.get(field);
        for (JsonNode item : override) {
            int index = indexOf(base, key, item);
            if (index < 0) {
                base.add(item.deepCopy());
            } else if (MERGED_ITEMS.contains(field) && base.get(index) instanceof ObjectNode object
                    && item instanceof ObjectNode overrideItem) {
                merge(object, overrideItem);
            } else {
                base.set(index, item.deepCopy());
            }
        }
    }

    /** The index of the base's item with the same key (or, without a key, an equal item), else -1. */
    private static int indexOf(ArrayNode base, String key, JsonNode item) {
        for (int i = 0; i < base.size(); i++) {
            boolean same = key == null ? base.get(i).equals(item)
                    : item.hasNonNull(key) && item.get(key).equals(base.get(i).get(key));
            if (same) {
                return i;
            }
        }
        return -1;
    }
}
