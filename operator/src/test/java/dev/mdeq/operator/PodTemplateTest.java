package dev.mdeq.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mdeq.operator.api.EvaluationSpec;
import dev.mdeq.operator.api.MdeqTrainingJobSpec;
import dev.mdeq.operator.api.MdeqTrainingJobStatus;
import dev.mdeq.operator.api.TolerationSpec;
import dev.mdeq.operator.api.TrainerSpec;
import dev.mdeq.runstore.run.RunLayout;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import dev.mdeq.operator.api.MdeqTrainingJob;
import dev.mdeq.operator.dependent.JobFactory;
import dev.mdeq.operator.dependent.JobInputs;
import dev.mdeq.operator.store.StoreTarget;
import dev.mdeq.runstore.storage.StoreUri;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Path;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Pod templates per role: merged onto the generated pods (what the operator owns kept), refused with the
 * field's path when they touch what the operator owns, and the defaults every pod gets.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class PodTemplateTest extends OperatorTestBase {
    @Inject
    JobFactory factory;

    private static final ObjectMapper YAML = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());

    private static final String TRAINER_TEMPLATE = """
            metadata:
              labels: {team: vision}
              annotations: {example.com/cost-center: "42"}
            spec:
              runtimeClassName: nvidia
              schedulerName: volcano
              nodeSelector: {gpu-type: a100}
              tolerations: [{key: dedicated, operator: Equal, value: ml, effect: NoSchedule}]
              affinity:
                nodeAffinity:
                  requiredDuringSchedulingIgnoredDuringExecution:
                    nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [a]}]}]
              topologySpreadConstraints:
                - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway}
              imagePullSecrets: [{name: registry}]
              volumes:
                - {name: cache, persistentVolumeClaim: {claimName: imagenet-cache}}
                - {name: datasets, persistentVolumeClaim: {claimName: datasets, readOnly: true}}
              containers:
                - name: mdeq
                  env: [{name: NCCL_DEBUG, value: INFO}]
                  envFrom: [{configMapRef: {name: proxy-settings}}]
                  volumeMounts: [{name: datasets, mountPath: /data, readOnly: true}]
                  resources: {limits: {memory: 32Gi}}
                - name: log-shipper
                  image: registry.test/shipper:1
            """;

    @Test
    void aTrainerTemplateIsMergedOntoTheGeneratedPodAndTheEvaluatorInheritsIt() {
        String ns = newNamespace();
        create(ns, "tpl", withGpuTrainer(validSpec(), yaml(TRAINER_TEMPLATE)));
        PodSpec pod = awaitJob(ns, "tpl-train").getSpec().getTemplate().getSpec();
        Job trainer = job(ns, "tpl-train").orElseThrow();

        assertEquals("vision", trainer.getSpec().getTemplate().getMetadata().getLabels().get("team"));
        assertEquals("trainer", trainer.getSpec().getTemplate().getMetadata().getLabels().get("mdeq.dev/role"));
        assertEquals("42", trainer.getSpec().getTemplate().getMetadata().getAnnotations().get("example.com/cost-center"));
        assertEquals("nvidia", pod.getRuntimeClassName());
        assertEquals("volcano", pod.getSchedulerName());
        assertEquals("zone", pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms().get(0).getMatchExpressions().get(0).getKey());
        assertEquals(1, pod.getTopologySpreadConstraints().size());
        assertEquals("registry", pod.getImagePullSecrets().get(0).getName());
        assertEquals(Map.of("pool", "gpu", "gpu-type", "a100"), pod.getNodeSelector(), "merged with spec.trainer.nodeSelector");
        assertEquals(List.of("nvidia.com/gpu", "dedicated"), pod.getTolerations().stream().map(t -> t.getKey()).toList(),
                "the template's tolerations appended to spec.trainer.tolerations");
        // The operator's own settings stay.
        assertEquals("Never", pod.getRestartPolicy());
        assertEquals(Boolean.FALSE, pod.getAutomountServiceAccountToken());
        Volume cache = volume(pod, "cache");
        assertEquals("imagenet-cache", cache.getPersistentVolumeClaim().getClaimName(), "the cache replaced by a PVC");
        assertNull(cache.getEmptyDir());
        assertEquals("datasets", volume(pod, "datasets").getPersistentVolumeClaim().getClaimName());
        assertTrue(pod.getVolumes().stream().anyMatch(v -> v.getName().equals("tmp")), "the operator's volumes stay");

        assertEquals(2, pod.getContainers().size());
        Container main = pod.getContainers().get(0);
        assertEquals("mdeq", main.getName());
        assertEquals("registry.test/mdeq:test", main.getImage());
        assertEquals(List.of("train", "--run", "file:" + storeDir + "/runs/" + ns + "/tpl"), main.getArgs());
        assertEquals(List.of("MDEQ_CACHE_DIR", "NCCL_DEBUG"), main.getEnv().stream().map(EnvVar::getName).toList());
        assertEquals("proxy-settings", main.getEnvFrom().get(0).getConfigMapRef().getName());
        assertTrue(main.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/data") && m.getReadOnly()));
        assertTrue(main.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/var/cache/mdeq")));
        assertEquals("32Gi", main.getResources().getLimits().get("memory").toString());
        assertEquals("2", main.getResources().getLimits().get("nvidia.com/gpu").toString(), "GPUs from spec.trainer.gpus");
        assertEquals("1", main.getResources().getRequests().get("cpu").toString(), "the operator's default request stays");
        Container sidecar = pod.getContainers().get(1);
        assertEquals("registry.test/shipper:1", sidecar.getImage());
        assertEquals(Boolean.FALSE, sidecar.getSecurityContext().getAllowPrivilegeEscalation(),
                "an added container gets the main container's security context");
        assertEquals(Boolean.TRUE, sidecar.getSecurityContext().getReadOnlyRootFilesystem());

        kubelet.complete(trainer);
        PodSpec evaluator = awaitJob(ns, "tpl-eval").getSpec().getTemplate().getSpec();
        assertEquals("nvidia", evaluator.getRuntimeClassName(), "no spec.evaluation.podTemplate: the trainer's");
        assertEquals("imagenet-cache", volume(evaluator, "cache").getPersistentVolumeClaim().getClaimName());
    }

    @Test
    void theMergePodUsesNoGpuPlacementAndItsOwnTemplate() {
        String ns = newNamespace();
        EvaluationSpec evaluation = new EvaluationSpec(null, null, null, 2, null, null, null, null, null, null, null, null,
                yaml("spec: {runtimeClassName: nvidia}"),
                yaml("spec: {nodeSelector: {pool: cpu}, containers: [{name: mdeq, resources: {limits: {memory: 3Gi}}}]}"));
        create(ns, "mrg", withEvaluation(withGpuTrainer(validSpec(), null), evaluation));
        Job trainer = awaitJob(ns, "mrg-train");
        PodSpec trainerPod = trainer.getSpec().getTemplate().getSpec();
        Volume shm = volume(trainerPod, "dshm");
        assertEquals("Memory", shm.getEmptyDir().getMedium());
        assertEquals("1Gi", shm.getEmptyDir().getSizeLimit().toString());
        assertTrue(trainerPod.getContainers().get(0).getVolumeMounts().stream()
                .anyMatch(m -> m.getName().equals("dshm") && m.getMountPath().equals("/dev/shm")));
        assertEquals("4Gi", trainerPod.getContainers().get(0).getResources().getRequests().get("memory").toString(),
                "a spec without resources gets the operator's default requests");

        kubelet.complete(trainer);
        Job evaluator = awaitJob(ns, "mrg-eval");
        assertEquals("nvidia", evaluator.getSpec().getTemplate().getSpec().getRuntimeClassName());
        assertEquals(Map.of("pool", "gpu"), evaluator.getSpec().getTemplate().getSpec().getNodeSelector());
        kubelet.complete(evaluator);
        PodSpec merge = awaitJob(ns, "mrg-merge").getSpec().getTemplate().getSpec();
        assertEquals(Map.of("pool", "cpu"), merge.getNodeSelector(), "not the trainer's GPU node selector");
        assertNull(merge.getTolerations() == null || merge.getTolerations().isEmpty() ? null : merge.getTolerations(),
                "not the trainer's GPU tolerations");
        assertNull(merge.getRuntimeClassName(), "the evaluator's template is not the merge pod's");
        assertFalse(merge.getVolumes().stream().anyMatch(v -> v.getName().equals("dshm")));
        var resources = merge.getContainers().get(0).getResources();
        assertEquals("250m", resources.getRequests().get("cpu").toString());
        assertEquals("1Gi", resources.getRequests().get("memory").toString());
        assertEquals("3Gi", resources.getLimits().get("memory").toString(), "the merge template's limit");
        assertNull(resources.getLimits().get("nvidia.com/gpu"));
    }

    @Test
    void aTemplateThatChangesWhatTheOperatorOwnsIsRefusedWithEveryPath() {
        String ns = newNamespace();
        create(ns, "bad", withGpuTrainer(validSpec(), yaml("""
                metadata:
                  name: other
                  labels: {mdeq.dev/role: evaluator}
                spec:
                  restartPolicy: Always
                  hostNetwork: true
                  securityContext: {runAsNonRoot: false}
                  affinty: {nodeAffinity: {}}
                  volumes: [{name: tmp, emptyDir: {}}, {name: host, hostPath: {path: /}}]
                  containers:
                    - name: mdeq
                      image: evil:1
                      args: [sh]
                      env: [{name: MDEQ_CACHE_DIR, value: /x}]
                      volumeMounts: [{name: scratch, mountPath: /tmp}]
                      resources: {limits: {nvidia.com/gpu: 8}}
                      securityContext: {privileged: true, capabilities: {add: [SYS_ADMIN]}}
                    - name: helper
                """)));
        MdeqTrainingJobStatus status = awaitStatus(ns, "bad", s -> s.condition("Ready") != null
                && "InvalidSpec".equals(s.condition("Ready").reason()));
        String message = status.condition("Ready").message();
        String t = "spec.trainer.podTemplate.";
        for (String path : List.of(t + "metadata.name: only labels and annotations",
                t + "metadata.labels[\"mdeq.dev/role\"]: is the operator's label",
                t + "spec.restartPolicy: is the operator's", t + "spec.hostNetwork: is not allowed",
                t + "spec.securityContext.runAsNonRoot: must stay true", t + "spec.affinty: unknown field",
                t + "spec.volumes[0].name: tmp is a volume of the operator's",
                t + "spec.volumes[1].hostPath: not allowed",
                t + "spec.containers[0].image: is set by spec.trainer.image",
                t + "spec.containers[0].args: is the operator's (the run contract",
                t + "spec.containers[0].env[0].name: MDEQ_CACHE_DIR is set by the operator",
                t + "spec.containers[0].volumeMounts[0]: scratch at /tmp is a mount of the operator's",
                t + "spec.containers[0].resources.limits[\"nvidia.com/gpu\"]: is set by spec.trainer.gpus",
                t + "spec.containers[0].securityContext.privileged: must not be true",
                t + "spec.containers[0].securityContext.capabilities.add: no capabilities",
                t + "spec.containers[1].image: required")) {
            assertTrue(message.contains(path), "missing «" + path + "» in: " + message);
        }
        assertEquals(List.of(), jobs(ns), "no Job for a refused template");
        assertFalse(runFolder(ns, "bad").stat(RunLayout.CONFIG).isPresent(), "nothing written for a refused template");
    }

    @Test
    void aTemplateOfTheWrongShapeIsRefusedWithThePath() {
        String ns = newNamespace();
        create(ns, "shape", withEvaluation(validSpec(), new EvaluationSpec(null, null, null, 2, null, null, null, null,
                null, null, null, null, null, yaml("spec: {containers: [{name: mdeq, ports: oops}]}"))));
        MdeqTrainingJobStatus status = awaitStatus(ns, "shape", s -> s.condition("Ready") != null
                && "InvalidSpec".equals(s.condition("Ready").reason()));
        assertTrue(status.condition("Ready").message().startsWith(
                "spec.evaluation.mergePodTemplate.spec.containers[0].ports: not a valid value of a pod template"),
                status.condition("Ready").message());
        assertEquals(List.of(), jobs(ns));
    }

    @Test
    void theExampleTemplatesPassTheOperatorsChecks() throws Exception {
        MdeqTrainingJob example = YAML.readValue(Path.of("../k8s/examples/cifar10-pod-template.yaml").toFile(),
                MdeqTrainingJob.class);
        StoreUri store = StoreUri.parse("file:" + storeDir);
        JobInputs inputs = new JobInputs(store.resolve("runs/mdeq/cifar10-shared-gpu"),
                new StoreTarget(store, null, null, true, null), 20, "auto-val", 1);
        PodSpec trainer = factory.trainer(example, inputs).getSpec().getTemplate().getSpec();
        assertEquals("nvidia", trainer.getRuntimeClassName());
        assertEquals("8Gi", volume(trainer, "dshm").getEmptyDir().getSizeLimit().toString());
        assertEquals("cifar10-cache", volume(trainer, "cache").getPersistentVolumeClaim().getClaimName());
        assertEquals("nvidia", factory.evaluator(example, inputs).getSpec().getTemplate().getSpec().getRuntimeClassName());
        PodSpec merge = factory.merge(example, inputs).getSpec().getTemplate().getSpec();
        assertEquals(Map.of("node-pool", "cpu"), merge.getNodeSelector());
        assertNull(merge.getRuntimeClassName());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> yaml(String text) {
        try {
            return YAML.readValue(text, Map.class);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Volume volume(PodSpec pod, String name) {
        return pod.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst().orElseThrow(
                () -> new AssertionError("no volume " + name));
    }

    /** The test spec's trainer (2 GPUs on GPU nodes) with a pod template. */
    private static MdeqTrainingJobSpec withGpuTrainer(MdeqTrainingJobSpec s, Map<String, Object> template) {
        return withTrainer(s, new TrainerSpec(null, 2, null, Map.of("pool", "gpu"),
                List.of(new TolerationSpec("nvidia.com/gpu", "Exists", null, "NoSchedule", null)), null, null, 3, 5.0,
                3600L, null, null, template));
    }
}
