package dev.mdeq.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Every key an experiment may set, with its default value (whose type the key's values must have).
 *
 * <p>Built from three resources: the reference's own defaults ({@code reference-defaults.yaml},
 * a verbatim copy of lib/config/default.py as yaml), the keys this project adds
 * ({@code extensions.yaml}, documented there) and the MDEQ model's keys under {@code MODEL.EXTRA}
 * ({@code model-extra-defaults.yaml}). {@code MODEL.EXTRA} is the only open section: it accepts
 * keys that are not in the schema, as the reference's does.
 */
final class ConfigSchema {
    static final String OPEN_SECTION = "MODEL.EXTRA";

    private static final ConfigSchema INSTANCE = build();

    private final Map<String, Object> defaults;
    private final List<String> allKeys;

    private ConfigSchema(Map<String, Object> defaults) {
        this.defaults = ConfigTree.freeze(defaults);
        List<String> keys = new ArrayList<>();
        collectKeys("", this.defaults, keys);
        this.allKeys = Collections.unmodifiableList(keys);
    }

    static ConfigSchema get() {
        return INSTANCE;
    }

    /** The defaults as a nested, unmodifiable tree. */
    Map<String, Object> defaults() {
        return defaults;
    }

    /** Every dotted key, sections included, in the defaults' order. */
    List<String> allKeys() {
        return allKeys;
    }

    static boolean isOpen(String dottedKey) {
        return dottedKey.equals(OPEN_SECTION) || dottedKey.startsWith(OPEN_SECTION + ".");
    }

    /**
     * The valid key closest to {@code key}, for "did you mean" messages: the leaf name weighs
     * twice the section path, so {@code F_THRES} suggests {@code MODEL.F_THRES}.
     */
    String closestKey(String key) {
        String best = null;
        int bestScore = Integer.MAX_VALUE;
        for (String candidate : allKeys) {
            int score = 2 * levenshtein(leaf(key), leaf(candidate)) + levenshtein(path(key), path(candidate));
            if (score < bestScore) {
                bestScore = score;
                best = candidate;
            }
        }
        return best;
    }

    private static String leaf(String key) {
        return key.substring(key.lastIndexOf('.') + 1);
    }

    private static String path(String key) {
        int dot = key.lastIndexOf('.');
        return dot < 0 ? "" : key.substring(0, dot);
    }

    static int levenshtein(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = Character.toUpperCase(a.charAt(i - 1)) == Character.toUpperCase(b.charAt(j - 1)) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static void collectKeys(String prefix, Map<String, Object> section, List<String> out) {
        for (Map.Entry<String, Object> entry : section.entrySet()) {
            String key = prefix + entry.getKey();
            out.add(key);
            if (entry.getValue() instanceof Map<?, ?> child) {
                @SuppressWarnings("unchecked")
                Map<String, Object> typed = (Map<String, Object>) child;
                collectKeys(key + ".", typed, out);
            }
        }
    }

    private static ConfigSchema build() {
        Map<String, Object> tree = readResource("reference-defaults.yaml");
        ConfigTree.mergeNew(tree, readResource("extensions.yaml"));
        @SuppressWarnings("unchecked")
        Map<String, Object> model = (Map<String, Object>) tree.get("MODEL");
        @SuppressWarnings("unchecked")
        Map<String, Object> extra = (Map<String, Object>) model.get("EXTRA");
        ConfigTree.mergeNew(extra, readResource("model-extra-defaults.yaml"));
        return new ConfigSchema(tree);
    }

    /** Reads a bundled yaml resource into a mutable tree with normalised scalars. */
    static Map<String, Object> readResource(String name) {
        try (InputStream in = ConfigSchema.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            Object loaded = newYaml().load(in);
            @SuppressWarnings("unchecked")
            Map<String, Object> tree = loaded == null ? new LinkedHashMap<>() : (Map<String, Object>) loaded;
            return ConfigTree.normalise(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A yaml reader with the reference's semantics: YAML 1.1 scalars (as PyYAML's safe_load reads
     * them: {@code False} is a boolean, {@code 1e-5} is a string that the literal step makes a number)
     * and duplicate keys allowed, the last one winning (the shipped CIFAR yamls repeat CUDNN).
     */
    static Yaml newYaml() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(true);
        return new Yaml(new SafeConstructor(options));
    }
}
