package dev.mdeq.operator.reconciler;

import dev.mdeq.operator.api.Condition;
import dev.mdeq.operator.api.MdeqTrainingJob;
import dev.mdeq.operator.api.Phase;
import dev.mdeq.operator.api.PodFailure;
import dev.mdeq.operator.api.ProgressStatus;
import dev.mdeq.operator.api.QueueStatus;
import dev.mdeq.operator.api.TrainerStatus;
import dev.mdeq.operator.config.OperatorConfig;
import dev.mdeq.operator.dependent.Role;
import dev.mdeq.operator.events.EventRecorder;
import dev.mdeq.operator.metrics.OperatorMetrics;
import dev.mdeq.operator.queue.Kueue;
import dev.mdeq.operator.queue.QueueTracker;
import dev.mdeq.operator.refusal.Reasons;
import dev.mdeq.operator.status.JobState;
import dev.mdeq.operator.status.PodDiagnosis;
import dev.mdeq.operator.status.PodProblem;
import dev.mdeq.operator.status.StatusDraft;
import dev.mdeq.operator.store.RunFolder;
import dev.mdeq.runstore.run.ExitCodes;
import dev.mdeq.runstore.run.Progress;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.StorageException;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Following the trainer Job: its pods and the run's heartbeat observed, and written into the status
 * (progress, restarts, last failure, the Trained condition and the phase).
 */
final class TrainerStage {
    private static final Logger LOG = Logger.getLogger(TrainerStage.class);

    private final EventRecorder events;
    private final OperatorMetrics metrics;
    private final OperatorConfig config;

    TrainerStage(EventRecorder events, OperatorMetrics metrics, OperatorConfig config) {
        this.events = events;
        this.metrics = metrics;
        this.config = config;
    }

    /** Follows the trainer; true when training succeeded. */
    boolean follow(MdeqTrainingJob resource, Context<MdeqTrainingJob> context, StatusDraft draft,
            RunFolder folder, Job job) {
        JobState state = JobState.of(job);
        PodDiagnosis pods = RunPods.diagnose(context, Role.TRAINER, job);
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
        PodFailure lastFailure = pods.lastFailure().map(RunPods::podFailure)
                .orElse(before == null ? null : before.lastFailure());
        draft.trainer = new TrainerStatus(job.getMetadata().getName(), restarts, state.startTime(), state.completionTime(),
                progress.map(Progress::lastCheckpoint).orElse(before == null ? null : before.lastCheckpoint()),
                progress.map(Progress::resumedFrom).orElse(before == null ? null : before.resumedFrom()),
                lastFailure);
        RunPods.podsHealthy(draft, pods, Role.TRAINER);
        Optional<String> queue = Kueue.queueName(resource);
        draft.queue = queue.map(q -> QueueTracker.observe(q, job, draft.queue, pods.anyPods(),
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())).orElse(null);

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
                if (queue.isPresent()) {
                    draft.trained(Condition.UNKNOWN, draft.queue.state(), "the trainer Job waits for Kueue");
                    draft.phase(Phase.Pending, true, draft.queue.state(), queueMessage(draft.queue, job));
                    return false;
                }
                draft.trained(Condition.UNKNOWN, "Suspended", "training is suspended");
                draft.phase(Phase.Suspended, true, "Suspended", "spec.suspend is true: the trainer stopped after "
                        + "writing a checkpoint; set it to false to resume from there");
                return false;
            }
            default -> {
                draft.trained(Condition.UNKNOWN, "Training", "trainer Job " + job.getMetadata().getName() + " is running");
                Duration timeout = pendingTimeout(resource);
                Optional<PodProblem> stuck = RunPods.stuck(pods, job, draft.queue, timeout);
                if (stuck.isPresent()) {
                    String message = RunPods.stuckMessage(Role.TRAINER, stuck.get(), timeout,
                            "spec.trainer.pendingTimeoutSeconds");
                    draft.trained(Condition.FALSE, stuck.get().reason(), message);
                    draft.phase(Phase.Failed, false, stuck.get().reason(), message);
                } else if (pods.anyRunning()) {
                    draft.phase(Phase.Training, true, "Training", trainingMessage(draft.progress));
                } else {
                    Optional<PodProblem> problem = pods.current();
                    draft.phase(Phase.Pending, problem.isEmpty(), problem.map(PodProblem::reason).orElse("PodStarting"),
                            problem.map(PodProblem::message).orElse("waiting for the trainer pod of Job "
                                    + job.getMetadata().getName() + " to start"));
                }
                return false;
            }
        }
    }

    private Duration pendingTimeout(MdeqTrainingJob resource) {
        Long seconds = resource.getSpec().trainerOrDefault().pendingTimeoutSeconds();
        return seconds != null ? Duration.ofSeconds(seconds) : config.trainer().pendingTimeout();
    }

    /** What a Job waiting for Kueue waits for. */
    static String queueMessage(QueueStatus queue, Job job) {
        String name = job.getMetadata().getName();
        return QueueStatus.PREEMPTED.equals(queue.state())
                ? "Kueue suspended Job " + name + " after admitting it (preempted or evicted; " + queue.preemptions()
                        + " time(s)); its pods stopped after a checkpoint and it resumes from there when the LocalQueue "
                        + queue.name() + " admits it again"
                : "Job " + name + " waits in the Kueue LocalQueue " + queue.name() + " for admission";
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

    private Optional<Progress> readProgress(MdeqTrainingJob resource, RunFolder folder) {
        try {
            return folder.readProgress();
        } catch (StorageException e) {
            LOG.warnf("cannot read the progress of %s/%s: %s", resource.getMetadata().getNamespace(), resource.getMetadata().getName(), e.getMessage());
            events.warning(resource, Reasons.STORAGE_UNAVAILABLE, "cannot read " + folder.resolve(RunLayout.PROGRESS)
                    + ": " + e.getMessage());
            return Optional.empty();
        }
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
}
