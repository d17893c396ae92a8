package dev.mdeq.config;

import java.util.List;
import java.util.Map;

/** The kind of a configuration value, taken from the key's default. */
enum ValueType {
    BOOLEAN("a boolean (true or false)"),
    INTEGER("an integer"),
    FLOAT("a number"),
    STRING("a string"),
    LIST("a list such as [1, 2] or (1, 2)"),
    SECTION("a section of keys"),
    NONE("None");

    private final String description;

    ValueType(String description) {
        this.description = description;
    }

    /** Says what a valid value looks like, for error messages. */
    String description() {
        return description;
    }

    static ValueType of(Object value) {
        if (value == null || value == PythonLiteral.NONE) {
            return NONE;
        }
        if (value instanceof Boolean) {
            return BOOLEAN;
        }
        if (value instanceof Long || value instanceof Integer || value instanceof java.math.BigInteger) {
            return INTEGER;
        }
        if (value instanceof Double || value instanceof Float) {
            return FLOAT;
        }
        if (value instanceof String) {
            return STRING;
        }
        if (value instanceof List<?>) {
            return LIST;
        }
        if (value instanceof Map<?, ?>) {
            return SECTION;
        }
        throw new IllegalArgumentException("unsupported configuration value " + value.getClass());
    }
}
