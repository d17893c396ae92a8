package dev.mdeq.operator.api;

import dev.mdeq.operator.apidoc.CrdDescriptions;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One MDEQ training run on Kubernetes: the operator validates the experiment, writes its resolved
 * config to the run folder in object storage, runs the trainer Job, then the evaluator Job(s), and
 * reports progress, pod problems and the final metric in the status.
 *
 * <p>The rules below make the run's definition immutable once the operator has started it (it
 * sets {@code status.runUri} when it writes the run's config): a changed experiment, data set,
 * store, weights, trainer or evaluation would no longer describe the run folder's contents. Only
 * {@code suspend}, {@code ttlSecondsAfterFinished}, {@code dataPolicyOnDelete}, {@code queueName} and
 * {@code restartNonce} may change then.
 * Before that (e.g. after an {@code InvalidSpec} condition) every field may be corrected.
 */
@Group(MdeqTrainingJob.GROUP)
@Version(MdeqTrainingJob.VERSION)
@ShortNames({"mdj", "mdeqjob"})
@SchemaCustomizer(CrdDescriptions.class)
@ValidationRule(value = "size(self.metadata.name) <= 52",
        message = "metadata.name must be at most 52 characters: the child Jobs are named <name>-train, "
                + "<name>-eval and <name>-merge and Job names are limited to 63 characters")
@ValidationRule(value = MdeqTrainingJob.NOT_STARTED + " || self.spec.task == oldSelf.spec.task",
        message = "spec.task" + MdeqTrainingJob.IMMUTABLE)
@ValidationRule(value = MdeqTrainingJob.NOT_STARTED + " || self.spec.experiment == oldSelf.spec.experiment",
        message = "spec.experiment" + MdeqTrainingJob.IMMUTABLE)
@ValidationRule(value = MdeqTrainingJob.NOT_STARTED + " || self.spec.dataset == oldSelf.spec.dataset",
        message = "spec.dataset" + MdeqTrainingJob.IMMUTABLE)
@ValidationRule(value = MdeqTrainingJob.NOT_STARTED + " || (has(self.spec.store) == has(oldSelf.spec.store)"
        + " && (!has(self.spec.store) || self.spec.store == oldSelf.spec.store))",
        message = "spec.store" + MdeqTrainingJob.IMMUTABLE)
@ValidationRule(value = MdeqTrainingJob.NOT_STARTED + " || (has(self.spec.weights) == has(oldSelf.spec.weights)"
        + " && (!has(self.spec.weights) || self.spec.weights == oldSelf.spec.weights))",
        message = "spec.weights" + MdeqTrainingJob.IMMUTABLE)
@ValidationRule(value = MdeqTrainingJob.NOT_STARTED + " || (has(self.spec.trainer) == has(oldSelf.spec.trainer)"
        + " && (!has(self.spec.trainer) || self.spec.trainer == oldSelf.spec.trainer))",
        message = "spec.trainer" + MdeqTrainingJob.IMMUTABLE)
@ValidationRule(value = MdeqTrainingJob.NOT_STARTED + " || (has(self.spec.evaluation) == has(oldSelf.spec.evaluation)"
        + " && (!has(self.spec.evaluation) || self.spec.evaluation == oldSelf.spec.evaluation))",
        message = "spec.evaluation" + MdeqTrainingJob.IMMUTABLE)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "Epoch", jsonPath = ".status.progress.epoch", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Progress", jsonPath = ".status.progress.percentage", type = AdditionalPrinterColumn.Type.NUMBER)
@AdditionalPrinterColumn(name = "Loss", jsonPath = ".status.progress.loss", type = AdditionalPrinterColumn.Type.NUMBER)
@AdditionalPrinterColumn(name = "Metric", jsonPath = ".status.metric")
@AdditionalPrinterColumn(name = "Restarts", jsonPath = ".status.trainer.restarts", type = AdditionalPrinterColumn.Type.INTEGER,
        priority = 1)
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason", priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class MdeqTrainingJob extends CustomResource<MdeqTrainingJobSpec, MdeqTrainingJobStatus> implements Namespaced {
    public static final String GROUP = "mdeq.dev";
    public static final String VERSION = "v1alpha1";

    /** CEL: true while the operator has not written the run's config (the run has not started). */
    static final String NOT_STARTED = "!has(oldSelf.status) || !has(oldSelf.status.runUri)";
    static final String IMMUTABLE = " cannot change once the run has started (status.runUri is set); create a new "
            + "MdeqTrainingJob instead (a new name gets a new run folder)";

    @Override
    protected MdeqTrainingJobSpec initSpec() {
        return null;
    }

    @Override
    protected MdeqTrainingJobStatus initStatus() {
        return null;
    }
}
