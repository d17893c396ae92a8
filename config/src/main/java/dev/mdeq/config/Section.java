package dev.mdeq.config;

import java.util.List;
import java.util.Map;

/** Typed reads from one section of a resolved {@link ConfigTree}; errors name the dotted key. */
final class Section {
    private final String prefix;
    private final Map<String, Object> values;

    @SuppressWarnings("unchecked")
    Section(String prefix, Object values) {
        if (!(values instanceof Map<?, ?>)) {
            throw new ConfigException("key " + prefix + " must be a section");
        }
        this.prefix = prefix;
        this.values = (Map<String, Object>) values;
    }

    Section section(String key) {
        return new Section(prefix + "." + key, values.get(key));
    }

    private Object value(String key) {
        Object value = values.get(key);
        if (value == null) {
            throw new ConfigException("key " + prefix + "." + key + " is missing");
        }
        return value;
    }

    private ConfigException wrong(String key, String expected) {
        return new ConfigException("key " + prefix + "." + key + " must be " + expected + ", got " + values.get(key));
    }

    boolean bool(String key) {
        if (value(key) instanceof Boolean b) {
            return b;
        }
        throw wrong(key, "a boolean");
    }

    int integer(String key) {
        if (value(key) instanceof Long n && n == n.intValue()) {
            return n.intValue();
        }
        throw wrong(key, "an integer");
    }

    long longInteger(String key) {
        if (value(key) instanceof Long n) {
            return n;
        }
        throw wrong(key, "an integer");
    }

    double real(String key) {
        if (value(key) instanceof Number n) {
            return n.doubleValue();
        }
        throw wrong(key, "a number");
    }

    String string(String key) {
        if (value(key) instanceof String s) {
            return s;
        }
        throw wrong(key, "a string");
    }

    List<Integer> intList(String key) {
        if (value(key) instanceof List<?> list) {
            return list.stream().map(item -> {
                if (item instanceof Long n && n == n.intValue()) {
                    return n.intValue();
                }
                throw wrong(key, "a list of integers");
            }).toList();
        }
        throw wrong(key, "a list of integers");
    }

    List<Double> realList(String key) {
        if (value(key) instanceof List<?> list) {
            return list.stream().map(item -> {
                if (item instanceof Number n) {
                    return n.doubleValue();
                }
                throw wrong(key, "a list of numbers");
            }).toList();
        }
        throw wrong(key, "a list of numbers");
    }

    /** One of an enum's constants, spelled in lower case in the yaml (e.g. {@code fixed_point}). */
    <E extends Enum<E>> E choice(String key, Class<E> type) {
        String text = string(key);
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(text)) {
                return constant;
            }
        }
        throw new ConfigException("key " + prefix + "." + key + " must be one of "
                + java.util.Arrays.stream(type.getEnumConstants())
                        .map(c -> c.name().toLowerCase(java.util.Locale.ROOT)).toList()
                + ", got '" + text + "'");
    }
}
