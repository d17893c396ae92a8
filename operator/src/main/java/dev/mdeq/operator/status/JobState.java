package dev.mdeq.operator.status;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import java.util.List;

/**
 * The state of one child Job from its status, as the Job controller reports it.
 *
 * @param state where the Job is
 * @param reason the Job controller's reason of Failed (BackoffLimitExceeded, DeadlineExceeded,
 *     PodFailurePolicy, ...), else null
 * @param message the Job controller's message of Failed, else null
 * @param failedPods pods the Job controller counted as failed
 * @param succeededPods pods (shards) that succeeded
 * @param startTime the Job's start time
 * @param completionTime when it succeeded or failed
 */
public record JobState(State state, String reason, String message, int failedPods, int succeededPods, String startTime,
                       String completionTime) {

    /** Where a Job is. */
    public enum State {
        ABSENT, SUSPENDED, RUNNING, SUCCEEDED, FAILED;

        /** True when the Job succeeded or failed. */
        public boolean finished() {
            return this == SUCCEEDED || this == FAILED;
        }
    }

    public static final JobState ABSENT = new JobState(State.ABSENT, null, null, 0, 0, null, null);

    /** The state of a Job (null: absent). */
    public static JobState of(Job job) {
        if (job == null) {
            return ABSENT;
        }
        JobStatus status = job.getStatus();
        int failed = status == null || status.getFailed() == null ? 0 : status.getFailed();
        int succeeded = status == null || status.getSucceeded() == null ? 0 : status.getSucceeded();
        String start = status == null ? null : status.getStartTime();
        List<JobCondition> conditions = status == null || status.getConditions() == null ? List.of() : status.getConditions();
        for (JobCondition condition : conditions) {
            if ("True".equals(condition.getStatus()) && "Complete".equals(condition.getType())) {
                return new JobState(State.SUCCEEDED, null, null, failed, succeeded, start,
                        status.getCompletionTime() != null ? status.getCompletionTime() : condition.getLastTransitionTime());
            }
            if ("True".equals(condition.getStatus()) && "Failed".equals(condition.getType())) {
                return new JobState(State.FAILED, condition.getReason(), condition.getMessage(), failed, succeeded, start,
                        condition.getLastTransitionTime());
            }
        }
        if (Boolean.TRUE.equals(job.getSpec().getSuspend())) {
            return new JobState(State.SUSPENDED, null, null, failed, succeeded, start, null);
        }
        return new JobState(State.RUNNING, null, null, failed, succeeded, start, null);
    }
}
