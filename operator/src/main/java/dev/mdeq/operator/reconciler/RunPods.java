package dev.mdeq.operator.reconciler;

import dev.mdeq.operator.api.Condition;
import dev.mdeq.operator.api.MdeqTrainingJob;
import dev.mdeq.operator.api.PodFailure;
import dev.mdeq.operator.api.QueueStatus;
import dev.mdeq.operator.dependent.Labels;
import dev.mdeq.operator.dependent.Role;
import dev.mdeq.operator.status.JobState;
import dev.mdeq.operator.status.PodCreationFailure;
import dev.mdeq.operator.status.PodDiagnosis;
import dev.mdeq.operator.status.PodProblem;
import dev.mdeq.operator.status.StatusDraft;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/** Observing the pods of a run's Job: what they tell (problems, failures) and the PodsHealthy condition. */
final class RunPods {
    private static final Logger LOG = Logger.getLogger(RunPods.class);

    private RunPods() {
    }

    static void podsHealthy(StatusDraft draft, PodDiagnosis pods, Role role) {
        Optional<PodProblem> problem = pods.current();
        if (problem.isPresent()) {
            draft.podsHealthy(Condition.FALSE, problem.get().reason(), problem.get().message());
        } else {
            draft.podsHealthy(Condition.TRUE, "Healthy", pods.anyRunning() ? "the " + role.label() + " pod is running"
                    : "no " + role.label() + " pod has a problem");
        }
    }

    /**
     * The run fails when a Job's pods could not start within the pending timeout: the problem that
     * kept them (Unschedulable, ImagePullBackOff, FailedCreate, ...), once it lasted that long. The
     * wait counts from when the Job started, was created or was last admitted by Kueue, whichever is
     * latest (a Job waiting in its queue is not pending).
     */
    static Optional<PodProblem> stuck(PodDiagnosis pods, Job job, QueueStatus queue, Duration timeout) {
        Instant since = latest(job.getStatus() == null ? null : job.getStatus().getStartTime(),
                job.getMetadata().getCreationTimestamp(), queue == null ? null : queue.lastAdmissionTime());
        return pods.stuckLongerThan(timeout, since, Instant.now());
    }

    /** The message of a pending-timeout failure, naming the field that sets the timeout. */
    static String stuckMessage(Role role, PodProblem problem, Duration timeout, String field) {
        return "the " + role.label() + " pod could not start within " + timeout.toSeconds() + " s (" + field
                + "), so the run failed: " + problem.message();
    }

    private static Instant latest(String... times) {
        Instant out = null;
        for (String time : times) {
            try {
                Instant t = time == null ? null : OffsetDateTime.parse(time).toInstant();
                if (t != null && (out == null || t.isAfter(out))) {
                    out = t;
                }
            } catch (DateTimeParseException e) {
                // an unreadable time does not count
            }
        }
        return out;
    }

    static PodFailure podFailure(PodProblem problem) {
        return new PodFailure(problem.pod(), problem.reason(), problem.exitCode(), problem.message(), problem.time());
    }

    /**
     * The pods of a Job of the run; while the Job is active but none of its pods is pending or
     * running, also the Job controller's latest failure to create one (only then: it costs a list).
     */
    static PodDiagnosis diagnose(Context<MdeqTrainingJob> context, Role role, Job job) {
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
}
