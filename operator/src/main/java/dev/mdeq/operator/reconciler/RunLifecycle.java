package dev.mdeq.operator.reconciler;

import dev.mdeq.operator.api.MdeqTrainingJob;
import dev.mdeq.operator.api.Phase;
import dev.mdeq.operator.config.OperatorConfig;
import dev.mdeq.operator.dependent.Role;
import dev.mdeq.operator.events.EventRecorder;
import dev.mdeq.operator.metrics.OperatorMetrics;
import dev.mdeq.operator.queue.Kueue;
import dev.mdeq.operator.refusal.Reasons;
import dev.mdeq.operator.status.StatusDraft;
import dev.mdeq.operator.store.RunFolder;
import dev.mdeq.operator.store.StoreConnector;
import dev.mdeq.operator.store.StoreTarget;
import dev.mdeq.operator.validation.SpecValidator;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;

/**
 * What a run does next, from what is observed, one stage at a time: {@link RunRetry} (a Failed run's
 * retry), {@link RunStart} (validate, write config.yaml, create the trainer Job; refuse later
 * changes of the experiment), {@link TrainerStage} (follow the trainer), {@link EvaluationStage}
 * (evaluator and merge Jobs, the report), and {@link RunJobs} for what is done to the Jobs (suspend,
 * stopping a failed run's leftovers, the TTL after the end).
 * Each stage writes what it learns into the {@link StatusDraft}, which the reconciler patches
 * once; this class decides which stage runs and returns when to look again.
 */
@ApplicationScoped
public class RunLifecycle {
    /** How soon a retried run is looked at again to create the new attempt's Job. */
    private static final Duration RETRY_FOLLOW_UP = Duration.ofMillis(100);

    private final OperatorConfig config;
    private final StoreConnector stores;
    private final RunJobs jobs;
    private final RunStart start;
    private final TrainerStage trainer;
    private final EvaluationStage evaluation;
    private final RunRetry retry;

    public RunLifecycle(OperatorConfig config, SpecValidator validator, StoreConnector stores, ChildJobs jobs,
            EventRecorder events, OperatorMetrics metrics) {
        this.config = config;
        this.stores = stores;
        this.jobs = new RunJobs(jobs, events, metrics);
        this.start = new RunStart(validator, events, this.jobs);
        this.trainer = new TrainerStage(events, metrics, config);
        this.evaluation = new EvaluationStage(this.jobs, config);
        this.retry = new RunRetry(events);
    }

    /** Advances the run; returns the delay until the next look (empty: wait for an event). */
    public Optional<Duration> advance(MdeqTrainingJob resource, Context<MdeqTrainingJob> context, StatusDraft draft) {
        Kueue.validate(resource);
        if (retry.check(resource, draft)) {
            // The status names the new attempt; the next look (soon) creates its Job under that name.
            return Optional.of(RETRY_FOLLOW_UP);
        }
        if (draft.phase != null && draft.phase.isTerminal()) {
            if (draft.phase == Phase.Failed) {
                jobs.stopUnfinished(resource, context);
            }
            return jobs.expireChildren(resource, context, draft);
        }
        StoreTarget store = StoreTarget.resolve(resource.getSpec().storeOrEmpty(), config);
        RunFolder folder = stores.runFolder(store, resource.getMetadata().getNamespace(),
                resource.getMetadata().getName());
        Job trainerJob = jobs.of(Role.TRAINER).current(resource, context).orElse(null);
        if (trainerJob == null) {
            Optional<Job> earlier = jobs.of(Role.TRAINER).predecessor(resource, context);
            if (earlier.isPresent()) {
                draft.notReady("WaitingForOldJob", "Job " + earlier.get().getMetadata().getName() + " of an earlier "
                        + "resource of the same name is still there (being garbage-collected); waiting for it to go");
                return Optional.of(config.pollInterval());
            }
            trainerJob = start.start(resource, context, draft, store, folder);
        } else if (draft.runUri == null) {
            start.adopt(resource, draft, folder);
        } else if (draft.previous() != null && draft.previous().observedGeneration() != null
                && !draft.previous().observedGeneration().equals(resource.getMetadata().getGeneration())) {
            start.changedExperiment(resource, draft).ifPresent(refusal -> draft.refuse(Reasons.CONFIG_CONFLICT, refusal));
        }
        Kueue.suspendConflict(resource).ifPresent(refusal -> draft.refuse(Reasons.INVALID_SPEC, refusal));
        jobs.syncSuspend(resource, context, trainerJob);
        if (!trainer.follow(resource, context, draft, folder, trainerJob)) {
            return waitOrLookAgain(draft);
        }
        if (!resource.getSpec().evaluationOrDefault().enabledOrDefault()) {
            draft.phase(Phase.Succeeded, true, "Succeeded", "training succeeded; evaluation is disabled");
            return jobs.expireChildren(resource, context, draft);
        }
        if (evaluation.follow(resource, context, draft, store, folder)) {
            return jobs.expireChildren(resource, context, draft);
        }
        return waitOrLookAgain(draft);
    }

    /**
     * A suspended or failed run waits for a spec change (an event); any other looks again after the
     * poll interval. A run that has just failed is looked at once more, so that a Job it left active
     * (a pod that could not start) is removed once the Failed status is stored.
     */
    private Optional<Duration> waitOrLookAgain(StatusDraft draft) {
        boolean justFailed = draft.phase == Phase.Failed
                && (draft.previous() == null || draft.previous().phase() != Phase.Failed);
        return !justFailed && (draft.phase == Phase.Suspended || draft.phase == Phase.Failed) ? Optional.empty()
                : Optional.of(config.pollInterval());
    }
}
