package dev.mdeq.operator.reconciler;

import dev.mdeq.runstore.storage.Sha256;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.mdeq.config.ConfigException;
import dev.mdeq.config.ConfigLoader;
import dev.mdeq.operator.api.Condition;
import dev.mdeq.operator.api.EvaluationSpec;
import dev.mdeq.operator.api.EvaluationStatus;
import dev.mdeq.operator.api.MdeqTrainingJob;
import dev.mdeq.operator.api.Phase;
import dev.mdeq.operator.api.PodFailure;
import dev.mdeq.operator.api.ProgressStatus;
import dev.mdeq.operator.api.TrainerStatus;
import dev.mdeq.operator.config.OperatorConfig;
import dev.mdeq.operator.dependent.ChildJob;
import dev.mdeq.operator.dependent.JobInputs;
import dev.mdeq.operator.dependent.Labels;
import dev.mdeq.operator.dependent.Role;
import dev.mdeq.operator.events.EventRecorder;
import dev.mdeq.operator.metrics.OperatorMetrics;
import dev.mdeq.operator.status.JobState;
import dev.mdeq.operator.status.PodCreationFailure;
import dev.mdeq.operator.status.PodDiagnosis;
import dev.mdeq.operator.status.PodProblem;
import dev.mdeq.operator.status.StatusDraft;
import dev.mdeq.operator.store.RunFolder;
import dev.mdeq.operator.store.StoreConnector;
import dev.mdeq.operator.store.StoreTarget;
import dev.mdeq.operator.validation.InvalidSpecException;
import dev.mdeq.operator.validation.Reasons;
import dev.mdeq.operator.validation.ResolvedRun;
import dev.mdeq.operator.validation.SpecValidator;
import dev.mdeq.runstore.run.ExitCodes;
import dev.mdeq.runstore.run.Progress;
import dev.mdeq.runstore.run.ReportSummary;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.StorageException;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * What a run does next, from what is observed: validate and start (write config.yaml, create the
 * trainer Job), follow the trainer (pods, heartbeat), then the evaluation (evaluator Job, merge Job,
 * report), suspend and resume, and the TTL after the end. Writes everything it learns into the
 * {@link StatusDraft}; returns when to look again.
 */
@ApplicationScoped
public class RunLifecycle {
    private static final Logger LOG = Logger.getLogger(RunLifecycle.class);
    private static final ObjectMapper SPEC_JSON = new ObjectMapper()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private final OperatorConfig config;
    private final SpecValidator validator;
    private final StoreConnector stores;
    private final ChildJobs jobs;
    private final EventRecorder events;
    private final OperatorMetrics metrics;

    public RunLifecycle(OperatorConfig config, SpecValidator validator, StoreConnector stores, ChildJobs jobs,
                        EventRecorder events, OperatorMetrics metrics) {
        this.config = config;
        this.validator = validator;
        this.stores = stores;
        this.jobs = jobs;
        this.events = events;
        this.metrics = metrics;
    }

