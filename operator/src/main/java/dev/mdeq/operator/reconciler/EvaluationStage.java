package dev.mdeq.operator.reconciler;

import dev.mdeq.operator.api.Condition;
import dev.mdeq.operator.api.EvaluationSpec;
import dev.mdeq.operator.api.EvaluationStatus;
import dev.mdeq.operator.api.MdeqTrainingJob;
import dev.mdeq.operator.api.Phase;
import dev.mdeq.operator.config.OperatorConfig;
import dev.mdeq.operator.dependent.JobInputs;
import dev.mdeq.operator.dependent.Role;
import dev.mdeq.operator.queue.Kueue;
import dev.mdeq.operator.queue.QueueTracker;
import dev.mdeq.operator.status.JobState;
import dev.mdeq.operator.status.PodProblem;
import dev.mdeq.operator.status.PodDiagnosis;
import dev.mdeq.operator.status.StatusDraft;
import dev.mdeq.operator.store.RunFolder;
import dev.mdeq.operator.store.StoreTarget;
import dev.mdeq.runstore.run.ReportSummary;
import dev.mdeq.runstore.run.RunLayout;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * Following the evaluation once training succeeded: the evaluator Job (and the merge Job of a
 * sharded evaluation) created and observed, the report read, the Evaluated condition and the phase.
 */
final class EvaluationStage {
    private final RunJobs jobs;
    private final OperatorConfig config;

    EvaluationStage(RunJobs jobs, OperatorConfig config) {
        this.jobs = jobs;
        this.config = config;
    }

    /** Follows the evaluation; true when the report is in and the run succeeded. */
    boolean follow(MdeqTrainingJob resource, Context<MdeqTrainingJob> context, StatusDraft draft,
            StoreTarget store, RunFolder folder) {
        EvaluationSpec spec = resource.getSpec().evaluationOrDefault();
        // Once the evaluation started, its id is the one in status: the evaluator Job was made with it.
        String evalId = draft.evaluation != null && draft.evaluation.evalId() != null ? draft.evaluation.evalId()
                : evalId(resource);
        int shards = spec.shardCount();
        JobInputs inputs = new JobInputs(folder.uri(), store, 0, evalId, draft.attempt == null ? 1 : draft.attempt);
        Job evaluator = jobs.of(Role.EVALUATOR).current(resource, context).orElse(null);
        if (evaluator == null) {
            evaluator = jobs.create(resource, context, Role.EVALUATOR, inputs);
        }
        jobs.syncSuspend(resource, context, evaluator);
        JobState state = JobState.of(evaluator);
        Job merge = null;
        JobState mergeState = JobState.ABSENT;
        if (shards > 1 && state.state() == JobState.State.SUCCEEDED) {
            merge = jobs.of(Role.MERGE).current(resource, context).orElse(null);
            if (merge == null) {
                merge = jobs.create(resource, context, Role.MERGE, inputs);
            }
            jobs.syncSuspend(resource, context, merge);
            mergeState = JobState.of(merge);
        }
        Role active = merge != null ? Role.MERGE : Role.EVALUATOR;
        JobState activeState = merge != null ? mergeState : state;
        Job activeJob = merge != null ? merge : evaluator;
        PodDiagnosis pods = RunPods.diagnose(context, active, activeJob);
        RunPods.podsHealthy(draft, pods, active);
        Optional<String> queue = Kueue.queueName(resource);
        draft.queue = queue.map(q -> QueueTracker.observe(q, activeJob, draft.queue, pods.anyPods(),
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())).orElse(null);
        EvaluationStatus before = draft.evaluation;
        draft.evaluation = new EvaluationStatus(evalId, evaluator.getMetadata().getName(),
                merge == null ? null : merge.getMetadata().getName(), shards,
                Math.min(shards, state.succeededPods()), null, null, null, null, null, null,
                null, null, before == null ? null : before.completionTime());

        switch (activeState.state()) {
            case FAILED -> {
                boolean deadline = "DeadlineExceeded".equals(activeState.reason());
                String reason = deadline ? "DeadlineExceeded" : "EvaluationFailed";
                String message = active.label() + " Job " + activeJob.getMetadata().getName() + " failed ("
                        + activeState.reason() + (activeState.message() == null ? "" : ": " + activeState.message()) + ")"
                        + (deadline ? "; it ran longer than " + activeJob.getSpec().getActiveDeadlineSeconds()
                                + " s (spec.evaluation.activeDeadlineSeconds)" : "")
                        + pods.lastFailure().map(p -> "; last pod: " + p.message()).orElse("");
                draft.evaluated(Condition.FALSE, reason, message);
                draft.phase(Phase.Failed, false, reason, message);
                return false;
            }
            case SUSPENDED -> {
                if (queue.isPresent()) {
                    draft.evaluated(Condition.UNKNOWN, draft.queue.state(), "the " + active.label() + " Job waits for Kueue");
                    draft.phase(Phase.Evaluating, true, draft.queue.state(), TrainerStage.queueMessage(draft.queue, activeJob));
                    return false;
                }
                draft.evaluated(Condition.UNKNOWN, "Suspended", "evaluation is suspended");
                draft.phase(Phase.Suspended, true, "Suspended", "spec.suspend is true: the evaluation stopped; set it "
                        + "to false to resume");
                return false;
            }
            case RUNNING, ABSENT -> {
                Duration timeout = pendingTimeout(resource);
                Optional<PodProblem> stuck = RunPods.stuck(pods, activeJob, draft.queue, timeout);
                if (stuck.isPresent()) {
                    String message = RunPods.stuckMessage(active, stuck.get(), timeout,
                            "spec.evaluation.pendingTimeoutSeconds");
                    draft.evaluated(Condition.FALSE, stuck.get().reason(), message);
                    draft.phase(Phase.Failed, false, stuck.get().reason(), message);
                    return false;
                }
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

    private Duration pendingTimeout(MdeqTrainingJob resource) {
        Long seconds = resource.getSpec().evaluationOrDefault().pendingTimeoutSeconds();
        return seconds != null ? Duration.ofSeconds(seconds) : config.evaluator().pendingTimeout();
    }

    private static Optional<ReportSummary> readReport(MdeqTrainingJob resource, RunFolder folder, String evalId) {
        return folder.readReport(evalId);
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
}
