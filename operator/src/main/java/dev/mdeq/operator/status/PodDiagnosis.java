package dev.mdeq.operator.status;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the pods of one Job like a person running {@code kubectl describe} would: why the newest pod
 * waits (unschedulable, image pull), why pods ended (OOMKilled, exit codes, preemption), or, when no
 * pod is pending or running, why the Job controller cannot create one ({@link PodCreationFailure}).
 */
public final class PodDiagnosis {
    /** Waiting reasons that are normal on the way to Running. */
    private static final Set<String> BENIGN_WAITING = Set.of("ContainerCreating", "PodInitializing");

    private final List<Pod> pods;
    private final PodCreationFailure creationFailure;

    /** @param pods the pods of one Job, in any order */
    public PodDiagnosis(List<Pod> pods) {
        this(pods, Optional.empty());
    }

    /**
     * @param pods the pods of one Job, in any order
     * @param creationFailure the Job controller's latest failure to create a pod of the Job, if any
     */
    public PodDiagnosis(List<Pod> pods, Optional<PodCreationFailure> creationFailure) {
        this.pods = pods.stream()
                .sorted(Comparator.comparing((Pod p) -> creation(p)).thenComparing(p -> p.getMetadata().getName()))
                .toList();
        this.creationFailure = creationFailure.orElse(null);
    }

    /**
     * True when some pod of the Job is pending or running (not being deleted): then the Job controller
     * is not trying to create one, and its creation failures need not be looked up.
     */
    public static boolean anyActive(List<Pod> pods) {
        return pods.stream().anyMatch(p -> p.getMetadata().getDeletionTimestamp() == null
                && (phase(p) == null || "Pending".equals(phase(p)) || "Running".equals(phase(p))));
    }

    /** True when the Job has pods (in any phase). */
    public boolean anyPods() {
        return !pods.isEmpty();
    }

    /** True when some pod of the Job is running. */
    public boolean anyRunning() {
        return pods.stream().anyMatch(p -> "Running".equals(phase(p)) && p.getMetadata().getDeletionTimestamp() == null);
    }

    /**
     * Pods that replaced an earlier pod of the Job: every pod after the first is a restart (the Job
     * controller makes a new pod only when one ended without success).
     */
    public int replacements() {
        return Math.max(0, pods.size() - 1);
    }

    /**
     * The problem of the newest pod: it waits for something that may never come (scheduling, image),
     * or it ended without success; or no pod is pending or running and the Job controller reported,
     * after the newest pod was created, that it cannot create another. Empty when the newest pod
     * runs, succeeded or starts normally.
     */
    public Optional<PodProblem> current() {
        if (creationFailureIsCurrent()) {
            return Optional.of(creationFailure.problem());
        }
        if (pods.isEmpty()) {
            return Optional.empty();
        }
        Pod newest = pods.get(pods.size() - 1);
        Optional<PodProblem> waiting = waiting(newest);
        if (waiting.isPresent()) {
            return waiting;
        }
        return "Failed".equals(phase(newest)) ? failure(newest) : Optional.empty();
    }

    /** A creation failure counts while no pod is active and it is newer than the newest pod (to the second). */
    private boolean creationFailureIsCurrent() {
        if (creationFailure == null || anyActive(pods)) {
            return false;
        }
        Instant newestPod = pods.isEmpty() ? null : PodCreationFailure.seconds(creation(pods.get(pods.size() - 1)));
        return newestPod == null || creationFailure.time().isAfter(newestPod);
    }

    /**
     * The problem of a Job none of whose pods runs, when it has lasted longer than {@code timeout}: the
     * newest pod waits (unschedulable, image pull errors) or the Job controller cannot create one. The
     * wait is counted from the newest pod's creation while it is pending, else from the later of
     * {@code waitingSince} (when the Job started or was admitted) and the newest pod's end.
     */
    public Optional<PodProblem> stuckLongerThan(java.time.Duration timeout, Instant waitingSince, Instant now) {
        if (anyRunning()) {
            return Optional.empty();
        }
        Optional<PodProblem> problem = current().filter(p -> !p.terminated());
        if (problem.isEmpty()) {
            return Optional.empty();
        }
        Instant since = waitingSince;
        if (!pods.isEmpty()) {
            Pod newest = pods.get(pods.size() - 1);
            Instant mark = PodCreationFailure.seconds("Pending".equals(phase(newest)) || phase(newest) == null
                    ? creation(newest) : endedAt(newest));
            if (mark != null && (since == null || mark.isAfter(since))) {
                since = mark;
            }
        }
        return since != null && !since.plus(timeout).isAfter(now) ? problem : Optional.empty();
    }

