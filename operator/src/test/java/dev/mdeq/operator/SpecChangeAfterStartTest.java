package dev.mdeq.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.config.ConfigLoader;
import dev.mdeq.config.Presets;
import dev.mdeq.operator.api.ConfigMapKeySpec;
import dev.mdeq.operator.api.ConfigOverride;
import dev.mdeq.operator.api.ExperimentSpec;
import dev.mdeq.operator.api.MdeqTrainingJobStatus;
import dev.mdeq.operator.api.Phase;
import dev.mdeq.runstore.run.RunLayout;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Once a run started its experiment is fixed: a spec change that resolves to another config is
 * refused (the CEL rules stop it on a real API server; the mock does not apply them, as an API
 * server without CEL would not). Suspend keeps working whatever happened to the experiment's source.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class SpecChangeAfterStartTest extends OperatorTestBase {

    @Test
    void anExperimentChangeAfterTheStartIsRefusedAndTheRunKeepsItsConfig() {
        String ns = newNamespace();
        create(ns, "chg", validSpec());
        Job trainer = awaitJob(ns, "chg-train");
        MdeqTrainingJobStatus started = awaitStatus(ns, "chg", s -> s.runUri() != null);
        byte[] config = runFolder(ns, "chg").getBytes(RunLayout.CONFIG);

        ExperimentSpec original = get(ns, "chg").getSpec().experiment();
        long changed = editSpec(ns, "chg", s -> withExperiment(s, new ExperimentSpec(original.preset(), null, null,
                List.of(new ConfigOverride("TRAIN.LR", "0.5"))))).getMetadata().getGeneration();
        MdeqTrainingJobStatus refused = awaitStatus(ns, "chg", s -> s.condition("Ready") != null
                && "ConfigConflict".equals(s.condition("Ready").reason()));
        assertEquals("False", refused.condition("Ready").status());
        assertTrue(refused.condition("Ready").message().contains("now resolves to a different config"),
                refused.condition("Ready").message());
        assertEquals(started.observedGeneration(), refused.observedGeneration(), "the changed generation is not observed");
        assertTrue(changed > refused.observedGeneration());
        assertEquals(started.configSha256(), refused.configSha256());
        assertEquals(new String(config, StandardCharsets.UTF_8),
                new String(runFolder(ns, "chg").getBytes(RunLayout.CONFIG), StandardCharsets.UTF_8), "config.yaml stays");
        assertEquals(trainer.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs(),
                LifecycleTest.container(job(ns, "chg-train").orElseThrow()).getArgs());
        assertEquals(1, jobs(ns).size());
        await().atMost(Duration.ofSeconds(10)).until(() -> events(ns).stream()
                .anyMatch(e -> "ConfigConflict".equals(e.getReason()) && "Warning".equals(e.getType())));

        // Reverting the change is accepted: the new generation is observed, the refusal is gone.
        long reverted = editSpec(ns, "chg", s -> withExperiment(s, original)).getMetadata().getGeneration();
        MdeqTrainingJobStatus accepted = awaitStatus(ns, "chg", s -> Long.valueOf(reverted).equals(s.observedGeneration()));
        assertTrue(!"ConfigConflict".equals(accepted.condition("Ready").reason()), accepted.condition("Ready").toString());
    }

    @Test
    void suspendWorksAfterTheExperimentsConfigMapChanged() {
        String ns = newNamespace();
        String yaml = Presets.yaml("demo/cls_mdeq_tiny");
        client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("exp").endMetadata()
                .addToData("exp.yaml", yaml).build()).create();
        create(ns, "cmsus", withExperiment(validSpec(), new ExperimentSpec(null, null, new ConfigMapKeySpec("exp",
                "exp.yaml"), null)));
        Job trainer = awaitJob(ns, "cmsus-train");
        Pod pod = kubelet.run(kubelet.createPod(trainer));
        awaitStatus(ns, "cmsus", s -> s.phase() == Phase.Training);

        // Someone edits the ConfigMap while the run trains: the run goes on with its config.yaml...
        String edited = ConfigLoader.parse(yaml, "exp.yaml", List.of("TRAIN.LR", "0.5")).toYaml();
        client.configMaps().inNamespace(ns).withName("exp").edit(cm -> {
            cm.getData().put("exp.yaml", edited);
            return cm;
        });
        // ...and suspending it (a change of spec.suspend only) is no experiment change.
        long generation = editSpec(ns, "cmsus", s -> withSuspend(s, true)).getMetadata().getGeneration();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> Boolean.TRUE.equals(job(ns, "cmsus-train").orElseThrow().getSpec().getSuspend()));
        kubelet.terminate(pod, 75, "Error");
        client.pods().resource(pod).delete();
        MdeqTrainingJobStatus suspended = awaitStatus(ns, "cmsus", s -> s.phase() == Phase.Suspended);
        assertEquals("Suspended", suspended.condition("Ready").reason());
        assertEquals(Long.valueOf(generation), suspended.observedGeneration());
        assertTrue(events(ns).stream().noneMatch(e -> "ConfigConflict".equals(e.getReason())));
    }
}
