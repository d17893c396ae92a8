package dev.mdeq.operator.queue;

import dev.mdeq.operator.api.QueueStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.Objects;

/**
 * Where a queued Job stands, from what the mock API and a real cluster both show: the Job's
 * spec.suspend, which Kueue sets to false on admission and back to true on preemption or eviction.
 * Queued and Preempted look alike on the Job (suspended); the previous status tells them apart: a
 * Job seen admitted before, or one whose pods ran, and suspended now, was preempted.
 */
public final class QueueTracker {
    private QueueTracker() {
    }

    /**
     * The queue status for the active Job {@code job} of a run in {@code queue}.
     *
     * @param previous the status's queue entry before this look (null: none)
     * @param podsSeen true when the Job has or had pods (so it ran after an admission)
     * @param now the current time (RFC 3339)
     */
    public static QueueStatus observe(String queue, Job job, QueueStatus previous, boolean podsSeen, String now) {
        String jobName = job.getMetadata().getName();
        QueueStatus before = previous != null && Objects.equals(previous.jobName(), jobName) ? previous : null;
        int admissions = before == null || before.admissions() == null ? 0 : before.admissions();
        int preemptions = before == null || before.preemptions() == null ? 0 : before.preemptions();
        String lastAdmission = before == null ? null : before.lastAdmissionTime();
        String state = before == null ? null : before.state();
        boolean suspended = Boolean.TRUE.equals(job.getSpec().getSuspend());
        if (!suspended) {
            if (!QueueStatus.ADMITTED.equals(state)) {
                admissions++;
                lastAdmission = now;
            }
            return new QueueStatus(queue, jobName, QueueStatus.ADMITTED, admissions, preemptions, lastAdmission);
        }
        boolean ranBefore = QueueStatus.ADMITTED.equals(state) || QueueStatus.PREEMPTED.equals(state)
                || (state == null && podsSeen);
        if (ranBefore) {
            if (!QueueStatus.PREEMPTED.equals(state)) {
                preemptions++;
            }
            return new QueueStatus(queue, jobName, QueueStatus.PREEMPTED, Math.max(admissions, 1), preemptions,
                    lastAdmission);
        }
        return new QueueStatus(queue, jobName, QueueStatus.QUEUED, admissions, preemptions, lastAdmission);
    }

    /** True when the Job waits for Kueue (queued or preempted), not running. */
    public static boolean waiting(QueueStatus status) {
        return status != null && !QueueStatus.ADMITTED.equals(status.state());
    }
}
