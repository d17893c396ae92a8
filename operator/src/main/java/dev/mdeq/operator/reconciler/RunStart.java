package dev.mdeq.operator.reconciler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.mdeq.config.ConfigException;
import dev.mdeq.config.ConfigLoader;
import dev.mdeq.operator.api.MdeqTrainingJob;
import dev.mdeq.operator.dependent.JobInputs;
import dev.mdeq.operator.dependent.Role;
import dev.mdeq.operator.events.EventRecorder;
import dev.mdeq.operator.refusal.InvalidSpecException;
import dev.mdeq.operator.refusal.Reasons;
import dev.mdeq.operator.status.StatusDraft;
import dev.mdeq.operator.store.RunFolder;
import dev.mdeq.operator.store.StoreTarget;
import dev.mdeq.operator.validation.ResolvedRun;
import dev.mdeq.operator.validation.SpecValidator;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.Sha256;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.List;
import java.util.Optional;

/**
 * The start of a run and its identity afterwards: the spec validated and resolved, config.yaml
 * written (or an equal one found), the trainer Job created; later, a spec change that would change
 * the experiment is refused.
 */
final class RunStart {
    private static final ObjectMapper SPEC_JSON = new ObjectMapper()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private final SpecValidator validator;
    private final EventRecorder events;
    private final RunJobs jobs;

    RunStart(SpecValidator validator, EventRecorder events, RunJobs jobs) {
        this.validator = validator;
        this.events = events;
        this.jobs = jobs;
    }

    /**
     * Validates, writes config.yaml (or finds an equal one) and creates the trainer Job of the current
     * attempt (a retry of a failed run starts here too, with the run's config.yaml already there).
     */
    Job start(MdeqTrainingJob resource, Context<MdeqTrainingJob> context, StatusDraft draft, StoreTarget store,
            RunFolder folder) {
        ResolvedRun run = validator.validate(resource);
        JobInputs inputs = new JobInputs(folder.uri(), store, run.shutdownGraceSeconds(), EvaluationStage.evalId(resource),
                draft.attempt == null ? 1 : draft.attempt);
        // Every role's pod template is checked now, before anything is written or created.
        jobs.all().forEach(job -> job.desired(resource, inputs));
        String sha = run.config().sha256();
        Optional<String> existing = folder.readConfig();
        if (existing.isPresent()) {
            String existingSha = shaOf(existing.get(), folder);
            if (!existingSha.equals(sha)) {
                throw new InvalidSpecException(Reasons.CONFIG_CONFLICT, "the run folder " + folder.uri()
                        + " already holds a config.yaml that differs from this resource's experiment (sha256 "
                        + existingSha.substring(0, 12) + " there, " + sha.substring(0, 12) + " here): it belongs to an "
                        + "earlier run of the same name. Delete that run's data, or give this resource another name",
                        false);
            }
        } else {
            folder.writeConfig(run.configYaml());
            events.normal(resource, "ConfigWritten", "wrote the resolved experiment (" + run.source() + ") to "
                    + folder.resolve(RunLayout.CONFIG));
        }
        draft.runUri = folder.uri().toString();
        draft.configSha256 = sha;
        draft.runSpecSha256 = runSpecSha256(resource);
        return jobs.create(resource, context, Role.TRAINER, inputs);
    }

    /**
     * The trainer Job is there but the status never said so (an operator stopped between creating the
     * Job and writing the status, or the status was lost): adopt the run as it is.
     */
    void adopt(MdeqTrainingJob resource, StatusDraft draft, RunFolder folder) {
        draft.runUri = folder.uri().toString();
        draft.configSha256 = folder.readConfig().map(yaml -> shaOf(yaml, folder)).orElse(null);
        draft.runSpecSha256 = runSpecSha256(resource);
    }

    /**
     * After start the experiment is fixed: a spec change that resolves to another config (where no
     * CEL rule stopped it) is refused, and the run goes on with its config.yaml. A change of only
     * suspend, ttlSecondsAfterFinished or dataPolicyOnDelete is not checked at all: the experiment's
     * source (a ConfigMap, a yaml in object storage) may have changed since the start, which must not
     * stop a suspension.
     */
    Optional<String> changedExperiment(MdeqTrainingJob resource, StatusDraft draft) {
        String runSpec = runSpecSha256(resource);
        if (runSpec.equals(draft.runSpecSha256)) {
            return Optional.empty();
        }
        String sha;
        try {
            sha = validator.validate(resource).config().sha256();
        } catch (InvalidSpecException e) {
            return Optional.of("the spec changed after the run started and is not valid (" + e.getMessage()
                    + "); the run goes on with its config.yaml. Revert the change");
        }
        if (draft.configSha256 != null && !draft.configSha256.equals(sha)) {
            return Optional.of("the spec changed after the run started and now resolves to a different config (sha256 "
                    + sha.substring(0, 12) + ", the run's is " + draft.configSha256.substring(0, 12) + "); the run goes "
                    + "on with its config.yaml. Revert the change, or create a new MdeqTrainingJob");
        }
        draft.runSpecSha256 = runSpec;
        return Optional.empty();
    }

    /** SHA-256 of the spec without the fields that may change during the run (map keys sorted). */
    static String runSpecSha256(MdeqTrainingJob resource) {
        try {
            return Sha256.hex(SPEC_JSON.writeValueAsBytes(resource.getSpec().runDefinition()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot hash the spec of " + resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName(), e);
        }
    }

    private static String shaOf(String yaml, RunFolder folder) {
        try {
            return ConfigLoader.parse(yaml, folder.resolve(RunLayout.CONFIG).toString(), List.of()).sha256();
        } catch (ConfigException e) {
            throw new InvalidSpecException(Reasons.CONFIG_CONFLICT, "the run folder " + folder.uri()
                    + " already holds a config.yaml this operator cannot read (" + e.getMessage() + "); it is not "
                    + "overwritten. Delete that run's data, or give this resource another name", false);
        }
    }
}
