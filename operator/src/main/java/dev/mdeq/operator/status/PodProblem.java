package dev.mdeq.operator.status;

/**
 * Why a pod does not run as it should.
 *
 * @param pod the pod's name
 * @param reason a CamelCase word: Unschedulable, ImagePullBackOff, ErrImagePull, OOMKilled, Error, ...
 * @param message the kubelet's or scheduler's words, with the exit code's meaning
 * @param exitCode the container's exit code when it terminated, else null
 * @param time when it terminated (RFC 3339), else null
 * @param terminated true when the pod has ended (failed), false when it waits
 */
public record PodProblem(String pod, String reason, String message, Integer exitCode, String time, boolean terminated) {
}
