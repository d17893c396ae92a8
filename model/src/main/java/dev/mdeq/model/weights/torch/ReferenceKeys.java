package dev.mdeq.model.weights.torch;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which entries of a reference MDEQ state dict belong to the model, under which name (the
 * reference's own names: docs/reference-model.md §6, §1.8). Mapping those names onto this project's model is
 * the model loader's job. The rules, in order:
 * <ol>
 *   <li>FullModel state dicts (segmentation): {@code loss.*} is dropped (the Cityscapes class
 *       weights of the loss, not model parameters) and {@code model.} is stripped, as
 *       tools/seg_test.py does with {@code k[6:]} (§6);</li>
 *   <li>a {@code module.} prefix on every key (an nn.DataParallel wrapper; not in §6: the reference
 *       saves {@code model.module.state_dict()}, but user checkpoints may not) is stripped;</li>
 *   <li>{@code fullstage_copy.*} is dropped: the plain-weight copy used by the implicit backward,
 *       synced at the last forward, i.e. one optimizer step stale (§1.8, §6);</li>
 *   <li>{@code deq.*} is dropped: {@code deq.func} / {@code deq.func_copy} register fullstage and
 *       fullstage_copy a second time, so they are aliases (§1.8);</li>
 *   <li>everything else is kept under its name: BN running statistics and
 *       {@code num_batches_tracked} included, weight-norm pairs {@code weight_g} / {@code weight_v}
 *       as they are (§1.3).</li>
 * </ol>
 */
public final class ReferenceKeys {
    private static final String FULL_MODEL_PREFIX = "model.";
    private static final String LOSS_PREFIX = "loss.";
    private static final String DATA_PARALLEL_PREFIX = "module.";

    private final boolean fullModel;
    private final boolean dataParallel;

    private ReferenceKeys(boolean fullModel, boolean dataParallel) {
        this.fullModel = fullModel;
        this.dataParallel = dataParallel;
    }

    /** The rules for a state dict with these keys ({@code fullModel}: a segmentation FullModel's). */
    public static ReferenceKeys of(Collection<String> keys, boolean fullModel) {
        List<String> modelKeys = keys.stream()
                .filter(key -> !fullModel || key.startsWith(FULL_MODEL_PREFIX))
                .map(key -> fullModel ? key.substring(FULL_MODEL_PREFIX.length()) : key)
                .toList();
        boolean dataParallel = !modelKeys.isEmpty()
                && modelKeys.stream().allMatch(key -> key.startsWith(DATA_PARALLEL_PREFIX));
        return new ReferenceKeys(fullModel, dataParallel);
    }

    /** The model's entries under their model names, in file order. */
    public <T> Map<String, T> modelEntries(Map<String, T> stateDict) {
        Map<String, T> model = new LinkedHashMap<>();
        stateDict.forEach((key, value) -> {
            if (dropReason(key).isEmpty()) {
                model.put(modelName(key), value);
            }
        });
        return model;
    }

    /** Why the key is not a model entry, or the empty string when it is one. */
    public String dropReason(String key) {
        if (fullModel && key.startsWith(LOSS_PREFIX)) {
            return "loss weights of FullModel";
        }
        if (fullModel && !key.startsWith(FULL_MODEL_PREFIX)) {
            return "outside FullModel's 'model.'";
        }
        String name = modelName(key);
        if (name.startsWith("fullstage_copy.")) {
            return "backward copy of fullstage (one step stale)";
        }
        if (name.startsWith("deq.")) {
            return "alias of fullstage / fullstage_copy";
        }
        return "";
    }

    /** The key with the FullModel and DataParallel prefixes stripped. */
    public String modelName(String key) {
        String name = fullModel && key.startsWith(FULL_MODEL_PREFIX) ? key.substring(FULL_MODEL_PREFIX.length()) : key;
        return dataParallel && name.startsWith(DATA_PARALLEL_PREFIX) ? name.substring(DATA_PARALLEL_PREFIX.length()) : name;
    }

    /** BN running statistics: buffers, not trainable parameters. */
    public static boolean isBuffer(String key) {
        return key.endsWith(".running_mean") || key.endsWith(".running_var") || key.endsWith(".num_batches_tracked");
    }

    /** True when every key is a FullModel key ({@code model.*} or {@code loss.*}) and some are {@code model.*}. */
    public static boolean looksLikeFullModel(Collection<String> keys) {
        return keys.stream().anyMatch(key -> key.startsWith(FULL_MODEL_PREFIX))
                && keys.stream().allMatch(key -> key.startsWith(FULL_MODEL_PREFIX) || key.startsWith(LOSS_PREFIX));
    }
}
