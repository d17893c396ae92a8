package dev.mdeq.evaluator.results;

import dev.mdeq.runstore.storage.Sha256;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.mdeq.config.Task;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an evaluation evaluates: the inputs that decide its numbers. Every shard of one evaluation
 * must have the same {@link #fingerprint()}, which merge checks.
 *
 * @param evalId the evaluation's id (its folder {@code eval/<id>/})
 * @param task classification or segmentation
 * @param source {@code model} (inference from a checkpoint) or {@code predictions} (scoring files)
 * @param checkpoint the checkpoint (or weights file, or prediction location) evaluated
 * @param dataset the data set: name and split, or the ground-truth location
 * @param configYaml the experiment config as yaml, or null when there is none
 * @param configSha256 SHA-256 of {@code configYaml}, or null
 * @param classNames one name per class
 * @param itemCount items of the whole evaluation (all shards)
 * @param itemListSha256 SHA-256 of the sorted item names joined by newlines ({@link #itemListSha256(List)})
 * @param options further settings that change the numbers (e.g. scales, flip), shown in the report
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record EvalContext(
        String evalId,
        Task task,
        String source,
        String checkpoint,
        String dataset,
        String configYaml,
        String configSha256,
        List<String> classNames,
        int itemCount,
        String itemListSha256,
        Map<String, String> options) {

    public EvalContext {
        classNames = List.copyOf(classNames);
        // Sorted, so the report lists options in a stable order.
        options = Collections.unmodifiableMap(new TreeMap<>(options == null ? Map.of() : options));
    }

    /** SHA-256 over everything that decides the numbers (not the evaluation id). */
    @JsonIgnore
    public String fingerprint() {
        return Sha256.hex(String.join("\n", fingerprintFields().values()));
    }

    /** The fields the fingerprint covers, by name (merge names the ones that differ). */
    public Map<String, String> fingerprintFields() {
        Map<String, String> fields = new TreeMap<>();
        fields.put("task", String.valueOf(task));
        fields.put("source", String.valueOf(source));
        fields.put("checkpoint", String.valueOf(checkpoint));
        fields.put("dataset", String.valueOf(dataset));
        fields.put("configSha256", String.valueOf(configSha256));
        fields.put("classNames", String.join(",", classNames));
        fields.put("itemCount", Integer.toString(itemCount));
        fields.put("itemListSha256", String.valueOf(itemListSha256));
        fields.put("options", new TreeMap<>(options).toString());
        return fields;
    }

    /** The SHA-256 of a sorted item list, as {@link #itemListSha256} holds it. */
    public static String itemListSha256(List<String> sortedItems) {
        return Sha256.hex(String.join("\n", sortedItems));
    }
}
