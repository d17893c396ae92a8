package dev.mdeq.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The run's place in its Kueue queue, as the operator sees it on the active Job: Kueue admits a Job
 * by setting its spec.suspend to false and preempts (or evicts) it by setting it back to true.
 *
 * @param name the LocalQueue (spec.queueName or the resource's kueue.x-k8s.io/queue-name label)
 * @param jobName the Job this describes: the trainer Job, later the evaluator or merge Job
 * @param state Queued (created suspended, not admitted yet), Admitted (Kueue unsuspended the Job) or
 *     Preempted (Kueue suspended it again after admitting it; a trainer checkpoints on SIGTERM and
 *     resumes from that checkpoint when Kueue admits it again)
 * @param admissions how often Kueue admitted this Job
 * @param preemptions how often Kueue suspended this Job after admitting it
 * @param lastAdmissionTime when the operator last saw Kueue admit this Job (RFC 3339)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record QueueStatus(
        String name,
        String jobName,
        String state,
        Integer admissions,
        Integer preemptions,
        String lastAdmissionTime) {

    public static final String QUEUED = "Queued";
    public static final String ADMITTED = "Admitted";
    public static final String PREEMPTED = "Preempted";
}
