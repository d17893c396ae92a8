package dev.mdeq.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.operator.api.AttemptStatus;
import dev.mdeq.operator.api.Condition;
import dev.mdeq.operator.api.MdeqTrainingJobStatus;
import dev.mdeq.operator.api.Phase;
import dev.mdeq.runstore.run.ReportSummary;
import dev.mdeq.runstore.run.RunLayout;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Retry in place: a changed spec.restartNonce on a Failed run starts a new attempt, kept in status.attempts. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class RetryTest extends OperatorTestBase {

    @Test
    void aFailedTrainingIsRetriedInPlaceAndContinuesFromTheNewestCheckpoint() {
        String ns = newNamespace();
        create(ns, "rt", validSpec());
        Job first = awaitJob(ns, "rt-train");
        Pod pod = kubelet.run(kubelet.createPod(first));
        writeJson(ns, "rt", RunLayout.PROGRESS, progress("checkpoints/step-000000000100/", null));
        awaitStatus(ns, "rt", s -> s.trainer() != null && s.trainer().lastCheckpoint() != null);
        kubelet.terminate(pod, 1, "Error");
        kubelet.fail(first, 4, "BackoffLimitExceeded", "Job has reached the specified backoff limit");
        MdeqTrainingJobStatus failed = awaitStatus(ns, "rt", s -> s.phase() == Phase.Failed);
        assertEquals(Condition.TRUE, failed.condition("Stalled").status());
        assertEquals("RestartBudgetExhausted", failed.condition("Stalled").reason());
        AttemptStatus firstAttempt = failed.attempts().get(0);
        assertEquals(Integer.valueOf(1), firstAttempt.attempt());
        assertEquals("Failed", firstAttempt.result());
        assertEquals("RestartBudgetExhausted", firstAttempt.reason());
        assertEquals(failed.completionTime(), firstAttempt.completionTime());

        editSpec(ns, "rt", s -> withRestartNonce(s, 1L));
        Job second = awaitJob(ns, "rt-train-2");
        assertEquals(List.of("train", "--run", failed.runUri()), second.getSpec().getTemplate().getSpec().getContainers()
                .get(0).getArgs(), "the same run folder: the trainer resumes from its newest valid checkpoint");
        MdeqTrainingJobStatus retrying = awaitStatus(ns, "rt", s -> s.attempt() != null && s.attempt() == 2
                && "rt-train-2".equals(s.trainer().jobName()));
        assertEquals(Phase.Pending, retrying.phase());
        assertNull(retrying.completionTime());
        assertEquals(Long.valueOf(1), retrying.restartNonce());
        assertEquals(Condition.FALSE, retrying.condition("Stalled").status());
        assertEquals(Condition.TRUE, retrying.condition("Reconciling").status());
        AttemptStatus secondAttempt = retrying.attempts().get(1);
        assertEquals(Integer.valueOf(2), secondAttempt.attempt());
        assertEquals(Long.valueOf(1), secondAttempt.restartNonce());
        assertEquals(AttemptStatus.TRAINING, secondAttempt.restarted());
        assertEquals("rt-train-2", secondAttempt.jobName());
        assertEquals("checkpoints/step-000000000100/", secondAttempt.resumedFrom());
        assertNull(secondAttempt.result());
        assertTrue(job(ns, "rt-train").isPresent(), "the failed attempt's Job stays (its logs), under its own name");
        assertTrue(events(ns).stream().anyMatch(e -> "Retrying".equals(e.getReason())));

        // The new trainer reports what it resumed from (here an older checkpoint: step 100 did not verify);
        // then training and the evaluation succeed.
        kubelet.run(kubelet.createPod(second));
        writeJson(ns, "rt", RunLayout.PROGRESS, progress("checkpoints/step-000000000200/", "checkpoints/step-000000000090/"));
        awaitStatus(ns, "rt", s -> s.phase() == Phase.Training && "checkpoints/step-000000000200/".equals(s.trainer().lastCheckpoint()));
        kubelet.complete(second);
        Job evaluator = awaitJob(ns, "rt-eval-2");
        kubelet.complete(evaluator);
        writeJson(ns, "rt", RunLayout.report("auto-val"), new ReportSummary("auto-val", "classification",
                "checkpoints/step-000000000300/", 100L, null, null, 80.0, 95.0, null));
        MdeqTrainingJobStatus done = awaitStatus(ns, "rt", s -> s.phase() == Phase.Succeeded);
        assertEquals(Condition.TRUE, done.condition("Ready").status());
        assertEquals(2, done.attempts().size());
        assertEquals("Succeeded", done.attempts().get(1).result());
        assertEquals("checkpoints/step-000000000090/", done.attempts().get(1).resumedFrom(), "as the trainer reported it");
        assertEquals("Failed", done.attempts().get(0).result(), "the first attempt's end is kept");
    }

    @Test
    void aFailedEvaluationIsRetriedWithoutTrainingAgain() {
        String ns = newNamespace();
        create(ns, "ev", validSpec());
        kubelet.complete(awaitJob(ns, "ev-train"));
        Job evaluator = awaitJob(ns, "ev-eval");
        kubelet.fail(evaluator, 1, "BackoffLimitExceeded", "Job has reached the specified backoff limit");
        awaitStatus(ns, "ev", s -> s.phase() == Phase.Failed);

        editSpec(ns, "ev", s -> withRestartNonce(s, 5L));
        Job again = awaitJob(ns, "ev-eval-2");
        MdeqTrainingJobStatus retried = awaitStatus(ns, "ev", s -> s.phase() == Phase.Evaluating);
        assertEquals(AttemptStatus.EVALUATION, retried.attempts().get(1).restarted());
        assertEquals("ev-eval-2", retried.attempts().get(1).jobName());
        assertTrue(job(ns, "ev-train-2").isEmpty(), "training had succeeded: it does not run again");
        kubelet.complete(again);
        writeJson(ns, "ev", RunLayout.report("auto-val"), new ReportSummary("auto-val", "classification",
                "checkpoints/step-000000000300/", 100L, null, null, 70.0, 90.0, null));
        MdeqTrainingJobStatus done = awaitStatus(ns, "ev", s -> s.phase() == Phase.Succeeded);
        assertEquals("ev-eval-2", done.evaluation().jobName());
    }

    @Test
    void aChangedNonceOnARunThatHasNotFailedIsRecordedAndRestartsNothing() {
        String ns = newNamespace();
        create(ns, "ok", validSpec());
        kubelet.run(kubelet.createPod(awaitJob(ns, "ok-train")));
        awaitStatus(ns, "ok", s -> s.phase() == Phase.Training);
        editSpec(ns, "ok", s -> withRestartNonce(s, 7L));
        MdeqTrainingJobStatus status = awaitStatus(ns, "ok", s -> Long.valueOf(7).equals(s.restartNonce()));
        assertEquals(Phase.Training, status.phase());
        assertEquals(1, jobs(ns).size());
        assertTrue(events(ns).stream().anyMatch(e -> "RestartNonceIgnored".equals(e.getReason())
                && e.getMessage().contains("spec.restartNonce changed to 7 while the run is Training")));
    }
}
