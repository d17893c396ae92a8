package dev.mdeq.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The evaluation that runs after training succeeded.
 *
 * @param enabled false skips the evaluation: the run succeeds when training does
 * @param split the data set split to evaluate (default val)
 * @param checkpoint which checkpoint to evaluate: best (the highest validation metric), latest, or a
 *     checkpoint folder of the run such as step-000000001200; unset: best when the run has a best
 *     checkpoint, else latest (a run stopped before its first validation has none)
 * @param shards evaluate in this many parallel pods (an Indexed Job, then a merge Job); 1 = one pod
 * @param multiScale average the predictions over the scales (TEST.MULTI_SCALE)
 * @param scales the scales of multi-scale testing (TEST.SCALE_LIST), e.g. [0.75, 1.0, 1.25]
 * @param flip also average over the horizontally flipped image (TEST.FLIP_TEST)
 * @param image the evaluator's container image (unset: the trainer's image)
 * @param gpus GPUs per evaluator pod (nvidia.com/gpu; unset: the trainer's)
 * @param resources CPU and memory of each evaluator pod (unset: the trainer's)
 * @param pendingTimeoutSeconds seconds an evaluator (or merge) pod may wait without running before the
 *     run fails with that reason (default: the operator's, 900); a Job waiting in a Kueue queue does
 *     not count
 * @param activeDeadlineSeconds wall-clock limit of the evaluator Job and of the merge Job, each, in
 *     seconds; the run fails with reason DeadlineExceeded when it is reached (default: the operator's,
 *     43200)
 * @param podTemplate a pod template merged onto each evaluator pod (shard), as spec.trainer.podTemplate
 *     (unset: spec.trainer.podTemplate)
 * @param mergePodTemplate a pod template merged onto the merge pod of a sharded evaluation, as
 *     spec.trainer.podTemplate; the merge pod uses no GPU and gets none of the trainer's node selector
 *     and tolerations, so nothing is inherited
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.scales) || (has(self.multiScale) && self.multiScale)",
        message = "spec.evaluation.scales needs multiScale: true")
public record EvaluationSpec(
        @Default("true") Boolean enabled,
        @Default("val") EvaluationSplit split,
        @Pattern(EvaluationSpec.CHECKPOINT_PATTERN) @Size(max = 64) String checkpoint,
        @Default("1") @Min(1) @Max(64) Integer shards,
        Boolean multiScale,
        @Size(min = 1, max = 8) List<@Min(0.25) @Max(4.0) Double> scales,
        Boolean flip,
        @Size(max = 512) String image,
        @Min(0) @Max(16) Integer gpus,
        ResourcesSpec resources,
        @Min(1) Long pendingTimeoutSeconds,
        @Min(1) Long activeDeadlineSeconds,
        @SchemaFrom(type = PodTemplateSchema.class) Map<String, Object> podTemplate,
        @SchemaFrom(type = PodTemplateSchema.class) Map<String, Object> mergePodTemplate) {

    /** best, latest, or a checkpoint folder name (step- and the step, zero-padded to 12 digits). */
    public static final String CHECKPOINT_PATTERN = "^(best|latest|step-[0-9]{12,19})$";
    /** The evaluation id's first part when spec.checkpoint is unset (the evaluator picks best or latest). */
    public static final String DEFAULT_CHECKPOINT_LABEL = "auto";

    static final EvaluationSpec EMPTY = new EvaluationSpec(null, null, null, null, null, null, null, null, null, null,
            null, null, null, null);

    public boolean enabledOrDefault() {
        return !Boolean.FALSE.equals(enabled);
    }

    public EvaluationSplit splitOrDefault() {
        return split == null ? EvaluationSplit.VAL : split;
    }

    /** The checkpoint the user chose, or empty: the evaluator's default (best if the run has one, else latest). */
    public Optional<String> chosenCheckpoint() {
        return Optional.ofNullable(checkpoint);
    }

    public int shardCount() {
        return shards == null ? 1 : shards;
    }
}
