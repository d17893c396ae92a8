package dev.mdeq.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.List;
import java.util.Map;

/**
 * The trainer pod. The evaluator pods share its scheduling settings (node selector, tolerations,
 * priority class, service account).
 *
 * @param image the container image with the mdeq command as entrypoint (unset: the operator's default)
 * @param gpus GPUs per pod, requested as nvidia.com/gpu; also sets GPUS to that many devices (0: CPU)
 * @param resources CPU and memory requests and limits of the container
 * @param nodeSelector node labels the pod must match
 * @param tolerations taints the pod tolerates (e.g. of GPU nodes)
 * @param priorityClassName the pods' PriorityClass
 * @param serviceAccountName the pods' ServiceAccount
 * @param backoffLimit restart budget: pod failures tolerated before the run fails; preemption, eviction,
 *     node loss and a stop after a checkpoint on SIGTERM (exit code 75) do not count (default: the
 *     operator's, 6)
 * @param checkpointEveryMinutes minutes between time-based checkpoints (RUN.CHECKPOINT_EVERY_MINUTES;
 *     0 = only per epoch and on SIGTERM); unset keeps the experiment's
 * @param activeDeadlineSeconds wall-clock limit of the trainer Job in seconds; the run fails when it is
 *     reached
 * @param cacheSizeLimit size limit of the pod's local data cache (an emptyDir), e.g. 50Gi; unset: no
 *     limit
 * @param pendingTimeoutSeconds seconds a trainer pod may wait without running (unschedulable, image
 *     pull errors, a pod the Job controller cannot create) before the run fails with that reason
 *     (default: the operator's, 900); a Job waiting in a Kueue queue does not count
 * @param podTemplate a pod template merged onto the trainer pod the operator generates (affinity,
 *     topologySpreadConstraints, runtimeClassName, schedulerName, env, envFrom, volumes and mounts,
 *     labels, annotations, imagePullSecrets, sidecars, ...); also the evaluator pods' unless
 *     spec.evaluation.podTemplate is set. Containers merge by name (the operator's is mdeq), volumes,
 *     env and mounts by name or path. The operator's image, command, args, run environment variables,
 *     volumes, restartPolicy and its security settings cannot be changed (docs/operator.md "Pod templates")
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainerSpec(
        @Size(max = 512) String image,
        @Min(0) @Max(16) Integer gpus,
        ResourcesSpec resources,
        @Size(max = 32) Map<String, String> nodeSelector,
        @Size(max = 32) List<TolerationSpec> tolerations,
        @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$") @Size(max = 253) String priorityClassName,
        @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$") @Size(max = 253) String serviceAccountName,
        @Min(0) @Max(1000) Integer backoffLimit,
        @Min(0) @Max(10080) Double checkpointEveryMinutes,
        @Min(1) Long activeDeadlineSeconds,
        @Pattern(ResourcesSpec.QUANTITY) String cacheSizeLimit,
        @Min(1) Long pendingTimeoutSeconds,
        @SchemaFrom(type = PodTemplateSchema.class) Map<String, Object> podTemplate) {

    static final TrainerSpec EMPTY = new TrainerSpec(null, null, null, null, null, null, null, null, null, null, null,
            null, null);

    public int gpuCount() {
        return gpus == null ? 0 : gpus;
    }
}
