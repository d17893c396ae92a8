package dev.mdeq.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * What to train and evaluate, where the data and the run folder live, and how the pods run.
 *
 * @param task what the model predicts; must match the experiment's data set (DATASET.DATASET)
 * @param experiment the experiment config: a shipped preset, a yaml in object storage or a yaml in a
 *     ConfigMap, plus overrides in the reference's KEY VALUE form
 * @param dataset where the data set is and its format; sets DATASET.ROOT (and DATASET.DATASET)
 * @param store the object store that holds the run folder {@code <store>/runs/<namespace>/<name>}; fields left
 *     out take the operator's defaults
 * @param weights weights to start from: pretrained weights (MODEL.PRETRAINED, matching keys only) or a
 *     full model file (TRAIN.MODEL_FILE)
 * @param trainer the trainer pod: image, GPUs, resources, scheduling, restart budget, checkpoint
 *     interval and deadline
 * @param evaluation the evaluation after training: split, shards, multi-scale and flip testing, image
 *     and resources
 * @param suspend true stops the running pods (they write a checkpoint on SIGTERM); false again resumes
 *     from that checkpoint
 * @param ttlSecondsAfterFinished seconds after the run succeeded or failed when the operator deletes
 *     its Jobs and pods (the resource, its status and the run folder stay); unset keeps them
 * @param dataPolicyOnDelete what happens to the run folder when this resource is deleted: Retain keeps
 *     it (default), Delete removes every object under it (the resource then carries a finalizer)
 * @param queueName the Kueue LocalQueue of this namespace the run's Jobs queue in (the label
 *     kueue.x-k8s.io/queue-name on each Job; the same label on this resource works too). The Jobs are
 *     created suspended and Kueue alone suspends and resumes them; read when each Job is created
 * @param restartNonce change this number to retry a Failed run in place: a new trainer Job continues
 *     from the run's newest valid checkpoint (or, when only the evaluation failed, a new evaluation
 *     runs); a change while the run is not Failed is recorded and does nothing
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.queueName) || !has(self.suspend) || !self.suspend",
        message = "spec.suspend cannot hold a run in a Kueue queue (spec.queueName): Kueue owns the Jobs' suspend; "
                + "deactivate the run's Workload or stop the LocalQueue instead")
public record MdeqTrainingJobSpec(
        @Required TaskName task,
        @Required ExperimentSpec experiment,
        @Required DatasetSpec dataset,
        StoreSpec store,
        WeightsSpec weights,
        TrainerSpec trainer,
        EvaluationSpec evaluation,
        @Default("false") Boolean suspend,
        @Min(0) Long ttlSecondsAfterFinished,
        @Default("Retain") DataPolicy dataPolicyOnDelete,
        @Pattern(MdeqTrainingJobSpec.QUEUE_NAME_PATTERN) @Size(max = 63) String queueName,
        Long restartNonce) {

    /** A Kueue LocalQueue name as a label value: lower-case alphanumerics, '-' and '.'. */
    public static final String QUEUE_NAME_PATTERN = "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$";

    /** The trainer settings, never null. */
    public TrainerSpec trainerOrDefault() {
        return trainer == null ? TrainerSpec.EMPTY : trainer;
    }

    /** The evaluation settings, never null. */
    public EvaluationSpec evaluationOrDefault() {
        return evaluation == null ? EvaluationSpec.EMPTY : evaluation;
    }

    /** The store settings as given (fields may be null: the operator's defaults fill them), never null. */
    public StoreSpec storeOrEmpty() {
        return store == null ? StoreSpec.EMPTY : store;
    }

    /**
     * This spec without the fields that may change while the run goes on (suspend,
     * ttlSecondsAfterFinished, dataPolicyOnDelete, queueName, restartNonce): what defines the run.
     */
    public MdeqTrainingJobSpec runDefinition() {
        return new MdeqTrainingJobSpec(task, experiment, dataset, store, weights, trainer, evaluation, null, null, null,
                null, null);
    }

    public boolean suspended() {
        return Boolean.TRUE.equals(suspend);
    }

    public DataPolicy dataPolicy() {
        return dataPolicyOnDelete == null ? DataPolicy.Retain : dataPolicyOnDelete;
    }
}
