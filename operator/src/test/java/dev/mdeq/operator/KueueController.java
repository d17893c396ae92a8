package dev.mdeq.operator;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;

/**
 * Plays Kueue's batch/Job integration against the mock API server: admission unsuspends a queued Job
 * and injects the admitted flavor's node selector into its pod template (podSet info), preemption
 * suspends it again (the Job controller then stops its pods), and the Job controller's startTime
 * follows each admission, as in a cluster.
 */
final class KueueController {
    static final String FLAVOR_LABEL = "cloud.example.com/gpu-flavor";

    private final KubernetesClient client;

    KueueController(KubernetesClient client) {
        this.client = client;
    }

    /** Kueue admits the Job's Workload: spec.suspend false, the flavor's node selector on the pods. */
    Job admit(Job job, String flavor) {
        Job admitted = client.batch().v1().jobs().inNamespace(job.getMetadata().getNamespace())
                .withName(job.getMetadata().getName()).edit(j -> {
                    j.getSpec().setSuspend(false);
                    j.getSpec().getTemplate().getSpec().setNodeSelector(Map.of(FLAVOR_LABEL, flavor));
                    return j;
                });
        return new Kubelet(client).jobCounts(admitted, 0, 0, 0);
    }

    /** Kueue preempts (or evicts) the Workload: spec.suspend true, its pods get SIGTERM. */
    Job preempt(Job job) {
        return client.batch().v1().jobs().inNamespace(job.getMetadata().getNamespace())
                .withName(job.getMetadata().getName()).edit(j -> {
                    j.getSpec().setSuspend(true);
                    return j;
                });
    }
}
