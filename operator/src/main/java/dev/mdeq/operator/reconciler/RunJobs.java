package dev.mdeq.operator.reconciler;

import dev.mdeq.operator.api.MdeqTrainingJob;
import dev.mdeq.operator.dependent.ChildJob;
import dev.mdeq.operator.dependent.JobInputs;
import dev.mdeq.operator.dependent.Labels;
import dev.mdeq.operator.dependent.Role;
import dev.mdeq.operator.events.EventRecorder;
import dev.mdeq.operator.metrics.OperatorMetrics;
import dev.mdeq.operator.queue.Kueue;
import dev.mdeq.operator.status.JobState;
import dev.mdeq.operator.status.StatusDraft;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Acting on the run's Jobs: create one, carry spec.suspend over to it (unless Kueue owns it), delete
 * the unfinished ones of a failed run, delete them all after the TTL.
 */
final class RunJobs {
    private final ChildJobs jobs;
    private final EventRecorder events;
    private final OperatorMetrics metrics;

    RunJobs(ChildJobs jobs, EventRecorder events, OperatorMetrics metrics) {
        this.jobs = jobs;
        this.events = events;
        this.metrics = metrics;
    }

    ChildJob of(Role role) {
        return jobs.of(role);
    }

    List<ChildJob> all() {
        return jobs.all();
    }

    /** Creates the {@code role} Job of the run from {@code inputs}; the caller has seen that it does not exist. */
    Job create(MdeqTrainingJob resource, Context<MdeqTrainingJob> context, Role role, JobInputs inputs) {
        Job job = jobs.of(role).create(resource, inputs, context);
        metrics.jobCreated(role.label());
        events.normal(resource, "JobCreated", "created the " + role.label() + " Job " + job.getMetadata().getName());
        return job;
    }

    /**
     * spec.suspend is the only thing the operator ever changes on an existing Job (Job.spec.suspend),
     * and only for a run without a Kueue queue: Kueue owns a queued Job's spec.suspend.
     */
    void syncSuspend(MdeqTrainingJob resource, Context<MdeqTrainingJob> context, Job job) {
        if (Kueue.queueName(resource).isPresent()) {
            return;
        }
        boolean wanted = resource.getSpec().suspended();
        JobState state = JobState.of(job);
        if (state.state().finished()) {
            return;
        }
        if (Boolean.TRUE.equals(job.getSpec().getSuspend()) != wanted) {
            context.getClient().batch().v1().jobs().inNamespace(resource.getMetadata().getNamespace())
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

    /**
     * A run that failed while a Job of it was still active (a pod that could not start within its
     * pending timeout): that Job is deleted, so that no pod keeps waiting for (or holding) a node or
     * a queue's quota. Done once the Failed status is stored (on the next look), never before.
     */
    void stopUnfinished(MdeqTrainingJob resource, Context<MdeqTrainingJob> context) {
        for (ChildJob child : jobs.all()) {
            Optional<Job> job = child.current(resource, context);
            if (job.isPresent() && job.get().getMetadata().getDeletionTimestamp() == null
                    && !JobState.of(job.get()).state().finished()) {
                context.getClient().resource(job.get()).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
                events.normal(resource, "JobDeleted", "the run failed while Job " + job.get().getMetadata().getName()
                        + " was still active: deleted it and its pods");
            }
        }
    }

    /** ttlSecondsAfterFinished: deletes the Jobs (and their pods) once the run has been over that long. */
    Optional<Duration> expireChildren(MdeqTrainingJob resource, Context<MdeqTrainingJob> context, StatusDraft draft) {
        Long ttl = resource.getSpec().ttlSecondsAfterFinished();
        if (ttl == null || Boolean.TRUE.equals(draft.childrenDeleted)) {
            return Optional.empty();
        }
        Instant finished = draft.completionTime != null ? Instant.parse(draft.completionTime) : Instant.now();
        Duration left = Duration.between(Instant.now(), finished.plusSeconds(ttl));
        if (!left.isNegative() && !left.isZero()) {
            return Optional.of(left);
        }
        // Every Job of the run, those of earlier attempts too (the informers look only at the current ones).
        List<Job> children = context.getClient().batch().v1().jobs().inNamespace(resource.getMetadata().getNamespace())
                .withLabel(Labels.TRAINING_JOB, resource.getMetadata().getName()).list().getItems().stream()
                .filter(job -> job.getMetadata().getOwnerReferences().stream()
                        .anyMatch(owner -> owner.getUid().equals(resource.getMetadata().getUid())))
                .toList();
        int deleted = 0;
        for (Job job : children) {
            context.getClient().resource(job).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
            deleted++;
        }
        draft.childrenDeleted = true;
        events.normal(resource, "ChildrenDeleted", "ttlSecondsAfterFinished (" + ttl + " s) passed: deleted " + deleted
                + " Job(s) and their pods; the run folder " + draft.runUri + " stays");
        return Optional.empty();
    }
}
