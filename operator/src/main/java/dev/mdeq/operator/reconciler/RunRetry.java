package dev.mdeq.operator.reconciler;

import dev.mdeq.operator.api.AttemptStatus;
import dev.mdeq.operator.api.Condition;
import dev.mdeq.operator.api.MdeqTrainingJob;
import dev.mdeq.operator.api.Phase;
import dev.mdeq.operator.api.TrainerStatus;
import dev.mdeq.operator.dependent.Role;
import dev.mdeq.operator.events.EventRecorder;
import dev.mdeq.operator.status.StatusDraft;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Retry in place (spec.restartNonce, as in the Flink operator): a changed nonce on a Failed run
 * starts a new attempt. Training failed: the next look creates a new trainer Job
 * ({@code <name>-train-<attempt>}), which continues from the run's newest valid checkpoint (the
 * trainer always resumes from it). Only the evaluation failed: a new evaluator Job runs. A nonce
 * changed while the run is not Failed is recorded and does nothing (an event says so).
 */
final class RunRetry {
    /** The attempt number is part of the Job names, which have room for three digits. */
    static final int MAX_ATTEMPT = 999;

    private final EventRecorder events;

    RunRetry(EventRecorder events) {
        this.events = events;
    }

    /**
     * Looks at spec.restartNonce; true when a new attempt started (the status now says Pending,
     * Retrying, and the next look creates its Job).
     */
    boolean check(MdeqTrainingJob resource, StatusDraft draft) {
        Long nonce = resource.getSpec().restartNonce();
        if (Objects.equals(nonce, draft.restartNonce)) {
            return false;
        }
        if (draft.phase != Phase.Failed || draft.runUri == null) {
            if (draft.runUri != null) {
                events.normal(resource, "RestartNonceIgnored", "spec.restartNonce changed to " + nonce + " while the run "
                        + "is " + draft.phase + ": only a Failed run is retried; the change is recorded, nothing restarts");
            }
            draft.restartNonce = nonce;
            return false;
        }
        int attempt = (draft.attempt == null ? 1 : draft.attempt) + 1;
        if (attempt > MAX_ATTEMPT) {
            draft.restartNonce = nonce;
            draft.refuse("RetryLimit", "spec.restartNonce: the run has had " + MAX_ATTEMPT + " attempts, the most "
                    + "its Job names allow; create a new MdeqTrainingJob of the same name to resume the run folder");
            return false;
        }
        start(resource, draft, nonce, attempt);
        return true;
    }

    private void start(MdeqTrainingJob resource, StatusDraft draft, Long nonce, int attempt) {
        String name = resource.getMetadata().getName();
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        boolean trainingDone = draft.trainingSucceeded();
        String restarted = trainingDone ? AttemptStatus.EVALUATION : AttemptStatus.TRAINING;
        Role role = trainingDone ? Role.EVALUATOR : Role.TRAINER;
        String jobName = role.jobName(name, attempt);
        String checkpoint = draft.trainer == null ? null : draft.trainer.lastCheckpoint();
        String failure = draft.reason();

        draft.attempt = attempt;
        draft.restartNonce = nonce;
        draft.completionTime = null;
        draft.childrenDeleted = null;
        draft.queue = null;
        draft.evaluation = null;
        draft.clearEvaluated();
        if (!trainingDone) {
            TrainerStatus t = draft.trainer;
            // The new trainer Job's name, so that the next look finds (or creates) it.
            draft.trainer = new TrainerStatus(jobName, t == null ? null : t.restarts(), null, null, checkpoint,
                    t == null ? null : t.resumedFrom(), t == null ? null : t.lastFailure());
            draft.trained(Condition.UNKNOWN, "Retrying", "attempt " + attempt + " starts trainer Job "
                    + jobName);
        }
        List<AttemptStatus> history = new ArrayList<>(draft.attempts == null ? List.of() : draft.attempts);
        history.add(new AttemptStatus(attempt, nonce, restarted, jobName, now, null, null, null,
                trainingDone ? null : checkpoint));
        draft.attempts = history;
        String message = "spec.restartNonce changed to " + nonce + ": attempt " + attempt + " after " + failure + " "
                + (trainingDone ? "runs the evaluation again in Job " + jobName
                        : "starts trainer Job " + jobName + ", which continues from the run's newest valid checkpoint"
                                + (checkpoint == null ? "" : " (" + checkpoint + " when the last attempt ended)"));
        draft.phase(Phase.Pending, true, "Retrying", message);
        events.normal(resource, "Retrying", message);
    }
}
