package dev.mdeq.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mdeq.deploy.manifest.Manifest;
import dev.mdeq.deploy.manifest.Manifests;
import dev.mdeq.deploy.schema.CrdSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every example MdeqTrainingJob (k8s/examples/, and the yaml blocks of the docs)
 * is accepted by the committed CRD's schema and rules, as {@code kubectl apply} would accept it; broken
 * variants are rejected with the API server's message.
 */
class ExamplesTest {
    private static CrdSchema crd;
    private static Map<String, ObjectNode> examples;

    @BeforeAll
    static void load() {
        crd = CrdSchema.of(Manifests.single(Manifests.load(RepoPaths.committedCrd()), "CustomResourceDefinition"));
        examples = new TreeMap<>();
        for (Path file : Manifests.yamlFiles(RepoPaths.resolve("k8s/examples"))) {
            for (Manifest manifest : Manifests.load(file)) {
                examples.put(manifest.name(), manifest.object());
            }
        }
    }

    @Test
    void everyExampleIsAcceptedByTheCrd() {
        assertTrue(examples.keySet().containsAll(List.of("demo-seg-tiny", "cifar10-tiny", "cityscapes-small",
                "cityscapes-small-from-imagenet", "cityscapes-small-queued", "cifar10-retry", "cifar10-shared-gpu")), "examples: " + examples.keySet());
        examples.forEach((name, example) -> {
            assertEquals("MdeqTrainingJob", example.path("kind").asText(), name);
            assertEquals(List.of(), crd.validateCreate(example), name);
        });
    }

    @Test
    void examplesCoverTheDocumentedCases() {
        assertEquals("demo/seg_mdeq_tiny", examples.get("demo-seg-tiny").at("/spec/experiment/preset").asText());
        assertEquals("cityscapes/seg_mdeq_SMALL", examples.get("cityscapes-small").at("/spec/experiment/preset").asText());
        assertEquals("cifar10", examples.get("cifar10-tiny").at("/spec/dataset/format").asText());
        assertTrue(examples.get("cityscapes-small-from-imagenet").at("/spec/weights/pretrained").asText().startsWith("s3://"));
        ObjectNode shared = examples.get("cifar10-shared-gpu");
        assertEquals("nvidia", shared.at("/spec/trainer/podTemplate/spec/runtimeClassName").asText());
        assertEquals("cache", shared.at("/spec/trainer/podTemplate/spec/volumes/0/name").asText());
        assertEquals("cpu", shared.at("/spec/evaluation/mergePodTemplate/spec/nodeSelector/node-pool").asText());
        assertEquals("corp-ca", examples.get("demo-seg-tiny-private-ca").at("/spec/store/caBundle/configMap").asText());
        ObjectNode queued = examples.get("cityscapes-small-queued");
        assertEquals("gpu-team-a", queued.at("/spec/queueName").asText());
        assertEquals("research-low", queued.at("/metadata/labels").path("kueue.x-k8s.io/priority-class").asText());
        ObjectNode retry = examples.get("cifar10-retry");
        assertEquals(1800, retry.at("/spec/trainer/pendingTimeoutSeconds").asInt());
        assertEquals(600, retry.at("/spec/evaluation/pendingTimeoutSeconds").asInt());
        assertEquals(7200, retry.at("/spec/evaluation/activeDeadlineSeconds").asInt());
        assertEquals(1, retry.at("/spec/restartNonce").asInt());
    }

    @Test
    void aPodTemplateIsKeptAsGivenAndNotPruned() {
        // x-kubernetes-preserve-unknown-fields: the API server keeps the template whole; the operator checks it.
        ObjectNode job = examples.get("cifar10-shared-gpu").deepCopy();
        ((ObjectNode) job.at("/spec/trainer/podTemplate/spec")).put("anyField", "kept");
        assertEquals(List.of(), crd.validateCreate(job));
        assertRejected(spec -> trainer(spec).put("podTemplate", "runtimeClassName: nvidia"),
                "spec.trainer.podTemplate: Invalid value: \"runtimeClassName: nvidia\": must be of type object");
    }