    /** Advances the run; returns the delay until the next look (empty: wait for an event). */
    public Optional<Duration> advance(MdeqTrainingJob resource, Context<MdeqTrainingJob> context, StatusDraft draft) {
        if (draft.phase != null && draft.phase.isTerminal()) {
            return expireChildren(resource, context, draft);
        }
        StoreTarget store = StoreTarget.resolve(resource.getSpec().storeOrEmpty(), config.store());
        RunFolder folder = stores.runFolder(store, namespace(resource), name(resource));
        Job trainer = jobs.of(Role.TRAINER).current(resource, context).orElse(null);
        if (trainer == null) {
            Optional<Job> earlier = jobs.of(Role.TRAINER).predecessor(resource, context);
            if (earlier.isPresent()) {
                draft.notReady("WaitingForOldJob", "Job " + earlier.get().getMetadata().getName() + " of an earlier "
                        + "resource of the same name is still there (being garbage-collected); waiting for it to go");
                return Optional.of(config.pollInterval());
            }
            trainer = start(resource, context, draft, store, folder);
        } else if (draft.runUri == null) {
            // The Job is there but the status never said so (an operator stopped between creating the
            // Job and writing the status, or the status was lost): adopt the run as it is.
            draft.runUri = folder.uri().toString();
            draft.configSha256 = folder.readConfig().map(yaml -> shaOf(yaml, folder)).orElse(null);
            draft.runSpecSha256 = runSpecSha256(resource);
        } else if (draft.previous() != null && draft.previous().observedGeneration() != null
                && !draft.previous().observedGeneration().equals(resource.getMetadata().getGeneration())) {
            draft.specRefusal = changedExperiment(resource, draft).orElse(null);
        }
        syncSuspend(resource, context, trainer);
        boolean trained = followTrainer(resource, context, draft, folder, trainer);
        if (!trained) {
            return draft.phase == Phase.Suspended || draft.phase == Phase.Failed ? Optional.empty()
                    : Optional.of(config.pollInterval());
        }
        if (!resource.getSpec().evaluationOrDefault().enabledOrDefault()) {
            draft.phase(Phase.Succeeded, true, "Succeeded", "training succeeded; evaluation is disabled");
            return expireChildren(resource, context, draft);
        }
        boolean done = followEvaluation(resource, context, draft, store, folder);
        if (done) {
            return expireChildren(resource, context, draft);
        }
        return draft.phase == Phase.Suspended || draft.phase == Phase.Failed ? Optional.empty()
                : Optional.of(config.pollInterval());
    }

    /** Validates, writes config.yaml (or finds an equal one) and creates the trainer Job. */
    private Job start(MdeqTrainingJob resource, Context<MdeqTrainingJob> context, StatusDraft draft, StoreTarget store,
                      RunFolder folder) {
        ResolvedRun run = validator.validate(resource);
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
        context.managedWorkflowAndDependentResourceContext().put(JobInputs.CONTEXT_KEY,
                new JobInputs(folder.uri(), store, run.shutdownGraceSeconds(), evalId(resource)));
        Job created = create(resource, context, Role.TRAINER);
        return created;
    }

