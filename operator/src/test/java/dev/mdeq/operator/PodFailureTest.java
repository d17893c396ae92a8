package dev.mdeq.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.operator.api.Condition;
import dev.mdeq.operator.api.MdeqTrainingJobStatus;
import dev.mdeq.operator.api.Phase;
import dev.mdeq.runstore.run.RunLayout;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Why pods fail or wait, restarts, resumes, and a spent restart budget, as the status and events tell them. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class PodFailureTest extends OperatorTestBase {


    @Test
    void restartedTrainerShowsRestartsAndTheCheckpointItResumedFrom() {
        String ns = newNamespace();
        create(ns, "rs", validSpec());
        Job trainer = awaitJob(ns, "rs-train");
        Pod first = kubelet.run(kubelet.createPod(trainer));
        kubelet.jobCounts(trainer, 1, 0, 0);
        awaitStatus(ns, "rs", s -> s.phase() == Phase.Training);

        // Preempted: the pod checkpointed on SIGTERM (exit 75); the Job makes a new pod, which resumes.
        kubelet.terminate(first, 75, "Error", Kubelet.preempted());
        Pod second = kubelet.run(kubelet.createPod(trainer));
        kubelet.jobCounts(trainer, 1, 0, 0);
        writeJson(ns, "rs", RunLayout.PROGRESS, progress("checkpoints/step-000000000100/", "checkpoints/step-000000000100/"));
        MdeqTrainingJobStatus resumed = awaitStatus(ns, "rs", s -> s.trainer() != null && s.trainer().resumedFrom() != null
                && Integer.valueOf(1).equals(s.trainer().restarts()));
        assertEquals("checkpoints/step-000000000100/", resumed.trainer().resumedFrom());
        assertEquals(first.getMetadata().getName(), resumed.trainer().lastFailure().pod());
        assertEquals("Preempted", resumed.trainer().lastFailure().reason());
        assertEquals(Integer.valueOf(75), resumed.trainer().lastFailure().exitCode());
        assertTrue(resumed.trainer().lastFailure().message().contains("checkpoint"), resumed.trainer().lastFailure().message());
        assertEquals(Phase.Training, resumed.phase());
        assertTrue(resumed.condition("PodsHealthy").statusTrue(), "the new pod runs");

        // A second stop: restarts counts both.
        kubelet.terminate(second, 1, "Error");
        kubelet.run(kubelet.createPod(trainer));
        kubelet.jobCounts(trainer, 1, 1, 0);
        awaitStatus(ns, "rs", s -> Integer.valueOf(2).equals(s.trainer().restarts()));
    }

    @Test
    void oomKilledPodSurfacesInConditionsAndEvents() {
        String ns = newNamespace();
        create(ns, "oom", validSpec());
        Job trainer = awaitJob(ns, "oom-train");
        Pod pod = kubelet.run(kubelet.createPod(trainer));
        kubelet.terminate(pod, 137, "OOMKilled");
        kubelet.jobCounts(trainer, 0, 1, 0);
        MdeqTrainingJobStatus status = awaitStatus(ns, "oom",
                s -> s.condition("PodsHealthy") != null && "OOMKilled".equals(s.condition("PodsHealthy").reason()));
        Condition pods = status.condition("PodsHealthy");
        assertEquals(Condition.FALSE, pods.status());
        assertTrue(pods.message().contains("OOMKilled") && pods.message().contains("137"), pods.message());
        assertEquals("OOMKilled", status.trainer().lastFailure().reason());
        awaitEvent(ns, "OOMKilled");
    }

    @Test
    void unschedulablePodSurfacesWithTheSchedulersMessage() {
        String ns = newNamespace();
        create(ns, "gpu", validSpec());
        Job trainer = awaitJob(ns, "gpu-train");
        String message = "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.";
        kubelet.unschedulable(kubelet.createPod(trainer), message);
        kubelet.jobCounts(trainer, 1, 0, 0);
        MdeqTrainingJobStatus status = awaitStatus(ns, "gpu",
                s -> s.condition("Ready") != null && "Unschedulable".equals(s.condition("Ready").reason()));
        assertEquals(Phase.Pending, status.phase());
        assertEquals(Condition.FALSE, status.condition("Ready").status());
        assertTrue(status.condition("Ready").message().contains(message));
        assertEquals("Unschedulable", status.condition("PodsHealthy").reason());
        Event event = awaitEvent(ns, "Unschedulable");
        assertEquals("Warning", event.getType());
        assertTrue(event.getMessage().contains("Insufficient nvidia.com/gpu"));
    }

    @Test
    void podTheJobControllerCannotCreateSurfacesUntilAPodExists() {
        String ns = newNamespace();
        create(ns, "quota", validSpec());
        Job trainer = kubelet.jobCounts(awaitJob(ns, "quota-train"), 0, 0, 0);
        String quota = "Error creating: pods \"quota-train-7x2kq\" is forbidden: exceeded quota: gpu-quota, "
                + "requested: requests.nvidia.com/gpu=2, used: requests.nvidia.com/gpu=4, limited: requests.nvidia.com/gpu=4";
        // A newer event about an earlier Job of the same name (another uid) must not count.
        kubelet.failedCreate(trainer, "uid-of-an-earlier-job", "Error creating: STALE",
                Instant.now().plusSeconds(5).truncatedTo(ChronoUnit.SECONDS).toString());
        kubelet.failedCreate(trainer, trainer.getMetadata().getUid(), quota, Kubelet.now());

        MdeqTrainingJobStatus stuck = awaitStatus(ns, "quota",
                s -> s.condition("Ready") != null && "FailedCreate".equals(s.condition("Ready").reason()));
        assertEquals(Phase.Pending, stuck.phase(), "the Job controller keeps retrying: not a final phase");
        assertEquals(Condition.FALSE, stuck.condition("Ready").status());
        String message = stuck.condition("Ready").message();
        assertTrue(message.contains("quota-train") && message.contains(quota), message);
        assertFalse(message.contains("STALE"), message);
        assertEquals("FailedCreate", stuck.condition("PodsHealthy").reason());
        assertEquals(Condition.FALSE, stuck.condition("PodsHealthy").status());
        Event warning = awaitResourceEvent(ns, "FailedCreate");
        assertEquals("Warning", warning.getType());
        assertTrue(warning.getMessage().contains("exceeded quota: gpu-quota"), warning.getMessage());

        // Quota freed: the Job controller makes the pod, and the condition clears.
        Pod pod = kubelet.createPod(trainer);
        MdeqTrainingJobStatus starting = awaitStatus(ns, "quota",
                s -> "PodStarting".equals(s.condition("Ready").reason()));
        assertEquals(Phase.Pending, starting.phase());
        assertTrue(starting.condition("PodsHealthy").statusTrue(), starting.condition("PodsHealthy").message());
        kubelet.run(pod);
        awaitStatus(ns, "quota", s -> s.phase() == Phase.Training && s.condition("Reconciling").statusTrue()
                && "Training".equals(s.condition("Ready").reason()));
    }

    @Test
    void replacementPodTheJobControllerCannotCreateOutranksTheOldFailure() {
        String ns = newNamespace();
        create(ns, "psa", validSpec());
        Job trainer = kubelet.jobCounts(awaitJob(ns, "psa-train"), 1, 0, 0);
        Pod first = kubelet.terminate(kubelet.run(kubelet.createPod(trainer)), 1, "Error");
        kubelet.jobCounts(trainer, 0, 1, 0);
        awaitStatus(ns, "psa", s -> "Error".equals(s.condition("Ready").reason()));

        // The replacement is refused after the first pod was made (a later second, as in a cluster).
        Instant created = Instant.parse(first.getMetadata().getCreationTimestamp());
        Awaitility.await().until(() -> Instant.now().truncatedTo(ChronoUnit.SECONDS).isAfter(created));
        String psa = "Error creating: pods \"psa-train-abcde\" is forbidden: violates PodSecurity \"restricted:latest\": "
                + "runAsNonRoot != true (pod or container \"mdeq\" must set securityContext.runAsNonRoot=true)";
        kubelet.failedCreate(trainer, trainer.getMetadata().getUid(), "(combined from similar events): " + psa,
                Kubelet.now());
        MdeqTrainingJobStatus refused = awaitStatus(ns, "psa",
                s -> "FailedCreate".equals(s.condition("Ready").reason()));
        assertTrue(refused.condition("Ready").message().endsWith(": " + psa), refused.condition("Ready").message());
        assertEquals("FailedCreate", refused.condition("PodsHealthy").reason());
        assertEquals(first.getMetadata().getName(), refused.trainer().lastFailure().pod(), "the old failure is kept");
        assertEquals(Phase.Pending, refused.phase());

        kubelet.run(kubelet.createPod(trainer));
        MdeqTrainingJobStatus running = awaitStatus(ns, "psa", s -> s.phase() == Phase.Training);
        assertTrue(running.condition("PodsHealthy").statusTrue(), running.condition("PodsHealthy").message());
    }

    @Test
    void imagePullBackOffSurfaces() {
        String ns = newNamespace();
        create(ns, "img", validSpec());
        Job trainer = awaitJob(ns, "img-train");
        kubelet.imagePullBackOff(kubelet.createPod(trainer), "Back-off pulling image \"registry.test/mdeq:test\"");
        MdeqTrainingJobStatus status = awaitStatus(ns, "img",
                s -> s.condition("Ready") != null && "ImagePullBackOff".equals(s.condition("Ready").reason()));
        assertTrue(status.condition("PodsHealthy").message().contains("Back-off pulling image"));
        assertEquals(Phase.Pending, status.phase());
    }

    @Test
    void exhaustedRestartBudgetFailsTheRunWithTheReason() {
        String ns = newNamespace();
        create(ns, "budget", validSpec());
        Job trainer = awaitJob(ns, "budget-train");
        for (int i = 0; i < 4; i++) {
            kubelet.terminate(kubelet.run(kubelet.createPod(trainer)), 1, "Error");
        }
        kubelet.fail(trainer, 4, "BackoffLimitExceeded", "Job has reached the specified backoff limit");
        MdeqTrainingJobStatus failed = awaitStatus(ns, "budget", s -> s.phase() == Phase.Failed);
        Condition ready = failed.condition("Ready");
        assertEquals("RestartBudgetExhausted", ready.reason());
        assertTrue(ready.message().contains("backoff limit") && ready.message().contains("exit code 1"), ready.message());
        assertEquals(Condition.FALSE, failed.condition("Trained").status());
        assertEquals(Integer.valueOf(3), failed.trainer().restarts(), "4 pods, the last was not replaced");
        assertTrue(job(ns, "budget-eval").isEmpty(), "no evaluation after a failed training");
        awaitEvent(ns, "RestartBudgetExhausted");
    }

    @Test
    void invalidInputExitCodeFailsAtOnceAsInvalidInput() {
        String ns = newNamespace();
        create(ns, "bad", validSpec());
        Job trainer = awaitJob(ns, "bad-train");
        kubelet.terminate(kubelet.run(kubelet.createPod(trainer)), 3, "Error");
        kubelet.fail(trainer, 1, "PodFailurePolicy", "Container mdeq for pod x failed with exit code 3 matching FailJob rule at index 2");
        MdeqTrainingJobStatus failed = awaitStatus(ns, "bad", s -> s.phase() == Phase.Failed);
        assertEquals("InvalidInput", failed.condition("Ready").reason());
        assertTrue(failed.condition("Ready").message().contains("invalid input"));
    }

    /** An event the operator recorded on an MdeqTrainingJob (not one the test recorded on a Job). */
    private Event awaitResourceEvent(String ns, String reason) {
        return Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                .until(() -> events(ns).stream().filter(e -> reason.equals(e.getReason())
                        && "MdeqTrainingJob".equals(e.getInvolvedObject().getKind())).findFirst().orElse(null),
                        e -> e != null);
    }

    private Event awaitEvent(String ns, String reason) {
        return Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                .until(() -> events(ns).stream().filter(e -> reason.equals(e.getReason())).findFirst().orElse(null),
                        e -> e != null);
    }

    @SuppressWarnings("unused")
    private static boolean noneMatch(List<Event> events, String text) {
        return events.stream().noneMatch(e -> e.getMessage().contains(text));
    }
}
