package dev.mdeq.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.operator.api.Condition;
import dev.mdeq.operator.api.EvaluationSpec;
import dev.mdeq.operator.api.MdeqTrainingJobStatus;
import dev.mdeq.operator.api.Phase;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Pods that cannot start fail the run after the role's pending timeout (and the stuck Job is removed);
 * the evaluator and merge Jobs have a deadline; non-positive limits are refused naming the field.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class PendingTimeoutTest extends OperatorTestBase {

    @Test
    void anUnschedulableTrainerPodFailsTheRunAfterThePendingTimeoutAndItsJobIsRemoved() {
        String ns = newNamespace();
        create(ns, "stuck", withTrainer(validSpec(), withPendingTimeout(validSpec().trainer(), 1L)));
        Job trainer = kubelet.jobCounts(awaitJob(ns, "stuck-train"), 1, 0, 0);
        kubelet.unschedulable(kubelet.createPod(trainer), "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.");

        MdeqTrainingJobStatus failed = awaitStatus(ns, "stuck", s -> s.phase() == Phase.Failed);
        Condition ready = failed.condition("Ready");
        assertEquals("Unschedulable", ready.reason());
        assertTrue(ready.message().startsWith("the trainer pod could not start within 1 s "
                + "(spec.trainer.pendingTimeoutSeconds), so the run failed: pod stuck-train-"), ready.message());
        assertTrue(ready.message().contains("Insufficient nvidia.com/gpu"), ready.message());
        assertEquals(Condition.FALSE, failed.condition("Trained").status());
        assertEquals(Condition.TRUE, failed.condition("Stalled").status());
        assertEquals("Unschedulable", failed.condition("Stalled").reason());
        assertEquals(Condition.FALSE, failed.condition("Reconciling").status());
        assertEquals("Failed", failed.attempts().get(0).result());

        // Nothing keeps waiting for a node: the Job goes once the Failed status is stored.
        await().atMost(Duration.ofSeconds(10)).until(() -> job(ns, "stuck-train").isEmpty());
        // the event is recorded just after the delete: the test may see the Job gone first
        await().atMost(Duration.ofSeconds(10)).until(() -> events(ns).stream()
                .anyMatch(e -> "JobDeleted".equals(e.getReason())));
        assertEquals(Phase.Failed, get(ns, "stuck").getStatus().phase());
    }

    @Test
    void aPodTheJobControllerCannotCreateFailsTheRunAfterThePendingTimeout() {
        String ns = newNamespace();
        create(ns, "quota", withTrainer(validSpec(), withPendingTimeout(validSpec().trainer(), 1L)));
        Job trainer = awaitJob(ns, "quota-train");
        kubelet.failedCreate(trainer, trainer.getMetadata().getUid(), "Error creating: pods \"quota-train-x\" is "
                + "forbidden: exceeded quota: gpu-quota", Kubelet.now());
        MdeqTrainingJobStatus failed = awaitStatus(ns, "quota", s -> s.phase() == Phase.Failed);
        assertEquals("FailedCreate", failed.condition("Ready").reason());
        assertTrue(failed.condition("Ready").message().contains("exceeded quota: gpu-quota"), failed.condition("Ready").message());
    }

    @Test
    void anEvaluatorPodStuckOnItsImageFailsTheRunAfterTheEvaluationsPendingTimeout() {
        String ns = newNamespace();
        create(ns, "img", withEvaluation(validSpec(), evaluation(1L, null)));
        kubelet.complete(awaitJob(ns, "img-train"));
        Job evaluator = awaitJob(ns, "img-eval");
        kubelet.imagePullBackOff(kubelet.createPod(evaluator), "Back-off pulling image \"registry.test/eval:9\"");
        MdeqTrainingJobStatus failed = awaitStatus(ns, "img", s -> s.phase() == Phase.Failed);
        assertEquals("ImagePullBackOff", failed.condition("Ready").reason());
        assertTrue(failed.condition("Ready").message().contains("(spec.evaluation.pendingTimeoutSeconds)"),
                failed.condition("Ready").message());
        assertEquals(Condition.FALSE, failed.condition("Evaluated").status());
        assertEquals(Condition.TRUE, failed.condition("Trained").status());
    }

    @Test
    void theEvaluatorHasADeadlineAndExceedingItFailsTheRunWithThatReason() {
        String ns = newNamespace();
        create(ns, "dflt", validSpec());
        kubelet.complete(awaitJob(ns, "dflt-train"));
        assertEquals(43200L, awaitJob(ns, "dflt-eval").getSpec().getActiveDeadlineSeconds(),
                "the operator's default, mdeq.evaluator.active-deadline (12h)");

        create(ns, "slow", withEvaluation(validSpec(), evaluation(null, 600L)));
        kubelet.complete(awaitJob(ns, "slow-train"));
        Job evaluator = awaitJob(ns, "slow-eval");
        assertEquals(600L, evaluator.getSpec().getActiveDeadlineSeconds());
        kubelet.fail(evaluator, 0, "DeadlineExceeded", "Job was active longer than specified deadline");
        MdeqTrainingJobStatus failed = awaitStatus(ns, "slow", s -> s.phase() == Phase.Failed);
        assertEquals("DeadlineExceeded", failed.condition("Ready").reason());
        assertTrue(failed.condition("Ready").message().contains("ran longer than 600 s (spec.evaluation.activeDeadlineSeconds)"),
                failed.condition("Ready").message());
        assertEquals("DeadlineExceeded", failed.condition("Evaluated").reason());
    }

    @Test
    void limitsBelowOneSecondAreRefusedNamingTheField() {
        String ns = newNamespace();
        create(ns, "zero", withTrainer(validSpec(), withPendingTimeout(validSpec().trainer(), 0L)));
        MdeqTrainingJobStatus zero = awaitStatus(ns, "zero", s -> "InvalidSpec".equals(s.condition("Ready").reason()));
        assertTrue(zero.condition("Ready").message().startsWith("spec.trainer.pendingTimeoutSeconds must be a whole number "
                + "of seconds of at least 1"), zero.condition("Ready").message());

        create(ns, "neg", withEvaluation(validSpec(), evaluation(null, -1L)));
        MdeqTrainingJobStatus negative = awaitStatus(ns, "neg", s -> "InvalidSpec".equals(s.condition("Ready").reason()));
        assertTrue(negative.condition("Ready").message().startsWith("spec.evaluation.activeDeadlineSeconds must be"),
                negative.condition("Ready").message());
        assertTrue(job(ns, "zero-train").isEmpty() && job(ns, "neg-train").isEmpty());
    }

    private static EvaluationSpec evaluation(Long pendingTimeoutSeconds, Long activeDeadlineSeconds) {
        return new EvaluationSpec(null, null, null, null, null, null, null, null, null, null, pendingTimeoutSeconds,
                activeDeadlineSeconds, null, null);
    }
}