    /** When the pod's container terminated, else when the pod was created. */
    private static String endedAt(Pod pod) {
        for (ContainerStatus container : containers(pod)) {
            ContainerStateTerminated terminated = container.getState() == null ? null : container.getState().getTerminated();
            if (terminated != null && terminated.getFinishedAt() != null) {
                return terminated.getFinishedAt();
            }
        }
        return creation(pod);
    }

    /** The newest pod that ended without success, and why. */
    public Optional<PodProblem> lastFailure() {
        for (int i = pods.size() - 1; i >= 0; i--) {
            if ("Failed".equals(phase(pods.get(i)))) {
                return failure(pods.get(i));
            }
        }
        return Optional.empty();
    }

    private static Optional<PodProblem> waiting(Pod pod) {
        String name = pod.getMetadata().getName();
        if (pod.getStatus() == null) {
            return Optional.empty();
        }
        for (PodCondition condition : list(pod.getStatus().getConditions())) {
            if ("PodScheduled".equals(condition.getType()) && "False".equals(condition.getStatus())
                    && "Unschedulable".equals(condition.getReason())) {
                return Optional.of(new PodProblem(name, "Unschedulable", "pod " + name + " cannot be scheduled: "
                        + condition.getMessage(), null, null, false));
            }
        }
        for (ContainerStatus container : containers(pod)) {
            ContainerStateWaiting waiting = container.getState() == null ? null : container.getState().getWaiting();
            if (waiting != null && waiting.getReason() != null && !BENIGN_WAITING.contains(waiting.getReason())) {
                return Optional.of(new PodProblem(name, waiting.getReason(), "pod " + name + " container "
                        + container.getName() + " is waiting: " + waiting.getReason()
                        + (waiting.getMessage() == null ? "" : ": " + waiting.getMessage()), null, null, false));
            }
        }
        return Optional.empty();
    }

    private static Optional<PodProblem> failure(Pod pod) {
        String name = pod.getMetadata().getName();
        String disruption = disruption(pod);
        for (ContainerStatus container : containers(pod)) {
            ContainerStateTerminated terminated = container.getState() == null ? null : container.getState().getTerminated();
            if (terminated != null && terminated.getExitCode() != null && terminated.getExitCode() != 0) {
                int code = terminated.getExitCode();
                String reason = terminated.getReason() == null ? "Error" : terminated.getReason();
                if (disruption != null && !"OOMKilled".equals(reason)) {
                    reason = disruption;
                }
                String message = "pod " + name + " " + reasonText(reason) + " with exit code " + code + " ("
                        + ExitCodeMeaning.of(code) + ")"
                        + (terminated.getMessage() == null ? "" : ": " + terminated.getMessage());
                return Optional.of(new PodProblem(name, reason, message, code, terminated.getFinishedAt(), true));
            }
        }
        String reason = disruption != null ? disruption
                : pod.getStatus() != null && pod.getStatus().getReason() != null ? pod.getStatus().getReason() : "Failed";
        String message = "pod " + name + " failed: " + reason
                + (pod.getStatus() != null && pod.getStatus().getMessage() != null ? ": " + pod.getStatus().getMessage() : "");
        return Optional.of(new PodProblem(name, reason, message, null, null, true));
    }

    /** Preempted / Evicted / node loss, from the DisruptionTarget condition. */
    private static String disruption(Pod pod) {
        if (pod.getStatus() == null) {
            return null;
        }
        for (PodCondition condition : list(pod.getStatus().getConditions())) {
            if ("DisruptionTarget".equals(condition.getType()) && "True".equals(condition.getStatus())) {
                String reason = condition.getReason();
                return reason == null ? "Disrupted" : switch (reason) {
                    case "PreemptionByScheduler" -> "Preempted";
                    case "EvictionByEvictionAPI", "TerminationByKubelet" -> "Evicted";
                    case "DeletionByTaintManager", "DeletionByPodGC" -> "NodeLost";
                    default -> reason;
                };
            }
        }
        return null;
    }

    private static String reasonText(String reason) {
        return switch (reason) {
            case "OOMKilled" -> "was OOMKilled (memory limit reached)";
            case "Preempted" -> "was preempted";
            case "Evicted" -> "was evicted";
            case "NodeLost" -> "lost its node";
            default -> "terminated (" + reason + ")";
        };
    }

    private static List<ContainerStatus> containers(Pod pod) {
        return pod.getStatus() == null ? List.of() : list(pod.getStatus().getContainerStatuses());
    }

    private static String phase(Pod pod) {
        return pod.getStatus() == null ? null : pod.getStatus().getPhase();
    }

    private static String creation(Pod pod) {
        String time = pod.getMetadata().getCreationTimestamp();
        return time == null ? "" : time;
    }

    private static <T> List<T> list(List<T> items) {
        return items == null ? List.of() : items;
    }
}
