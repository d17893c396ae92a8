package dev.mdeq.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.Presets;
import dev.mdeq.operator.api.MdeqTrainingJob;
import dev.mdeq.operator.api.MdeqTrainingJobStatus;
import dev.mdeq.operator.dependent.JobInputs;
import dev.mdeq.operator.store.StoreTarget;
import dev.mdeq.runstore.storage.StoreUri;
import java.nio.charset.StandardCharsets;
import java.util.List;
import dev.mdeq.operator.api.Phase;
import dev.mdeq.operator.metrics.OperatorMetrics;
import dev.mdeq.operator.metrics.RunMetrics;
import dev.mdeq.operator.reconciler.OperatorWiring;
import dev.mdeq.runstore.run.Progress;
import dev.mdeq.runstore.run.RunLayout;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.Operator;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The operator stops mid-job and a new one starts with empty caches (as after a pod restart): it
 * picks up what happened meanwhile and creates no second Job. Runs in its own application (profile),
 * since it stops the application's operator.
 */
@QuarkusTest
@TestProfile(OperatorRestartTest.OwnApplication.class)
@WithKubernetesTestServer(crud = true)
class OperatorRestartTest extends ReplicaTestBase {

    /** A separate application for this class only. */
    public static class OwnApplication extends ClientOutlivesOperator {
    }

    @Inject
    OperatorMetrics metrics;
    @Inject
    RunMetrics runMetrics;

    private Operator restarted;


    @AfterEach
    void tearDown() {
        if (restarted != null) {
            restarted.stop();
        }
    }

    @Test
    void restartMidJobCreatesNoDuplicateAndCatchesUp() {
        String ns = newNamespace();
        create(ns, "mid", validSpec());
        Job trainer = awaitJob(ns, "mid-train");
        Pod first = kubelet.run(kubelet.createPod(trainer));
        awaitStatus(ns, "mid", s -> s.phase() == Phase.Training);

        operator.stop();
        // While no operator runs: the pod fails, the Job replaces it, the new pod resumes.
        kubelet.terminate(first, 1, "Error");
        kubelet.run(kubelet.createPod(trainer));
        kubelet.jobCounts(trainer, 1, 1, 0);
        writeJson(ns, "mid", RunLayout.PROGRESS, new Progress(Progress.Phase.TRAINING, 1, 2, 200L, 300L, 0.4, null, null,
                0.001, 6.0, 1e-4, 90.0, 100L, "checkpoints/step-000000000150/", "checkpoints/step-000000000150/", null,
                Instant.now()));
        // A resource created while the operator is down, whose Job exists already (the old operator
        // crashed after creating it, before it could write any status).
        MdeqTrainingJob orphan = create(ns, "orphan", validSpec());
        StoreUri store = StoreUri.parse("file:" + storeDir);
        StoreUri runUri = store.resolve(RunLayout.runPrefix(ns, "orphan"));
        ExperimentConfig experiment = Presets.load("demo/cls_mdeq_tiny", List.of("TRAIN.LR", "0.01"));
        runFolder(ns, "orphan").putBytes(RunLayout.CONFIG, experiment.toYaml().getBytes(StandardCharsets.UTF_8));
        Job earlier = factory.trainer(orphan, new JobInputs(runUri, new StoreTarget(store, null, null, true, null), 20,
                "auto-val", 1));
        earlier.addOwnerReference(orphan);
        client.resource(earlier).create();

        // A new process: new reconciler, new dependents, new informers and caches.
        restarted = OperatorWiring.build(configuration, newReconciler(metrics, runMetrics));
        restarted.start();

        MdeqTrainingJobStatus status = awaitStatus(ns, "mid", s -> s.progress() != null
                && Long.valueOf(200).equals(s.progress().step()) && Integer.valueOf(1).equals(s.trainer().restarts()));
        assertEquals("checkpoints/step-000000000150/", status.trainer().resumedFrom());
        MdeqTrainingJobStatus adopted = awaitStatus(ns, "orphan", s -> s.runUri() != null);
        assertEquals(runUri.toString(), adopted.runUri());
        assertEquals(experiment.sha256(), adopted.configSha256());
        assertEquals("orphan-train", adopted.trainer().jobName());
        assertEquals(2, jobs(ns).size(), "one trainer Job per resource");
        assertEquals(1, events(ns).stream().filter(e -> "JobCreated".equals(e.getReason())).count(),
                "only the first operator created a Job (for mid); the restarted one created none");
    }
}
