package dev.mdeq.deploy.schema;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a (validated) JSON value into the value CEL sees, typed by the schema as the API server types
 * it: integer as Long, number as Double (also when written without a fraction), objects as maps,
 * arrays as lists. At the root, {@code metadata} holds only name and generateName.
 */
final class CelValues {
    private CelValues() {
    }

    static Object of(JsonNode value, JsonNode schema, boolean root) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return null;
        }
        if (value.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            value.fields().forEachRemaining(field -> {
                if (root && field.getKey().equals("metadata")) {
                    Map<String, Object> metadata = new LinkedHashMap<>();
                    for (String key : List.of("name", "generateName")) {
                        if (field.getValue().hasNonNull(key)) {
                            metadata.put(key, field.getValue().get(key).asText());
                        }
                    }
                    map.put("metadata", metadata);
                    return;
                }
                JsonNode child = schema == null ? null : schema.path("properties").get(field.getKey());
                if (child == null && schema != null && schema.path("additionalProperties").isObject()) {
                    child = schema.get("additionalProperties");
                }
                map.put(field.getKey(), of(field.getValue(), child, false));
            });
            return map;
        }
        if (value.isArray()) {
            List<Object> list = new ArrayList<>();
            JsonNode items = schema == null ? null : schema.get("items");
            value.forEach(item -> list.add(of(item, items, false)));
            return list;
        }
        if (value.isNumber()) {
            String type = schema == null ? "" : schema.path("type").asText("");
            if (type.equals("number") || (type.isEmpty() && !value.isIntegralNumber())) {
                return value.asDouble();
            }
            return value.decimalValue().longValueExact();
        }
        if (value.isBoolean()) {
            return value.asBoolean();
        }
        return value.asText();
    }
}
