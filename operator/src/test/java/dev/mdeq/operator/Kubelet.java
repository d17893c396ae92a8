package dev.mdeq.operator;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plays the kubelet and the Job controller against the mock API server: makes the pods of a Job,
 * moves them through their phases and sets the Job's status, as a real cluster would.
 */
public final class Kubelet {
    private final KubernetesClient client;
    private int podCounter;

    public Kubelet(KubernetesClient client) {
        this.client = client;
    }

    /** Creates a pod of the Job (the Job controller's part), in phase Pending. */
    public Pod createPod(Job job) {
        Map<String, String> labels = new LinkedHashMap<>(job.getSpec().getTemplate().getMetadata().getLabels());
        labels.put("batch.kubernetes.io/job-name", job.getMetadata().getName());
        String name = job.getMetadata().getName() + "-" + (podCounter++) + "x" + Long.toString(System.nanoTime() % 100000, 36);
        Pod pod = new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(job.getMetadata().getNamespace())
                .withLabels(labels)
                .withCreationTimestamp(Instant.now().plusMillis(podCounter).toString())
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("batch/v1").withKind("Job")
                        .withName(job.getMetadata().getName()).withUid(job.getMetadata().getUid()).withController(true)
                        .build())
                .endMetadata()
                .withSpec(job.getSpec().getTemplate().getSpec())
                .withStatus(new PodStatusBuilder().withPhase("Pending").build())
                .build();
        return client.pods().resource(pod).create();
    }

    /** The pod runs. */
    public Pod run(Pod pod) {
        return setStatus(pod, new PodStatusBuilder().withPhase("Running")
                .withContainerStatuses(new ContainerStatusBuilder().withName("mdeq").withReady(true)
                        .withNewState().withNewRunning().withStartedAt(now()).endRunning().endState().build())
                .build());
    }

    /** The pod's container ended with an exit code (reason e.g. Error or OOMKilled). */
    public Pod terminate(Pod pod, int exitCode, String reason, PodCondition... conditions) {
        return setStatus(pod, new PodStatusBuilder().withPhase(exitCode == 0 ? "Succeeded" : "Failed")
                .withConditions(conditions)
                .withContainerStatuses(new ContainerStatusBuilder().withName("mdeq").withReady(false)
                        .withNewState().withNewTerminated().withExitCode(exitCode).withReason(reason)
                        .withFinishedAt(now()).endTerminated().endState().build())
                .build());
    }

    /** The scheduler cannot place the pod. */
    public Pod unschedulable(Pod pod, String message) {
        return setStatus(pod, new PodStatusBuilder().withPhase("Pending")
                .withConditions(new PodConditionBuilder().withType("PodScheduled").withStatus("False")
                        .withReason("Unschedulable").withMessage(message).build())
                .build());
    }

    /** The kubelet cannot pull the image. */
    public Pod imagePullBackOff(Pod pod, String message) {
        return setStatus(pod, new PodStatusBuilder().withPhase("Pending")
                .withContainerStatuses(new ContainerStatusBuilder().withName("mdeq").withReady(false)
                        .withNewState().withNewWaiting().withReason("ImagePullBackOff").withMessage(message)
                        .endWaiting().endState().build())
                .build());
    }

    /** A DisruptionTarget condition, as preemption sets it. */
    public static PodCondition preempted() {
        return new PodConditionBuilder().withType("DisruptionTarget").withStatus("True")
                .withReason("PreemptionByScheduler").withMessage("preempted by a higher-priority pod").build();
    }

    /**
     * The Job controller cannot create a pod of the Job (quota, Pod Security admission, ...): it
     * records a Warning event with reason FailedCreate on the Job, at the time given (RFC 3339).
     */
    public Event failedCreate(Job job, String jobUid, String message, String time) {
        Event event = new EventBuilder()
                .withNewMetadata().withName(job.getMetadata().getName() + "." + Long.toHexString(System.nanoTime()))
                .withNamespace(job.getMetadata().getNamespace()).endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion("batch/v1").withKind("Job")
                        .withName(job.getMetadata().getName()).withNamespace(job.getMetadata().getNamespace())
                        .withUid(jobUid).build())
                .withType("Warning").withReason("FailedCreate").withMessage(message)
                .withFirstTimestamp(time).withLastTimestamp(time).withCount(1)
                .withNewSource().withComponent("job-controller").endSource()
                .build();
        return client.v1().events().resource(event).create();
    }

    /** The Job controller's counters: running, failed and succeeded pods. */
    public Job jobCounts(Job job, int active, int failed, int succeeded) {
        JobStatus status = new JobStatusBuilder().withActive(active).withFailed(failed).withSucceeded(succeeded)
                .withStartTime(startTime(job)).build();
        return setStatus(job, status);
    }

    /** The Job succeeded. */
    public Job complete(Job job) {
        return setStatus(job, new JobStatusBuilder().withSucceeded(completions(job)).withActive(0)
                .withStartTime(startTime(job)).withCompletionTime(now())
                .withConditions(new JobConditionBuilder().withType("Complete").withStatus("True")
                        .withLastTransitionTime(now()).build())
                .build());
    }

    /** The Job failed (reason e.g. BackoffLimitExceeded, DeadlineExceeded, PodFailurePolicy). */
    public Job fail(Job job, int failedPods, String reason, String message) {
        return setStatus(job, new JobStatusBuilder().withFailed(failedPods).withActive(0)
                .withStartTime(startTime(job))
                .withConditions(new JobConditionBuilder().withType("Failed").withStatus("True")
                        .withReason(reason).withMessage(message).withLastTransitionTime(now()).build())
                .build());
    }

    /** The pods of a Job, oldest first. */
    public List<Pod> pods(Job job) {
        List<Pod> pods = new ArrayList<>(client.pods().inNamespace(job.getMetadata().getNamespace())
                .withLabel("batch.kubernetes.io/job-name", job.getMetadata().getName()).list().getItems());
        pods.sort(java.util.Comparator.comparing(p -> p.getMetadata().getCreationTimestamp()));
        return pods;
    }

    private Pod setStatus(Pod pod, io.fabric8.kubernetes.api.model.PodStatus status) {
        Pod current = client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).get();
        current.setStatus(status);
        return client.pods().resource(current).updateStatus();
    }

    private Job setStatus(Job job, JobStatus status) {
        Job current = client.batch().v1().jobs().inNamespace(job.getMetadata().getNamespace())
                .withName(job.getMetadata().getName()).get();
        current.setStatus(status);
        return client.batch().v1().jobs().resource(current).updateStatus();
    }

    private static String startTime(Job job) {
        return job.getStatus() != null && job.getStatus().getStartTime() != null ? job.getStatus().getStartTime() : now();
    }

    private static int completions(Job job) {
        return job.getSpec().getCompletions() == null ? 1 : job.getSpec().getCompletions();
    }

    static String now() {
        return Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }
}
