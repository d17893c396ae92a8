package dev.mdeq.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Why a pod ended without success.
 *
 * @param pod the pod's name
 * @param reason OOMKilled, Error, DeadlineExceeded, Preempted, Evicted or another kubelet reason
 * @param exitCode the container's exit code
 * @param message what the exit code means (mdeq's exit codes) and the kubelet's message
 * @param time when the container terminated (RFC 3339)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PodFailure(String pod, String reason, Integer exitCode, String message, String time) {
}