    @Test
    void sharedClusterFieldsAreCheckedByTheSchema() {
        assertRejected(spec -> spec.put("queueName", "GPU Team"),
                "spec.queueName: Invalid value: \"GPU Team\": should match '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$'");
        assertRejected(spec -> trainer(spec).put("pendingTimeoutSeconds", 0),
                "spec.trainer.pendingTimeoutSeconds: Invalid value: 0: should be greater than or equal to 1");
        assertRejected(spec -> evaluation(spec).put("activeDeadlineSeconds", 0),
                "spec.evaluation.activeDeadlineSeconds: Invalid value: 0: should be greater than or equal to 1");
        assertRejected(spec -> spec.put("restartNonce", "again"),
                "spec.restartNonce: Invalid value: \"again\": must be of type integer");
        assertRejected(spec -> spec.put("queueName", "gpu-team-a").put("suspend", true),
                "spec: Invalid value: \"object\": spec.suspend cannot hold a run in a Kueue queue (spec.queueName): "
                        + "Kueue owns the Jobs' suspend; deactivate the run's Workload or stop the LocalQueue instead");
    }

    @Test
    void examplesNameShippedPresetsAndTheWorkloadServiceAccount() {
        String workloadAccount = Manifests.single(Manifests.load(RepoPaths.resolve("k8s/workload/serviceaccount.yaml")),
                "ServiceAccount").name();
        examples.forEach((name, example) -> {
            String preset = example.at("/spec/experiment/preset").asText();
            assertTrue(Files.isRegularFile(RepoPaths.resolve("experiments/" + preset + ".yaml")),
                    name + " names the preset " + preset + ", which experiments/ does not ship");
            assertEquals(workloadAccount, example.at("/spec/trainer/serviceAccountName").asText(), name);
            assertEquals("mdeq", example.at("/metadata/namespace").asText(), name);
        });
    }

    @Test
    void yamlInTheDocsIsAcceptedToo() throws IOException {
        List<String> checked = new ArrayList<>();
        for (String doc : List.of("docs/kubernetes.md", "README.md")) {
            Matcher blocks = Pattern.compile("(?s)```yaml\\n(.*?)```").matcher(Files.readString(RepoPaths.resolve(doc)));
            while (blocks.find()) {
                if (!blocks.group(1).contains("kind: MdeqTrainingJob") || blocks.group(1).contains("{{")) {
                    continue;
                }
                for (Manifest manifest : Manifests.parse(blocks.group(1), doc)) {
                    assertEquals(List.of(), crd.validateCreate(manifest.object()), manifest.source());
                    checked.add(manifest.source());
                }
            }
        }
        assertTrue(checked.size() >= 1, "the docs show MdeqTrainingJobs: " + checked);
    }

    @Test
    void brokenExamplesAreRejectedWithThePathAndTheReason() {
        assertRejected(spec -> spec.put("task", "detection"),
                "spec.task: Unsupported value: \"detection\": supported values: \"classification\", \"segmentation\"");
        assertRejected(spec -> spec.remove("dataset"), "spec.dataset: Required value");
        assertRejected(spec -> trainer(spec).put("gpus", -1),
                "spec.trainer.gpus: Invalid value: -1: should be greater than or equal to 0");
        assertRejected(spec -> trainer(spec).put("gpu", 1), "spec.trainer.gpu: unknown field \"spec.trainer.gpu\"");
        assertRejected(spec -> trainer(spec).put("gpus", "two"),
                "spec.trainer.gpus: Invalid value: \"two\": must be of type integer");
        assertRejected(spec -> ((ObjectNode) spec.get("dataset")).put("uri", "http://example.com/data"),
                "spec.dataset.uri: Invalid value: \"http://example.com/data\": should match '^(s3://|file:).+'");
        assertRejected(spec -> ((ObjectNode) spec.get("experiment")).put("uri", "s3://mdeq/exp.yaml"),
                "spec.experiment: Invalid value: \"object\": spec.experiment needs exactly one of preset, uri or configMap");
        assertRejected(spec -> ((ObjectNode) spec.get("experiment")).remove("preset"),
                "spec.experiment: Invalid value: \"object\": spec.experiment needs exactly one of preset, uri or configMap");
        assertRejected(spec -> ((ObjectNode) spec.get("experiment")).putArray("overrides").addObject().put("key", "TRAIN.LR"),
                "spec.experiment.overrides[0].value: Required value");
        assertRejected(spec -> ((ObjectNode) spec.get("experiment")).putArray("overrides").addObject()
                        .put("key", "train.lr").put("value", "0.1"),
                "spec.experiment.overrides[0].key: Invalid value: \"train.lr\": should match '^[A-Z][A-Z0-9_]*(\\.[A-Z0-9_]+)*$'");
        assertRejected(spec -> evaluation(spec).put("shards", 0),
                "spec.evaluation.shards: Invalid value: 0: should be greater than or equal to 1");
        assertRejected(spec -> scales(evaluation(spec)),
                "spec.evaluation: Invalid value: \"object\": spec.evaluation.scales needs multiScale: true");
        assertRejected(spec -> spec.putObject("weights").put("pretrained", "s3://m/a.pkl").put("modelFile", "s3://m/b.pkl"),
                "spec.weights: Invalid value: \"object\": spec.weights takes pretrained or modelFile, not both");
        assertRejected(spec -> spec.put("dataPolicyOnDelete", "Archive"),
                "spec.dataPolicyOnDelete: Unsupported value: \"Archive\": supported values: \"Delete\", \"Retain\"");
        assertRejected(spec -> trainer(spec).putObject("resources").putObject("requests").put("memory", "4 GB"),
                "spec.trainer.resources.requests.memory: Invalid value: \"4 GB\": should match '"
                        + "^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?$'");
    }

