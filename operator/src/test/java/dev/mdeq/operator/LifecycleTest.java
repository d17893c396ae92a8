package dev.mdeq.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.config.ConfigLoader;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.operator.api.Condition;
import dev.mdeq.operator.api.EvaluationSpec;
import dev.mdeq.operator.api.EvaluationSplit;
import dev.mdeq.operator.api.MdeqTrainingJob;
import dev.mdeq.operator.api.MdeqTrainingJobStatus;
import dev.mdeq.operator.api.Phase;
import dev.mdeq.runstore.run.Progress;
import dev.mdeq.runstore.run.ReportSummary;
import dev.mdeq.runstore.run.RunLayout;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** A run from creation to Succeeded, with the test playing the kubelet, the trainer and the evaluator. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class LifecycleTest extends OperatorTestBase {


    @Test
    void fullLifecycleFromCreateToSucceededWithTheMetricInStatus() {
        String ns = newNamespace();
        create(ns, "cls", validSpec());

        // The resolved config is in the run folder before the trainer Job exists, with the spec's values.
        Job trainer = awaitJob(ns, "cls-train");
        String yaml = new String(runFolder(ns, "cls").getBytes(RunLayout.CONFIG), StandardCharsets.UTF_8);
        ExperimentConfig written = ConfigLoader.parse(yaml, "config.yaml", List.of());
        assertEquals("file:/data/cifar10", written.dataset().root());
        assertEquals(0.01, written.train().lr(), 1e-12);
        assertEquals(5.0, written.run().checkpointEveryMinutes(), 1e-12);
        assertEquals(List.of(0, 1), written.gpus(), "GPUS follows spec.trainer.gpus");

        assertTrainerJobSpec(ns, trainer);

        // The trainer pod runs and writes its heartbeat: the status shows it.
        Pod pod = kubelet.run(kubelet.createPod(trainer));
        kubelet.jobCounts(trainer, 1, 0, 0);
        writeJson(ns, "cls", RunLayout.PROGRESS, new Progress(Progress.Phase.TRAINING, 1, 2, 150L, 300L, 0.6931, 41.5,
                "top1", 0.001, 7.5, 1e-4, 123.4, 60L, "checkpoints/step-000000000150/", null, null,
                Instant.parse("2026-11-27T10:00:00Z")));
        MdeqTrainingJobStatus training = awaitStatus(ns, "cls",
                s -> s.progress() != null && Long.valueOf(150).equals(s.progress().step()));
        assertEquals(Phase.Training, training.phase());
        assertEquals(Integer.valueOf(1), training.progress().epoch());
        assertEquals(50.0, training.progress().percentage(), 1e-9);
        assertEquals(0.6931, training.progress().loss(), 1e-12);
        assertEquals(123.4, training.progress().samplesPerSecond(), 1e-12);
        assertEquals(Long.valueOf(60), training.progress().etaSeconds());
        assertEquals("2026-11-27T10:00:00Z", training.progress().lastUpdate());
        assertEquals("checkpoints/step-000000000150/", training.trainer().lastCheckpoint());
        assertEquals("top1 41.50 (val)", training.metric());
        assertEquals("file:" + storeDir + "/runs/" + ns + "/cls", training.runUri());
        // kstatus: Ready only once the run succeeded; Reconciling while it trains.
        assertEquals(Condition.FALSE, training.condition("Ready").status());
        assertEquals("Training", training.condition("Ready").reason());
        assertEquals(Condition.TRUE, training.condition("Reconciling").status());
        assertEquals("Training", training.condition("Reconciling").reason());
        assertEquals(Condition.FALSE, training.condition("Stalled").status());
        assertEquals(training.observedGeneration(), get(ns, "cls").getMetadata().getGeneration());

        // Training succeeds: the evaluator Job follows.
        kubelet.terminate(pod, 0, "Completed");
        kubelet.complete(trainer);
        Job evaluator = awaitJob(ns, "cls-eval");
        // No checkpoint in the spec: no --checkpoint, the evaluator takes BEST if the run has one, else LATEST.
        assertEquals(List.of("evaluate", "--run", training.runUri(), "--eval-id", "auto-val", "--split", "val"),
                container(evaluator).getArgs());
        assertNull(evaluator.getSpec().getCompletionMode(), "one shard: a plain Job");
        MdeqTrainingJobStatus evaluating = awaitStatus(ns, "cls", s -> s.phase() == Phase.Evaluating);
        assertEquals(Condition.TRUE, evaluating.condition("Trained").status());
        assertNotNull(evaluating.trainer().completionTime());

        // The evaluator writes its report: the run succeeded, the metric is in the status.
        kubelet.complete(evaluator);
        writeJson(ns, "cls", RunLayout.report("auto-val"), new ReportSummary("auto-val", "classification",
                "checkpoints/step-000000000300/", 10000L, null, null, 87.25, 99.5, "eval/auto-val/report.html"));
        MdeqTrainingJobStatus done = awaitStatus(ns, "cls", s -> s.phase() == Phase.Succeeded);
        assertEquals(87.25, done.evaluation().top1(), 1e-12);
        assertEquals(99.5, done.evaluation().top5(), 1e-12);
        assertEquals("top1 87.25", done.metric());
        assertEquals(training.runUri() + "/eval/auto-val/report.json", done.evaluation().reportUri());
        assertEquals(training.runUri() + "/eval/auto-val/report.html", done.evaluation().reportHtmlUri());
        assertEquals("checkpoints/step-000000000300/", done.evaluation().checkpoint(), "the one the evaluator chose");
        assertEquals(Condition.TRUE, done.condition("Evaluated").status());
        assertEquals("Succeeded", done.condition("Ready").reason());
        assertEquals(Condition.TRUE, done.condition("Ready").status(), "kubectl wait --for=condition=Ready returns");
        assertEquals(Condition.FALSE, done.condition("Reconciling").status());
        assertEquals(Condition.FALSE, done.condition("Stalled").status());
        MdeqTrainingJob stored = get(ns, "cls");
        for (Condition c : done.conditions()) {
            assertEquals(stored.getMetadata().getGeneration(), c.observedGeneration(), c.type());
        }
        assertNotNull(done.completionTime());
        assertEquals(2, jobs(ns).size(), "trainer and evaluator, nothing else");
    }

    @Test
    void shardedEvaluationRunsAnIndexedJobThenTheMerge() {
        String ns = newNamespace();
        create(ns, "seg", withEvaluation(validSpec(), new EvaluationSpec(null, EvaluationSplit.TRAIN,
                "step-000000000200", 4, true, List.of(0.75, 1.0, 1.25), true, "registry.test/eval:1", 1, null, null, null, null, null)));
        Job trainer = awaitJob(ns, "seg-train");
        String yaml = new String(runFolder(ns, "seg").getBytes(RunLayout.CONFIG), StandardCharsets.UTF_8);
        ExperimentConfig written = ConfigLoader.parse(yaml, "config.yaml", List.of());
        assertTrue(written.test().multiScale());
        assertEquals(List.of(0.75, 1.0, 1.25), written.test().scaleList());
        assertTrue(written.test().flipTest());

        kubelet.complete(trainer);
        Job evaluator = awaitJob(ns, "seg-eval");
        assertEquals("Indexed", evaluator.getSpec().getCompletionMode());
        assertEquals(4, evaluator.getSpec().getCompletions());
        assertEquals(4, evaluator.getSpec().getParallelism());
        assertEquals("registry.test/eval:1", container(evaluator).getImage());
        String runUri = "file:" + storeDir + "/runs/" + ns + "/seg";
        assertEquals(List.of("evaluate", "--run", runUri, "--eval-id", "step-000000000200-train",
                "--checkpoint", "step-000000000200", "--split", "train", "--shard", "env/4"),
                container(evaluator).getArgs());
        assertEquals("1", container(evaluator).getResources().getLimits().get("nvidia.com/gpu").getAmount());

        kubelet.jobCounts(evaluator, 2, 0, 2);
        awaitStatus(ns, "seg", s -> s.evaluation() != null && Integer.valueOf(2).equals(s.evaluation().shardsDone()));
        kubelet.complete(evaluator);
        Job merge = awaitJob(ns, "seg-merge");
        assertEquals(List.of("evaluate", "merge", "--run", runUri, "--eval-id", "step-000000000200-train",
                "--shards", "4"), container(merge).getArgs());
        for (Job job : List.of(trainer, evaluator, merge)) {
            assertRestrictedPodSecurity(job);
        }
        kubelet.complete(merge);
        writeJson(ns, "seg", RunLayout.report("step-000000000200-train"), new ReportSummary("step-000000000200-train",
                "segmentation",
                "checkpoints/step-000000000300/", 500L, 71.234, 95.1, null, null, null));
        MdeqTrainingJobStatus done = awaitStatus(ns, "seg", s -> s.phase() == Phase.Succeeded);
        assertEquals("mIoU 71.23", done.metric());
        assertEquals(Integer.valueOf(4), done.evaluation().shardsDone());
        assertEquals("seg-merge", done.evaluation().mergeJobName());
    }

    @Test
    void evaluationDisabledSucceedsWhenTrainingDoes() {
        String ns = newNamespace();
        create(ns, "noeval", withEvaluation(validSpec(), new EvaluationSpec(false, null, null, null, null, null, null,
                null, null, null, null, null, null, null)));
        kubelet.complete(awaitJob(ns, "noeval-train"));
        MdeqTrainingJobStatus done = awaitStatus(ns, "noeval", s -> s.phase() == Phase.Succeeded);
        assertNull(done.condition("Evaluated"));
        assertTrue(job(ns, "noeval-eval").isEmpty());
    }

    private void assertTrainerJobSpec(String ns, Job trainer) {
        String runUri = "file:" + storeDir + "/runs/" + ns + "/cls";
        Container container = container(trainer);
        assertEquals(List.of("train", "--run", runUri), container.getArgs());
        assertEquals("registry.test/mdeq:test", container.getImage(), "the operator's default image");
        assertEquals("2", container.getResources().getLimits().get("nvidia.com/gpu").getAmount());
        assertEquals("2", container.getResources().getRequests().get("nvidia.com/gpu").getAmount());
        Map<String, String> env = container.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
        assertEquals("/var/cache/mdeq", env.get("MDEQ_CACHE_DIR"));
        assertNull(env.get("MDEQ_S3_ENDPOINT"), "a file: store needs no S3 settings");
        assertEquals(3, trainer.getSpec().getBackoffLimit());
        assertEquals(3600L, trainer.getSpec().getActiveDeadlineSeconds());
        assertEquals("Never", trainer.getSpec().getTemplate().getSpec().getRestartPolicy());
        assertTrue(trainer.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds() > 20,
                "longer than RUN.SHUTDOWN_GRACE_SECONDS (20 s)");
        assertEquals("cls", trainer.getMetadata().getOwnerReferences().get(0).getName());
        assertEquals("MdeqTrainingJob", trainer.getMetadata().getOwnerReferences().get(0).getKind());
        assertEquals("trainer", trainer.getMetadata().getLabels().get("mdeq.dev/role"));
        assertEquals("cls", trainer.getSpec().getTemplate().getMetadata().getLabels().get("mdeq.dev/training-job"));
        List<PodFailurePolicyRule> rules = trainer.getSpec().getPodFailurePolicy().getRules();
        assertEquals("Ignore", rules.get(0).getAction());
        assertEquals("DisruptionTarget", rules.get(0).getOnPodConditions().get(0).getType());
        assertEquals("Ignore", rules.get(1).getAction());
        assertEquals(List.of(75), rules.get(1).getOnExitCodes().getValues());
        assertEquals("FailJob", rules.get(2).getAction());
        assertTrue(rules.get(2).getOnExitCodes().getValues().containsAll(List.of(3, 4)));
        assertEquals(Boolean.FALSE, trainer.getSpec().getSuspend());
        assertEquals(Boolean.FALSE, trainer.getSpec().getTemplate().getSpec().getAutomountServiceAccountToken(),
                "trainer pods never call the Kubernetes API: no token mounted");
        assertEquals("mdeq-workload", trainer.getSpec().getTemplate().getSpec().getServiceAccountName(),
                "a spec without serviceAccountName gets the operator's default (mdeq.trainer.service-account-name)");
        assertRestrictedPodSecurity(trainer);
    }

    /**
     * What the 'restricted' Pod Security Standard demands of a pod (the checks that apply to these
     * pods: non-root, seccomp, no privilege escalation, capabilities, volume types, no host access).
     */
    private static void assertRestrictedPodSecurity(Job job) {
        String name = job.getMetadata().getName();
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        PodSecurityContext podSecurity = pod.getSecurityContext();
        assertNotNull(podSecurity, name + ": pod securityContext");
        assertEquals(Boolean.TRUE, podSecurity.getRunAsNonRoot(), name + ": runAsNonRoot");
        assertEquals(10001L, podSecurity.getRunAsUser(), name + ": the runtime image's uid (docker/runtime.Dockerfile)");
        assertEquals(10001L, podSecurity.getRunAsGroup(), name + ": a non-zero primary group (not the image's root group)");
        assertEquals("RuntimeDefault", podSecurity.getSeccompProfile().getType(), name + ": seccompProfile");
        assertNull(pod.getHostNetwork(), name + ": hostNetwork");
        assertNull(pod.getHostPID(), name + ": hostPID");
        assertNull(pod.getHostIPC(), name + ": hostIPC");
        for (var volume : pod.getVolumes()) {
            assertTrue(volume.getEmptyDir() != null || volume.getSecret() != null, name + ": volume " + volume.getName()
                    + " is not emptyDir or secret");
        }
        for (Container c : pod.getContainers()) {
            SecurityContext security = c.getSecurityContext();
            assertEquals(Boolean.FALSE, security.getAllowPrivilegeEscalation(), name + ": allowPrivilegeEscalation");
            assertEquals(Boolean.TRUE, security.getReadOnlyRootFilesystem(), name + ": readOnlyRootFilesystem");
            java.util.Map<String, String> writable = new java.util.TreeMap<>();
            c.getVolumeMounts().stream().filter(m -> !Boolean.TRUE.equals(m.getReadOnly()))
                    .forEach(m -> writable.put(m.getMountPath(), m.getName()));
            // The merge pod has no /dev/shm (it loads no data); the others have a memory-backed one.
            assertEquals(name.endsWith("-merge") ? java.util.Set.of("/home/mdeq", "/tmp", "/var/cache/mdeq")
                    : java.util.Set.of("/dev/shm", "/home/mdeq", "/tmp", "/var/cache/mdeq"), writable.keySet(),
                    name + ": writable emptyDirs where the image writes");
            for (String volumeName : writable.values()) {
                assertTrue(pod.getVolumes().stream().anyMatch(v -> v.getName().equals(volumeName) && v.getEmptyDir() != null),
                        name + ": " + volumeName + " is an emptyDir");
            }
            assertEquals(List.of("ALL"), security.getCapabilities().getDrop(), name + ": capabilities.drop");
            List<String> added = security.getCapabilities().getAdd();
            assertTrue(added == null || added.isEmpty(), name + ": capabilities.add " + added);
            assertNull(security.getPrivileged(), name + ": privileged");
            assertTrue(security.getRunAsNonRoot() == null || security.getRunAsNonRoot(), name + ": container runAsNonRoot");
            assertTrue(security.getRunAsUser() == null || security.getRunAsUser() != 0, name + ": container runAsUser");
        }
    }

    static Container container(Job job) {
        return job.getSpec().getTemplate().getSpec().getContainers().get(0);
    }
}
