package dev.mdeq.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Resolves an experiment: the defaults, then an experiment yaml in the reference's format, then
 * {@code KEY VALUE} overrides in the reference's dotted form, each value typed by its key's default.
 *
 * <p>Values follow the reference's rules (yacs): yaml 1.1 scalars, strings that are Python literals
 * evaluated ({@code (0,1,2,3)} is a list, {@code 1e-5} a number), tuples and lists interchangeable.
 * Two deliberate relaxations: an integer is accepted where a number is expected ({@code WD: 0}), and
 * an override may spell booleans {@code true/false} in any case.
 */
public final class ConfigLoader {
    private ConfigLoader() {
    }

    /** Loads an experiment yaml file and applies overrides ({@code KEY VALUE KEY VALUE ...}). */
    public static ExperimentConfig load(Path file, List<String> overrides) {
        String yaml;
        try {
            yaml = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException("experiment config not found: " + file.toAbsolutePath());
        } catch (IOException e) {
            throw new ConfigException("cannot read experiment config " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        return parse(yaml, file.toString(), overrides);
    }

    /**
     * Loads what a command's CONFIG argument names: an experiment yaml file, or else a shipped
     * preset (e.g. {@code cityscapes/seg_mdeq_SMALL}). A name that is neither fails as a missing file.
     */
    public static ExperimentConfig loadFileOrPreset(String fileOrPreset, List<String> overrides) {
        Path file = Path.of(fileOrPreset);
        if (Files.exists(file) || !Presets.exists(fileOrPreset)) {
            return load(file, overrides);
        }
        return Presets.load(fileOrPreset, overrides);
    }

    /**
     * Resolves an experiment given as yaml text.
     *
     * @param source names the text in error messages (a file name, a preset, a ConfigMap key)
     */
    public static ExperimentConfig parse(String yaml, String source, List<String> overrides) {
        Map<String, Object> tree = ConfigTree.toMutable(ConfigSchema.get().defaults());
        Object loaded;
        try {
            loaded = ConfigSchema.newYaml().load(yaml);
        } catch (MarkedYAMLException e) {
            throw new ConfigException(source + ": not valid yaml at line " + (e.getProblemMark().getLine() + 1)
                    + ", column " + (e.getProblemMark().getColumn() + 1) + ": " + e.getProblem());
        } catch (YAMLException e) {
            throw new ConfigException(source + ": not valid yaml: " + e.getMessage());
        }
        if (loaded != null && !(loaded instanceof Map<?, ?>)) {
            throw new ConfigException(source + ": an experiment config must be a yaml mapping of sections "
                    + "(MODEL:, TRAIN:, ...), not " + ValueType.of(ConfigTree.normaliseValue(loaded)).description());
        }
        if (loaded != null) {
            mergeSection(tree, ConfigTree.normalise((Map<?, ?>) loaded), "", source);
        }
        applyOverrides(tree, overrides);
        return resolve(tree);
    }

    /** Applies {@code KEY VALUE} pairs to an already resolved config. */
    public static ExperimentConfig withOverrides(ExperimentConfig config, List<String> overrides) {
        Map<String, Object> tree = ConfigTree.toMutable(config.tree().asMap());
        applyOverrides(tree, overrides);
        return resolve(tree);
    }

    private static ExperimentConfig resolve(Map<String, Object> tree) {
        ExperimentConfig config = ExperimentConfig.from(new ConfigTree(tree));
        ConfigRules.check(config);
        return config;
    }

    private static void applyOverrides(Map<String, Object> tree, List<String> overrides) {
        if (overrides == null || overrides.isEmpty()) {
            return;
        }
        if (overrides.size() % 2 != 0) {
            throw new ConfigException("overrides come in KEY VALUE pairs (e.g. TRAIN.LR 0.01); "
                    + "the last key '" + overrides.get(overrides.size() - 1) + "' has no value");
        }
        for (int i = 0; i < overrides.size(); i += 2) {
            String key = overrides.get(i);
            String source = "override " + key;
            Map<String, Object> section = tree;
            String[] parts = key.split("\\.");
            for (int p = 0; p < parts.length - 1; p++) {
                String sectionKey = String.join(".", java.util.Arrays.copyOfRange(parts, 0, p + 1));
                Object child = section.get(parts[p]);
                if (child == null && ConfigSchema.isOpen(sectionKey)) {
                    child = new LinkedHashMap<String, Object>();
                    section.put(parts[p], child);
                }
                if (!(child instanceof Map<?, ?>)) {
                    throw unknownKey(source, key);
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> typed = (Map<String, Object>) child;
                section = typed;
            }
            Map<String, Object> single = new LinkedHashMap<>();
            single.put(parts[parts.length - 1], overrides.get(i + 1));
            String prefix = parts.length > 1 ? key.substring(0, key.lastIndexOf('.') + 1) : "";
            mergeSection(section, single, prefix, source);
        }
    }

    /** Merges {@code given} into {@code target} (a section of the defaults), checking every key. */
    @SuppressWarnings("unchecked")
    private static void mergeSection(Map<String, Object> target, Map<String, Object> given, String prefix,
                                     String source) {
        for (Map.Entry<String, Object> entry : given.entrySet()) {
            String key = prefix + entry.getKey();
            Object value = entry.getValue();
            boolean known = target.containsKey(entry.getKey());
            if (!known && !ConfigSchema.isOpen(key)) {
                throw unknownKey(source, key);
            }
            Object current = target.get(entry.getKey());
            if (current instanceof Map<?, ?> currentSection) {
                if (value instanceof Map<?, ?> valueSection) {
                    mergeSection((Map<String, Object>) currentSection, (Map<String, Object>) valueSection,
                            key + ".", source);
                    continue;
                }
                throw new ConfigException(source + ": key " + key + " is a section (its keys are "
                        + String.join(", ", ((Map<String, Object>) currentSection).keySet())
                        + "); set the keys inside it, not " + describe(value));
            }
            target.put(entry.getKey(), known ? coerce(key, value, current, source) : decode(value));
        }
    }

    /** Converts {@code given} to the type of {@code defaultValue}, or fails naming the key. */
    static Object coerce(String key, Object given, Object defaultValue, String source) {
        ValueType expected = ValueType.of(defaultValue);
        Object value = given;
        if (value instanceof String text && expected != ValueType.STRING) {
            Optional<Object> literal = PythonLiteral.parse(text);
            if (literal.isPresent()) {
                value = ConfigTree.normaliseValue(literal.get());
            } else if (expected == ValueType.BOOLEAN && (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false"))) {
                value = Boolean.parseBoolean(text.toLowerCase(Locale.ROOT));
            }
        } else if (value instanceof String text && expected == ValueType.STRING) {
            Optional<Object> literal = PythonLiteral.parse(text);
            if (literal.isPresent() && literal.get() instanceof String unquoted) {
                value = unquoted;
            }
        } else {
            value = decode(value);
        }
        ValueType actual = ValueType.of(value);
        if (actual == expected || expected == ValueType.NONE) {
            return value;
        }
        if (expected == ValueType.FLOAT && actual == ValueType.INTEGER) {
            return ((Long) value).doubleValue();
        }
        throw new ConfigException(source + ": key " + key + " expects " + expected.description()
                + " (default " + format(defaultValue) + "), got " + describe(given));
    }

    /** Evaluates Python-literal strings inside values of keys that have no default (MODEL.EXTRA). */
    private static Object decode(Object value) {
        if (value instanceof String text) {
            return PythonLiteral.parse(text).map(ConfigTree::normaliseValue).orElse(text);
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(item -> out.add(decode(item)));
            return out;
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(String.valueOf(k), decode(v)));
            return out;
        }
        return value;
    }

    private static ConfigException unknownKey(String source, String key) {
        return new ConfigException(source + ": unknown key " + key + "; did you mean "
                + ConfigSchema.get().closestKey(key) + "? (only keys under " + ConfigSchema.OPEN_SECTION
                + " may be new)");
    }

    private static String describe(Object value) {
        return format(value) + " (" + ValueType.of(ConfigTree.normaliseValue(value)).description() + ")";
    }

    private static String format(Object value) {
        return value instanceof String ? "'" + value + "'" : String.valueOf(value);
    }
}