    /**
     * After start the experiment is fixed: a spec change that resolves to another config (where no
     * CEL rule stopped it) is refused, and the run goes on with its config.yaml. A change of only
     * suspend, ttlSecondsAfterFinished or dataPolicyOnDelete is not checked at all: the experiment's
     * source (a ConfigMap, a yaml in object storage) may have changed since the start, which must not
     * stop a suspension.
     */
    private Optional<String> changedExperiment(MdeqTrainingJob resource, StatusDraft draft) {
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
            throw new IllegalStateException("cannot hash the spec of " + namespace(resource) + "/" + name(resource), e);
        }
    }

    private Job create(MdeqTrainingJob resource, Context<MdeqTrainingJob> context, Role role) {
        ChildJob child = jobs.of(role);
        Job job = child.reconcile(resource, context).getSingleResource().orElseThrow();
        metrics.jobCreated(role.label());
        events.normal(resource, "JobCreated", "created the " + role.label() + " Job " + job.getMetadata().getName());
        return job;
    }

    /** spec.suspend is the only thing the operator ever changes on an existing Job (Job.spec.suspend). */
    private void syncSuspend(MdeqTrainingJob resource, Context<MdeqTrainingJob> context, Job job) {
        boolean wanted = resource.getSpec().suspended();
        JobState state = JobState.of(job);
        if (state.state() == JobState.State.SUCCEEDED || state.state() == JobState.State.FAILED) {
            return;
        }
        if (Boolean.TRUE.equals(job.getSpec().getSuspend()) != wanted) {
            context.getClient().batch().v1().jobs().inNamespace(namespace(resource))
                    .withName(job.getMetadata().getName())
                    .edit(j -> {
                        j.getSpec().setSuspend(wanted);
                        return j;
                    });
            job.getSpec().setSuspend(wanted);
            if (wanted) {
                events.normal(resource, "Suspending", "suspended Job " + job.getMetadata().getName()
                        + ": its pods get SIGTERM and write a checkpoint before they stop");
            } else {
                events.normal(resource, "Resuming", "resumed Job " + job.getMetadata().getName()
                        + ": its new pod continues from the latest checkpoint");
            }
        }
    }

    /** Follows the trainer; true when training succeeded. */
    private boolean followTrainer(MdeqTrainingJob resource, Context<MdeqTrainingJob> context, StatusDraft draft,
                                  RunFolder folder, Job job) {
        JobState state = JobState.of(job);
        PodDiagnosis pods = diagnose(context, Role.TRAINER, job);
        Optional<Progress> progress = readProgress(resource, folder);
        progress.ifPresent(p -> draft.progress = progressStatus(p));

        TrainerStatus before = draft.trainer;
        // Every pod after the first replaced one; the Job's failed count covers pods already
        // garbage-collected (its last failure was not replaced when the Job failed). Monotonic: the
        // pods stopped by a suspension disappear, their restarts do not.
        int fromJob = state.state() == JobState.State.FAILED ? Math.max(0, state.failedPods() - 1) : state.failedPods();
        int restarts = Math.max(before == null || before.restarts() == null ? 0 : before.restarts(),
                Math.max(pods.replacements(), fromJob));
        if (before != null && before.restarts() != null) {
            metrics.podRestarts(Role.TRAINER.label(), restarts - before.restarts());
        } else {
            metrics.podRestarts(Role.TRAINER.label(), restarts);
        }
        PodFailure lastFailure = pods.lastFailure().map(RunLifecycle::podFailure)
                .orElse(before == null ? null : before.lastFailure());
        draft.trainer = new TrainerStatus(job.getMetadata().getName(), restarts, state.startTime(), state.completionTime(),
                progress.map(Progress::lastCheckpoint).orElse(before == null ? null : before.lastCheckpoint()),
                progress.map(Progress::resumedFrom).orElse(before == null ? null : before.resumedFrom()),
                lastFailure);
        podsHealthy(draft, pods, Role.TRAINER);

        switch (state.state()) {
            case SUCCEEDED -> {
                draft.trained(Condition.TRUE, "Succeeded", "trainer Job " + job.getMetadata().getName() + " succeeded");
                return true;
            }
            case FAILED -> {
                String[] failure = trainerFailure(job, state, lastFailure);
                draft.trained(Condition.FALSE, failure[0], failure[1]);
                draft.phase(Phase.Failed, false, failure[0], failure[1]);
                return false;
            }
            case SUSPENDED -> {
                draft.trained(Condition.UNKNOWN, "Suspended", "training is suspended");
                draft.phase(Phase.Suspended, true, "Suspended", "spec.suspend is true: the trainer stopped after "
                        + "writing a checkpoint; set it to false to resume from there");
                return false;
            }
            default -> {
                draft.trained(Condition.UNKNOWN, "Training", "trainer Job " + job.getMetadata().getName() + " is running");
                if (pods.anyRunning()) {
                    draft.phase(Phase.Training, true, "Training", trainingMessage(draft.progress));
                } else {
                    Optional<PodProblem> problem = pods.current();
                    draft.phase(Phase.Pending, false, problem.map(PodProblem::reason).orElse("PodStarting"),
                            problem.map(PodProblem::message).orElse("waiting for the trainer pod of Job "
                                    + job.getMetadata().getName() + " to start"));
                }
                return false;
            }
        }
    }

    /** Follows the evaluation; true when the report is in and the run succeeded. */
    private boolean followEvaluation(MdeqTrainingJob resource, Context<MdeqTrainingJob> context, StatusDraft draft,
                                     StoreTarget store, RunFolder folder) {
        EvaluationSpec spec = resource.getSpec().evaluationOrDefault();
        // Once the evaluation started, its id is the one in status: the evaluator Job was made with it.
        String evalId = draft.evaluation != null && draft.evaluation.evalId() != null ? draft.evaluation.evalId()
                : evalId(resource);
        int shards = spec.shardCount();
        context.managedWorkflowAndDependentResourceContext().put(JobInputs.CONTEXT_KEY,
                new JobInputs(folder.uri(), store, 0, evalId));
        Job evaluator = jobs.of(Role.EVALUATOR).current(resource, context).orElse(null);
        if (evaluator == null) {
            evaluator = create(resource, context, Role.EVALUATOR);
        }
        syncSuspend(resource, context, evaluator);
        JobState state = JobState.of(evaluator);
        Job merge = null;
        JobState mergeState = JobState.ABSENT;
        if (shards > 1 && state.state() == JobState.State.SUCCEEDED) {
            merge = jobs.of(Role.MERGE).current(resource, context).orElse(null);
            if (merge == null) {
                merge = create(resource, context, Role.MERGE);
            }
            syncSuspend(resource, context, merge);
            mergeState = JobState.of(merge);
        }
        Role active = merge != null ? Role.MERGE : Role.EVALUATOR;
        JobState activeState = merge != null ? mergeState : state;
        Job activeJob = merge != null ? merge : evaluator;
        PodDiagnosis pods = diagnose(context, active, activeJob);
        podsHealthy(draft, pods, active);
        EvaluationStatus before = draft.evaluation;
        draft.evaluation = new EvaluationStatus(evalId, evaluator.getMetadata().getName(),
                merge == null ? null : merge.getMetadata().getName(), shards,
                Math.min(shards, state.succeededPods()), null, null, null, null, null, null,
                null, null, before == null ? null : before.completionTime());

        switch (activeState.state()) {
            case FAILED -> {
                String message = active.label() + " Job " + activeJob.getMetadata().getName() + " failed ("
                        + activeState.reason() + (activeState.message() == null ? "" : ": " + activeState.message()) + ")"
                        + pods.lastFailure().map(p -> "; last pod: " + p.message()).orElse("");
                draft.evaluated(Condition.FALSE, "EvaluationFailed", message);
                draft.phase(Phase.Failed, false, "EvaluationFailed", message);
                return false;
            }
            case SUSPENDED -> {
                draft.evaluated(Condition.UNKNOWN, "Suspended", "evaluation is suspended");
                draft.phase(Phase.Suspended, true, "Suspended", "spec.suspend is true: the evaluation stopped; set it "
                        + "to false to resume");
                return false;
            }
            case RUNNING, ABSENT -> {
                draft.evaluated(Condition.UNKNOWN, "Evaluating", active.label() + " Job "
                        + activeJob.getMetadata().getName() + " is running");
                draft.phase(Phase.Evaluating, true, "Evaluating", shards > 1
                        ? "evaluating in " + shards + " shards: " + Math.min(shards, state.succeededPods()) + " done"
                        : "evaluating the " + spec.chosenCheckpoint().orElse("best (else latest)") + " checkpoint on split "
                        + spec.splitOrDefault().wireName());
                return false;
            }
            default -> {
                Optional<ReportSummary> report = readReport(resource, folder, evalId);
                if (report.isEmpty()) {
                    draft.evaluated(Condition.UNKNOWN, "WaitingForReport", active.label() + " Job succeeded; waiting for "
                            + folder.resolve(RunLayout.report(evalId)));
                    draft.phase(Phase.Evaluating, true, "WaitingForReport", "waiting for the report "
                            + folder.resolve(RunLayout.report(evalId)));
                    return false;
                }
                ReportSummary r = report.get();
                String completed = before != null && before.completionTime() != null ? before.completionTime()
                        : Instant.now().toString();
                draft.evaluation = new EvaluationStatus(evalId, evaluator.getMetadata().getName(),
                        merge == null ? null : merge.getMetadata().getName(), shards, shards, r.checkpoint(), r.samples(),
                        r.miou(), r.pixelAccuracy(), r.top1(), r.top5(), folder.resolve(RunLayout.report(evalId)).toString(),
                        folder.resolve(r.reportHtml() != null ? r.reportHtml() : RunLayout.reportHtml(evalId)).toString(),
                        completed);
                String headline = headline(r);
                draft.evaluated(Condition.TRUE, "Succeeded", headline);
                draft.phase(Phase.Succeeded, true, "Succeeded", "training and evaluation succeeded: " + headline);
                return true;
            }
        }
    }

    /** ttlSecondsAfterFinished: deletes the Jobs (and their pods) once the run has been over that long. */
    private Optional<Duration> expireChildren(MdeqTrainingJob resource, Context<MdeqTrainingJob> context, StatusDraft draft) {
        Long ttl = resource.getSpec().ttlSecondsAfterFinished();
        if (ttl == null || Boolean.TRUE.equals(draft.childrenDeleted)) {
            return Optional.empty();
        }
        Instant finished = draft.completionTime != null ? Instant.parse(draft.completionTime) : Instant.now();
        Duration left = Duration.between(Instant.now(), finished.plusSeconds(ttl));
        if (!left.isNegative() && !left.isZero()) {
            return Optional.of(left);
        }
        int deleted = 0;
        for (ChildJob child : jobs.all()) {
            Optional<Job> job = child.current(resource, context);
            if (job.isPresent()) {
                context.getClient().resource(job.get()).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
                deleted++;
            }
        }
        draft.childrenDeleted = true;
        events.normal(resource, "ChildrenDeleted", "ttlSecondsAfterFinished (" + ttl + " s) passed: deleted " + deleted
                + " Job(s) and their pods; the run folder " + draft.runUri + " stays");
        return Optional.empty();
    }

    private static String[] trainerFailure(Job job, JobState state, PodFailure lastFailure) {
        String name = job.getMetadata().getName();
        Integer code = lastFailure == null ? null : lastFailure.exitCode();
        String reason;
        if ("DeadlineExceeded".equals(state.reason())) {
            reason = "DeadlineExceeded";
        } else if (code != null && code == ExitCodes.INVALID_INPUT) {
            reason = "InvalidInput";
        } else if (code != null && code == ExitCodes.DIVERGED) {
            reason = "Diverged";
        } else if (code != null && code == ExitCodes.USAGE) {
            reason = "UsageError";
        } else if ("BackoffLimitExceeded".equals(state.reason())) {
            reason = "RestartBudgetExhausted";
        } else {
            reason = "TrainerFailed";
        }
        String message = "trainer Job " + name + " failed (" + state.reason()
                + (state.message() == null ? "" : ": " + state.message()) + ")"
                + (lastFailure == null ? "" : "; last pod: " + lastFailure.message());
        return new String[] {reason, message};
    }

    private static void podsHealthy(StatusDraft draft, PodDiagnosis pods, Role role) {
        Optional<PodProblem> problem = pods.current();
        if (problem.isPresent()) {
            draft.podsHealthy(Condition.FALSE, problem.get().reason(), problem.get().message());
        } else {
            draft.podsHealthy(Condition.TRUE, "Healthy", pods.anyRunning() ? "the " + role.label() + " pod is running"
                    : "no " + role.label() + " pod has a problem");
        }
    }

    private static PodFailure podFailure(PodProblem problem) {
        return new PodFailure(problem.pod(), problem.reason(), problem.exitCode(), problem.message(), problem.time());
    }

    /**
     * The pods of a Job of the run; while the Job is active but none of its pods is pending or
     * running, also the Job controller's latest failure to create one (only then: it costs a list).
     */
    private static PodDiagnosis diagnose(Context<MdeqTrainingJob> context, Role role, Job job) {
        List<Pod> pods = pods(context, role);
        if (JobState.of(job).state() != JobState.State.RUNNING || PodDiagnosis.anyActive(pods)) {
            return new PodDiagnosis(pods);
        }
        return new PodDiagnosis(pods, PodCreationFailure.latest(job, jobEvents(context, job)));
    }

    /**
     * The events of the Job's namespace, read from the API server (no informer: it would cache every
     * event of the watched namespaces, and need watch rights, for a look taken only while a Job is
     * stuck without pods). Filtered by {@link PodCreationFailure}, not by a field selector on
     * involvedObject: the Fabric8 mock API server of the tests cannot evaluate one (it matches
     * nothing). A failure to read is logged, not thrown: the status then tells what the pods tell.
     */
    private static List<Event> jobEvents(Context<MdeqTrainingJob> context, Job job) {
        String namespace = job.getMetadata().getNamespace();
        try {
            return context.getClient().v1().events().inNamespace(namespace).list().getItems();
        } catch (KubernetesClientException e) {
            LOG.warnf("cannot read the events of Job %s/%s: %s", namespace, job.getMetadata().getName(), e.getMessage());
            return List.of();
        }
    }

    private static List<Pod> pods(Context<MdeqTrainingJob> context, Role role) {
        return context.getSecondaryResources(Pod.class).stream()
                .filter(p -> p.getMetadata().getLabels() != null
                        && role.label().equals(p.getMetadata().getLabels().get(Labels.ROLE)))
                .toList();
    }

    private Optional<Progress> readProgress(MdeqTrainingJob resource, RunFolder folder) {
        try {
            return folder.readProgress();
        } catch (StorageException e) {
            LOG.warnf("cannot read the progress of %s/%s: %s", namespace(resource), name(resource), e.getMessage());
            events.warning(resource, Reasons.STORAGE_UNAVAILABLE, "cannot read " + folder.resolve(RunLayout.PROGRESS)
                    + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    private static Optional<ReportSummary> readReport(MdeqTrainingJob resource, RunFolder folder, String evalId) {
        return folder.readReport(evalId);
    }

    static ProgressStatus progressStatus(Progress p) {
        return new ProgressStatus(p.phase() == null ? null : p.phase().name(), p.epoch(), p.totalEpochs(), p.step(),
                p.totalSteps(), round(p.percentage()), p.loss(), p.metric(), p.metricName(), p.samplesPerSecond(),
                p.etaSeconds(), p.time() == null ? null : p.time().toString());
    }

    private static Double round(Double value) {
        return value == null ? null : Math.round(value * 10.0) / 10.0;
    }

    private static String trainingMessage(ProgressStatus progress) {
        if (progress == null || progress.epoch() == null) {
            return "the trainer pod is running";
        }
        return "training: epoch " + progress.epoch() + (progress.totalEpochs() == null ? "" : "/" + progress.totalEpochs())
                + (progress.step() == null ? "" : ", step " + progress.step()
                + (progress.totalSteps() == null ? "" : "/" + progress.totalSteps()));
    }

    private static String headline(ReportSummary r) {
        if (r.miou() != null) {
            return String.format(java.util.Locale.ROOT, "mIoU %.2f%%", r.miou());
        }
        if (r.top1() != null) {
            return String.format(java.util.Locale.ROOT, "top-1 %.2f%%", r.top1())
                    + (r.top5() == null ? "" : String.format(java.util.Locale.ROOT, ", top-5 %.2f%%", r.top5()));
        }
        return "report written";
    }

    /**
     * The evaluation's id: which checkpoint on which split, {@code auto-val} when the evaluator picks
     * the checkpoint (deterministic, so a restart finds it).
     */
    static String evalId(MdeqTrainingJob resource) {
        EvaluationSpec spec = resource.getSpec().evaluationOrDefault();
        return spec.chosenCheckpoint().orElse(EvaluationSpec.DEFAULT_CHECKPOINT_LABEL) + "-"
                + spec.splitOrDefault().wireName();
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

    private static String namespace(MdeqTrainingJob resource) {
        return resource.getMetadata().getNamespace();
    }

    private static String name(MdeqTrainingJob resource) {
        return resource.getMetadata().getName();
    }
}