    @Test
    void aNameTooLongForTheChildJobsIsRejected() {
        ObjectNode job = examples.get("demo-seg-tiny").deepCopy();
        ((ObjectNode) job.get("metadata")).put("name", "a".repeat(53));
        assertEquals(List.of("(root): Invalid value: \"object\": metadata.name must be at most 52 characters: the child "
                + "Jobs are named <name>-train, <name>-eval and <name>-merge and Job names are limited to 63 characters"),
                crd.validateCreate(job));
    }

    @Test
    void theRunDefinitionIsImmutableOnceStartedButSuspendIsNot() {
        ObjectNode stored = examples.get("demo-seg-tiny").deepCopy();
        stored.putObject("status").put("runUri", "s3://mdeq/runs/mdeq/demo-seg-tiny");

        ObjectNode changedTask = stored.deepCopy();
        ((ObjectNode) changedTask.get("spec")).put("task", "classification");
        assertEquals(List.of("(root): Invalid value: \"object\": spec.task cannot change once the run has started "
                + "(status.runUri is set); create a new MdeqTrainingJob instead (a new name gets a new run folder)"),
                crd.validateUpdate(stored, changedTask));

        ObjectNode moreGpus = stored.deepCopy();
        trainer((ObjectNode) moreGpus.get("spec")).put("gpus", 2);
        assertEquals(1, crd.validateUpdate(stored, moreGpus).size());

        ObjectNode suspended = stored.deepCopy();
        ((ObjectNode) suspended.get("spec")).put("suspend", true);
        assertEquals(List.of(), crd.validateUpdate(stored, suspended));

        // Before the run started (no status.runUri) every field may still be corrected.
        ObjectNode notStarted = examples.get("demo-seg-tiny").deepCopy();
        ObjectNode corrected = notStarted.deepCopy();
        ((ObjectNode) corrected.get("spec")).put("task", "classification");
        assertEquals(List.of(), crd.validateUpdate(notStarted, corrected));
    }

    private static void assertRejected(Consumer<ObjectNode> breakSpec, String expectedError) {
        ObjectNode job = examples.get("demo-seg-tiny").deepCopy();
        breakSpec.accept((ObjectNode) job.get("spec"));
        assertEquals(List.of(expectedError), crd.validateCreate(job));
    }

    private static ObjectNode trainer(ObjectNode spec) {
        return (ObjectNode) spec.get("trainer");
    }

    private static ObjectNode evaluation(ObjectNode spec) {
        return (ObjectNode) spec.get("evaluation");
    }

    private static void scales(ObjectNode evaluation) {
        ArrayNode scales = evaluation.putArray("scales");
        scales.add(JsonNodeFactory.instance.numberNode(1.0));
    }
}
