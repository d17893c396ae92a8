package dev.mdeq.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.operator.api.DataPolicy;
import dev.mdeq.operator.api.MdeqTrainingJob;
import dev.mdeq.operator.api.MdeqTrainingJobStatus;
import dev.mdeq.operator.api.Phase;
import dev.mdeq.operator.reconciler.MdeqTrainingJobReconciler;
import dev.mdeq.runstore.run.RunLayout;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Suspend and resume, the TTL after the end, and deletion with Retain and with Delete. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class SuspendTtlDeletionTest extends OperatorTestBase {


    @Test
    void suspendStopsTheTrainerJobAndResumeContinuesIt() {
        String ns = newNamespace();
        create(ns, "sus", validSpec());
        Job trainer = awaitJob(ns, "sus-train");
        Pod pod = kubelet.run(kubelet.createPod(trainer));
        awaitStatus(ns, "sus", s -> s.phase() == Phase.Training);

        editSpec(ns, "sus", s -> withSuspend(s, true));
        await().atMost(Duration.ofSeconds(20)).until(() -> Boolean.TRUE.equals(job(ns, "sus-train").orElseThrow().getSpec().getSuspend()));
        // The Job controller stops the pod; the trainer checkpoints on SIGTERM and exits 75; the pod goes.
        kubelet.terminate(pod, 75, "Error");
        client.pods().resource(pod).delete();
        MdeqTrainingJobStatus suspended = awaitStatus(ns, "sus", s -> s.phase() == Phase.Suspended);
        assertEquals("Suspended", suspended.condition("Ready").reason());
        assertEquals(1, jobs(ns).size());

        editSpec(ns, "sus", s -> withSuspend(s, false));
        await().atMost(Duration.ofSeconds(20)).until(() -> Boolean.FALSE.equals(job(ns, "sus-train").orElseThrow().getSpec().getSuspend()));
        kubelet.run(kubelet.createPod(trainer));
        awaitStatus(ns, "sus", s -> s.phase() == Phase.Training);
        assertEquals(1, jobs(ns).size(), "the same Job resumes; no second one");
    }

    @Test
    void suspendedAtCreationMakesASuspendedJob() {
        String ns = newNamespace();
        create(ns, "early", withSuspend(validSpec(), true));
        Job trainer = awaitJob(ns, "early-train");
        assertEquals(Boolean.TRUE, trainer.getSpec().getSuspend());
        awaitStatus(ns, "early", s -> s.phase() == Phase.Suspended);
        assertTrue(runFolder(ns, "early").stat(RunLayout.CONFIG).isPresent(), "the config is written already");
    }

    @Test
    void ttlDeletesTheJobsAfterTheRunAndKeepsStatusAndData() {
        String ns = newNamespace();
        create(ns, "ttl", withTtl(withEvaluation(validSpec(), new dev.mdeq.operator.api.EvaluationSpec(false, null, null,
                null, null, null, null, null, null, null, null, null, null, null)), 1L));
        kubelet.complete(awaitJob(ns, "ttl-train"));
        MdeqTrainingJobStatus done = awaitStatus(ns, "ttl", s -> Boolean.TRUE.equals(s.childrenDeleted()));
        assertEquals(Phase.Succeeded, done.phase());
        await().atMost(Duration.ofSeconds(10)).until(() -> jobs(ns).isEmpty());
        assertTrue(runFolder(ns, "ttl").stat(RunLayout.CONFIG).isPresent());
        // Nothing brings the Jobs back.
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> jobs(ns).isEmpty());
    }

    @Test
    void deletionWithRetainKeepsTheRunFolderAndNeedsNoFinalizer() {
        String ns = newNamespace();
        create(ns, "keep", validSpec());
        awaitJob(ns, "keep-train");
        awaitStatus(ns, "keep", s -> s.runUri() != null);
        MdeqTrainingJob resource = get(ns, "keep");
        assertFalse(resource.hasFinalizer(MdeqTrainingJobReconciler.DATA_FINALIZER));
        client.resource(resource).delete();
        await().atMost(Duration.ofSeconds(10)).until(() -> get(ns, "keep") == null);
        assertTrue(runFolder(ns, "keep").stat(RunLayout.CONFIG).isPresent(), "Retain keeps the run's data");

        // A new resource of the same name and spec resumes the run folder (same config: no conflict),
        // once the old Job is gone (the test plays the garbage collector).
        create(ns, "keep", validSpec());
        MdeqTrainingJobStatus waiting = awaitStatus(ns, "keep", s -> s.condition("Ready") != null);
        assertEquals("WaitingForOldJob", waiting.condition("Ready").reason());
        client.batch().v1().jobs().inNamespace(ns).withName("keep-train").delete();
        await().atMost(Duration.ofSeconds(10)).until(() -> job(ns, "keep-train")
                .map(j -> j.getMetadata().getOwnerReferences().get(0).getUid().equals(get(ns, "keep").getMetadata().getUid()))
                .orElse(false));
        MdeqTrainingJobStatus resumed = awaitStatus(ns, "keep", s -> s.runUri() != null);
        assertEquals("file:" + storeDir + "/runs/" + ns + "/keep", resumed.runUri());
    }

    /**
     * Delete and recreate with Retain: the old trainer Job is gone but its pod still stops (it may
     * write its last checkpoint). The new trainer Job waits until that pod has ended, and the status
     * says why; a pod that has ended (here: exit 75 after its SIGTERM checkpoint) no longer blocks.
     */
    @Test
    void recreateAfterRetainWaitsUntilTheOldTrainerPodHasEnded() {
        String ns = newNamespace();
        create(ns, "again", validSpec());
        Job oldJob = awaitJob(ns, "again-train");
        Pod oldPod = kubelet.run(kubelet.createPod(oldJob));
        awaitStatus(ns, "again", s -> s.phase() == Phase.Training);
        client.resource(get(ns, "again")).delete();
        await().atMost(Duration.ofSeconds(10)).until(() -> get(ns, "again") == null);

        create(ns, "again", validSpec());
        awaitStatus(ns, "again", s -> s.condition("Ready") != null
                && "WaitingForOldJob".equals(s.condition("Ready").reason()));
        // the garbage collector removes the old Job first; its pod gets SIGTERM and checkpoints meanwhile
        client.batch().v1().jobs().inNamespace(ns).withName("again-train").delete();
        MdeqTrainingJobStatus waiting = awaitStatus(ns, "again", s -> s.condition("Ready") != null
                && "WaitingForOldPods".equals(s.condition("Ready").reason()));
        assertTrue(waiting.condition("Ready").message().contains("pod " + oldPod.getMetadata().getName()
                + " of an earlier trainer Job"), waiting.condition("Ready").message());
        assertTrue(job(ns, "again-train").isEmpty(), "no new trainer while the old pod may still write");

        kubelet.terminate(oldPod, 75, "Error");
        Job newJob = awaitJob(ns, "again-train");
        assertEquals(get(ns, "again").getMetadata().getUid(), newJob.getMetadata().getOwnerReferences().get(0).getUid());
        awaitStatus(ns, "again", s -> s.runUri() != null);
    }

    @Test
    void deletionWithDeleteRemovesTheRunFolderThroughAFinalizer() {
        String ns = newNamespace();
        create(ns, "wipe", withDataPolicy(validSpec(), DataPolicy.Delete));
        Job trainer = awaitJob(ns, "wipe-train");
        awaitStatus(ns, "wipe", s -> s.runUri() != null);
        runFolder(ns, "wipe").putBytes("checkpoints/step-000000000010/manifest.json", "{}".getBytes());
        await().atMost(Duration.ofSeconds(10)).until(() -> get(ns, "wipe").hasFinalizer(MdeqTrainingJobReconciler.DATA_FINALIZER));
        Pod pod = kubelet.run(kubelet.createPod(trainer));

        client.resource(get(ns, "wipe")).delete();
        // The operator stops the Jobs first and waits for the pods (the mock has no garbage collector:
        // the test removes the pod as the kubelet would once it stopped).
        await().atMost(Duration.ofSeconds(10)).until(() -> job(ns, "wipe-train").isEmpty());
        assertTrue(runFolder(ns, "wipe").stat(RunLayout.CONFIG).isPresent(), "data stays while a pod may still write");
        client.pods().resource(pod).delete();
        await().atMost(Duration.ofSeconds(20)).until(() -> get(ns, "wipe") == null);
        assertEquals(List.of(), runFolder(ns, "wipe").list(""), "every object of the run folder is gone");
        assertTrue(events(ns).stream().anyMatch(e -> "RunDataDeleted".equals(e.getReason())));
    }

    @Test
    void switchingToRetainDropsTheFinalizer() {
        String ns = newNamespace();
        create(ns, "flip", withDataPolicy(validSpec(), DataPolicy.Delete));
        await().atMost(Duration.ofSeconds(10)).until(() -> get(ns, "flip").hasFinalizer(MdeqTrainingJobReconciler.DATA_FINALIZER));
        editSpec(ns, "flip", s -> withDataPolicy(s, DataPolicy.Retain));
        await().atMost(Duration.ofSeconds(10)).until(() -> !get(ns, "flip").hasFinalizer(MdeqTrainingJobReconciler.DATA_FINALIZER));
    }
}
