package dev.mdeq.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.operator.api.Condition;
import dev.mdeq.operator.api.MdeqTrainingJob;
import dev.mdeq.operator.api.MdeqTrainingJobStatus;
import dev.mdeq.operator.api.Phase;
import dev.mdeq.operator.api.QueueStatus;
import dev.mdeq.runstore.run.RunLayout;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A run in a Kueue queue, with the test playing Kueue ({@link KueueController}), the Job controller and
 * the kubelet: Jobs created suspended with the queue label, admitted, preempted and re-admitted, the
 * operator never writing their spec.suspend.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class KueueTest extends OperatorTestBase {
    private KueueController kueue;

    @BeforeEach
    void setUpKueue() {
        kueue = new KueueController(client);
    }

    @Test
    void queuedTrainerIsAdmittedPreemptedAndResumesFromItsCheckpointWhenAdmittedAgain() {
        String ns = newNamespace();
        create(ns, "q", withQueue(validSpec(), "team-a"));
        Job trainer = awaitJob(ns, "q-train");
        assertEquals("team-a", trainer.getMetadata().getLabels().get("kueue.x-k8s.io/queue-name"));
        assertEquals(Boolean.TRUE, trainer.getSpec().getSuspend(), "a queued Job starts suspended");

        MdeqTrainingJobStatus queued = awaitStatus(ns, "q", s -> s.queue() != null);
        assertEquals(Phase.Pending, queued.phase());
        assertEquals("Queued", queued.condition("Ready").reason());
        assertTrue(queued.condition("Ready").message().contains("LocalQueue team-a"), queued.condition("Ready").message());
        assertEquals(Condition.TRUE, queued.condition("Reconciling").status());
        assertEquals(QueueStatus.QUEUED, queued.queue().state());
        assertEquals(Boolean.TRUE, job(ns, "q-train").orElseThrow().getSpec().getSuspend(),
                "spec.suspend is false, yet the operator leaves the queued Job to Kueue");

        // Kueue admits: the Job runs with the flavor's node selector Kueue injected.
        trainer = kueue.admit(trainer, "a100");
        Pod first = kubelet.run(kubelet.createPod(trainer));
        MdeqTrainingJobStatus admitted = awaitStatus(ns, "q", s -> s.phase() == Phase.Training);
        assertEquals(QueueStatus.ADMITTED, admitted.queue().state());
        assertEquals(Integer.valueOf(1), admitted.queue().admissions());
        assertTrue(admitted.queue().lastAdmissionTime() != null);

        // Kueue preempts: the trainer checkpoints on SIGTERM (exit 75), its pod goes; the Job stays suspended.
        writeJson(ns, "q", RunLayout.PROGRESS, progress("checkpoints/step-000000000100/", null));
        trainer = kueue.preempt(trainer);
        kubelet.terminate(first, 75, "Error");
        client.pods().resource(first).delete();
        MdeqTrainingJobStatus preempted = awaitStatus(ns, "q",
                s -> s.queue() != null && QueueStatus.PREEMPTED.equals(s.queue().state()));
        assertEquals(Phase.Pending, preempted.phase());
        assertEquals("Preempted", preempted.condition("Ready").reason());
        assertEquals(Integer.valueOf(1), preempted.queue().preemptions());
        assertEquals(Condition.FALSE, preempted.condition("Stalled").status(), "waiting for Kueue is not stuck");
        assertEquals(Boolean.TRUE, job(ns, "q-train").orElseThrow().getSpec().getSuspend(), "the operator leaves it");

        // Kueue admits again: a new pod resumes from the checkpoint.
        trainer = kueue.admit(trainer, "a100");
        kubelet.run(kubelet.createPod(trainer));
        writeJson(ns, "q", RunLayout.PROGRESS, progress("checkpoints/step-000000000100/", "checkpoints/step-000000000100/"));
        MdeqTrainingJobStatus resumed = awaitStatus(ns, "q", s -> s.phase() == Phase.Training
                && Integer.valueOf(2).equals(s.queue().admissions()) && s.trainer().resumedFrom() != null);
        assertEquals("checkpoints/step-000000000100/", resumed.trainer().resumedFrom());
        assertEquals(Map.of(KueueController.FLAVOR_LABEL, "a100"),
                job(ns, "q-train").orElseThrow().getSpec().getTemplate().getSpec().getNodeSelector(),
                "what Kueue injected stays: the Job is never updated");
        assertTrue(events(ns).stream().noneMatch(e -> "Suspending".equals(e.getReason()) || "Resuming".equals(e.getReason())),
                "the operator never suspended or resumed a queued Job");
        assertEquals(1, jobs(ns).size());
    }

    @Test
    void theQueueLabelOnTheResourceAndOtherKueueLabelsReachEveryJob() {
        String ns = newNamespace();
        createLabelled(ns, "lbl", Map.of("kueue.x-k8s.io/queue-name", "team-b",
                "kueue.x-k8s.io/priority-class", "high", "team", "vision"));
        Job trainer = awaitJob(ns, "lbl-train");
        assertEquals("team-b", trainer.getMetadata().getLabels().get("kueue.x-k8s.io/queue-name"));
        assertEquals("high", trainer.getMetadata().getLabels().get("kueue.x-k8s.io/priority-class"));
        assertNull(trainer.getMetadata().getLabels().get("team"), "only Kueue's labels are carried over");
        assertEquals(Boolean.TRUE, trainer.getSpec().getSuspend());

        kubelet.complete(kueue.admit(trainer, "cpu"));
        Job evaluator = awaitJob(ns, "lbl-eval");
        assertEquals("team-b", evaluator.getMetadata().getLabels().get("kueue.x-k8s.io/queue-name"));
        assertEquals(Boolean.TRUE, evaluator.getSpec().getSuspend(), "the evaluator queues too");
        MdeqTrainingJobStatus waiting = awaitStatus(ns, "lbl", s -> s.phase() == Phase.Evaluating
                && s.queue() != null && "lbl-eval".equals(s.queue().jobName()));
        assertEquals(QueueStatus.QUEUED, waiting.queue().state(), "a new Job starts queued, not preempted");
        assertEquals("Queued", waiting.condition("Evaluated").reason());
    }

    @Test
    void aQueuedJobWaitingLongerThanThePendingTimeoutDoesNotFail() {
        String ns = newNamespace();
        var spec = withQueue(validSpec(), "team-a");
        create(ns, "wait", withTrainer(spec, withPendingTimeout(spec.trainer(), 1L)));
        awaitJob(ns, "wait-train");
        awaitStatus(ns, "wait", s -> s.queue() != null);
        // Twice the 1 s pending timeout, four looks (poll interval 0.5 s): still only queued.
        Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                .until(() -> get(ns, "wait").getStatus().phase() == Phase.Pending
                        && "Queued".equals(get(ns, "wait").getStatus().condition("Ready").reason()));
    }

    @Test
    void conflictingOrInvalidQueueSettingsAreRefusedNamingTheField() {
        String ns = newNamespace();
        MdeqTrainingJob both = new MdeqTrainingJob();
        both.setMetadata(new ObjectMetaBuilder().withName("both").withNamespace(ns)
                .withLabels(Map.of("kueue.x-k8s.io/queue-name", "team-b")).build());
        both.setSpec(withQueue(validSpec(), "team-a"));
        client.resource(both).create();
        MdeqTrainingJobStatus refused = awaitStatus(ns, "both", s -> "InvalidSpec".equals(s.condition("Ready").reason()));
        assertTrue(refused.condition("Ready").message().contains("spec.queueName is team-a but metadata.labels[\"kueue.x-k8s.io/queue-name\"] is team-b"),
                refused.condition("Ready").message());
        assertEquals(Condition.TRUE, refused.condition("Stalled").status());
        assertEquals(Condition.FALSE, refused.condition("Reconciling").status());

        createLabelled(ns, "badlabel", Map.of("kueue.x-k8s.io/queue-name", "Team_A"));
        MdeqTrainingJobStatus bad = awaitStatus(ns, "badlabel", s -> "InvalidSpec".equals(s.condition("Ready").reason()));
        assertTrue(bad.condition("Ready").message().startsWith("metadata.labels[\"kueue.x-k8s.io/queue-name\"] 'Team_A' "
                + "is not a LocalQueue name"), bad.condition("Ready").message());

        create(ns, "held", withSuspend(withQueue(validSpec(), "team-a"), true));
        MdeqTrainingJobStatus held = awaitStatus(ns, "held", s -> "InvalidSpec".equals(s.condition("Ready").reason()));
        assertTrue(held.condition("Ready").message().startsWith("spec.suspend: true cannot hold a run in the Kueue queue "
                + "team-a"), held.condition("Ready").message());
        assertTrue(job(ns, "held-train").isEmpty() && job(ns, "both-train").isEmpty() && job(ns, "badlabel-train").isEmpty(),
                "nothing starts");
    }

    @Test
    void suspendingAStartedQueuedRunIsRefusedAndTheJobLeftToKueue() {
        String ns = newNamespace();
        create(ns, "run", withQueue(validSpec(), "team-a"));
        Job trainer = kueue.admit(awaitJob(ns, "run-train"), "a100");
        kubelet.run(kubelet.createPod(trainer));
        awaitStatus(ns, "run", s -> s.phase() == Phase.Training);

        editSpec(ns, "run", s -> withSuspend(s, true));
        MdeqTrainingJobStatus refused = awaitStatus(ns, "run", s -> "InvalidSpec".equals(s.condition("Ready").reason()));
        assertTrue(refused.condition("Ready").message().contains("deactivate its Workload"), refused.condition("Ready").message());
        assertEquals(Condition.TRUE, refused.condition("Stalled").status());
        assertEquals(Phase.Training, refused.phase(), "the run goes on");
        assertEquals(Boolean.FALSE, job(ns, "run-train").orElseThrow().getSpec().getSuspend(), "not suspended against Kueue");
        assertTrue(refused.observedGeneration() < get(ns, "run").getMetadata().getGeneration(),
                "the refused generation is not observed");

        editSpec(ns, "run", s -> withSuspend(s, false));
        awaitStatus(ns, "run", s -> "Training".equals(s.condition("Ready").reason())
                && Condition.FALSE.equals(s.condition("Stalled").status()));
    }

    private void createLabelled(String ns, String name, Map<String, String> labels) {
        MdeqTrainingJob job = new MdeqTrainingJob();
        job.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).withLabels(labels).build());
        job.setSpec(validSpec());
        client.resource(job).create();
    }
}
