package dev.mdeq.model.checkpoint;

import dev.mdeq.config.ConfigLoader;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.run.Listing;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Keeps a run folder tied to one experiment config: the first start writes
 * {@link RunLayout#CONFIG}; later starts must give the same config (or none, and train with the
 * saved one). A different config is refused with the keys that differ, unless the caller allows
 * the change, in which case the new config replaces the saved one and the differences are logged.
 */
public final class RunConfigGuard {
    private RunConfigGuard() {
    }

    /**
     * The config the run trains with.
     *
     * @param run the run folder
     * @param given the config from the command line, or null to use the run's saved config
     * @param allowChange accept a config that differs from the saved one
     * @param log receives a line listing accepted differences
     * @throws InvalidInputException when no config is given and none is saved, or when the given
     *     one differs and {@code allowChange} is false
     */
    public static ExperimentConfig resolve(ObjectStore run, ExperimentConfig given, boolean allowChange,
            Consumer<String> log) {
        String location = run.root().resolve(RunLayout.CONFIG).toString();
        if (run.stat(RunLayout.CONFIG).isEmpty()) {
            if (given == null) {
                throw new InvalidInputException("the run folder " + run.root() + " has no " + RunLayout.CONFIG
                        + "; give the experiment with --config FILE (or a preset name)");
            }
            run.putBytes(RunLayout.CONFIG, given.toYaml().getBytes(StandardCharsets.UTF_8));
            return given;
        }
        ExperimentConfig saved = ConfigLoader.parse(new String(run.getBytes(RunLayout.CONFIG), StandardCharsets.UTF_8),
                location, List.of());
        if (given == null || given.tree().equals(saved.tree())) {
            return saved;
        }
        List<String> differences = differences(saved.tree().asMap(), given.tree().asMap());
        String listed = Listing.some(differences, "; ");
        if (!allowChange) {
            throw new InvalidInputException("the run " + run.root() + " was started with a different config ("
                    + location + "): " + listed + ". Use a new run folder, or pass --allow-config-change to "
                    + "continue this run with the config given");
        }
        log.accept("continuing the run with a changed config (--allow-config-change): " + listed);
        run.putBytes(RunLayout.CONFIG, given.toYaml().getBytes(StandardCharsets.UTF_8));
        return given;
    }

    /** {@code KEY: saved X, given Y} for every dotted key whose value differs, sorted by key. */
    static List<String> differences(Map<String, Object> saved, Map<String, Object> given) {
        Map<String, Object> a = new TreeMap<>();
        Map<String, Object> b = new TreeMap<>();
        flatten("", saved, a);
        flatten("", given, b);
        TreeMap<String, String> out = new TreeMap<>();
        a.forEach((key, value) -> {
            if (!b.containsKey(key)) {
                out.put(key, key + ": " + value + " in the run, absent in the config given");
            } else if (!value.equals(b.get(key))) {
                out.put(key, key + ": " + value + " in the run, " + b.get(key) + " given");
            }
        });
        b.forEach((key, value) -> {
            if (!a.containsKey(key)) {
                out.put(key, key + ": absent in the run, " + value + " given");
            }
        });
        return new ArrayList<>(out.values());
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Map<String, Object> map, Map<String, Object> out) {
        map.forEach((key, value) -> {
            String dotted = prefix.isEmpty() ? key : prefix + "." + key;
            if (value instanceof Map<?, ?> nested) {
                flatten(dotted, (Map<String, Object>) nested, out);
            } else {
                out.put(dotted, value);
            }
        });
    }
}
