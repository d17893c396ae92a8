package dev.mdeq.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.operator.api.ComputeSpec;
import dev.mdeq.operator.api.ConfigMapKeySpec;
import dev.mdeq.operator.api.ConfigOverride;
import dev.mdeq.operator.api.EvaluationSpec;
import dev.mdeq.operator.api.ExperimentSpec;
import dev.mdeq.operator.api.MdeqTrainingJob;
import dev.mdeq.operator.api.MdeqTrainingJobSpec;
import dev.mdeq.operator.api.MdeqTrainingJobStatus;
import dev.mdeq.operator.api.ResourcesSpec;
import dev.mdeq.operator.api.TrainerSpec;
import dev.mdeq.operator.api.WeightsSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The generated CRD as the API server would apply it: descriptions on every field, printer columns,
 * and mistakes the schema and the CEL rules reject before the operator sees them.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class CrdContractTest extends OperatorTestBase {
    private CrdRules rules;

    @BeforeEach
    void setUp() {
        rules = new CrdRules(client);
    }

    @Test
    void everyFieldOfSpecAndStatusHasADescription() {
        List<String> missing = new ArrayList<>();
        collectUndocumented("", rules.root(), missing);
        assertEquals(List.of(), missing);
        String lr = rules.root().getProperties().get("spec").getProperties().get("experiment").getProperties()
                .get("overrides").getItems().getSchema().getProperties().get("key").getDescription();
        assertTrue(lr.contains("TRAIN.LR"), lr);
        // Javadoc inline tags are unwrapped, angle brackets kept.
        String store = rules.root().getProperties().get("spec").getProperties().get("store").getDescription();
        assertTrue(store.contains("run folder <store>/runs/<namespace>/<name>;"), store);
        String all = io.fabric8.kubernetes.client.utils.Serialization.asJson(rules.root());
        assertFalse(all.contains("{@"), "a Javadoc tag leaked into the CRD");
    }

    @Test
    void printerColumnsShowPhaseProgressLossMetricAndAge() {
        List<CustomResourceColumnDefinition> columns = client.apiextensions().v1().customResourceDefinitions()
                .withName(CrdRules.CRD_NAME).get().getSpec().getVersions().get(0).getAdditionalPrinterColumns();
        List<String> shown = columns.stream().filter(c -> c.getPriority() == null || c.getPriority() == 0)
                .map(CustomResourceColumnDefinition::getName).toList();
        assertEquals(List.of("Phase", "Epoch", "Progress", "Loss", "Metric", "Age"), shown);
    }

    @Test
    void aValidResourcePassesSchemaAndRules() {
        MdeqTrainingJob job = resource("ok", validSpec());
        assertEquals(List.of(), rules.schemaErrors(job));
        assertEquals(List.of(), rules.celViolations(CrdRules.celValue(job), null));
    }

    @Test
    void theSchemaRejectsMalformedSpecs() {
        Map<String, UnaryOperator<Map<String, Object>>> mistakes = new LinkedHashMap<>();
        mistakes.put("task missing", spec -> remove(spec, "task"));
        mistakes.put("task not an enum value", spec -> put(spec, "task", "regression"));
        mistakes.put("dataset URI without s3:// or file:", spec -> put(map(spec, "dataset"), "uri", "http://example.com/data"));
        mistakes.put("override key not dotted upper case", spec -> {
            map(spec, "experiment").put("overrides", List.of(Map.of("key", "train.lr", "value", "0.1")));
            return spec;
        });
        mistakes.put("zero shards", spec -> {
            spec.put("evaluation", Map.of("shards", 0));
            return spec;
        });
        mistakes.put("17 GPUs", spec -> put(map(spec, "trainer"), "gpus", 17));
        mistakes.put("negative TTL", spec -> put(spec, "ttlSecondsAfterFinished", -1));
        mistakes.put("unknown data policy", spec -> put(spec, "dataPolicyOnDelete", "Archive"));
        mistakes.put("memory not a quantity", spec -> {
            map(spec, "trainer").put("resources", Map.of("limits", Map.of("memory", "lots")));
            return spec;
        });
        mistakes.put("checkpoint neither best, latest nor a step folder", spec -> {
            spec.put("evaluation", Map.of("checkpoint", "oldest"));
            return spec;
        });
        mistakes.put("checkpoint folder without its 12-digit step", spec -> {
            spec.put("evaluation", Map.of("checkpoint", "step-1200"));
            return spec;
        });
        mistakes.put("split the evaluator does not know", spec -> {
            spec.put("evaluation", Map.of("split", "test"));
            return spec;
        });
        mistakes.put("toleration effect misspelt", spec -> {
            map(spec, "trainer").put("tolerations", List.of(Map.of("key", "gpu", "effect", "NoScheduling")));
            return spec;
        });
        mistakes.put("zero trainer pending timeout", spec -> put(map(spec, "trainer"), "pendingTimeoutSeconds", 0));
        mistakes.put("zero evaluator pending timeout", spec -> {
            spec.put("evaluation", Map.of("pendingTimeoutSeconds", 0));
            return spec;
        });
        mistakes.put("negative evaluator deadline", spec -> {
            spec.put("evaluation", Map.of("activeDeadlineSeconds", -5));
            return spec;
        });
        mistakes.put("queue name with capitals and a space", spec -> put(spec, "queueName", "Team A"));
        mistakes.put("restart nonce not a number", spec -> put(spec, "restartNonce", "again"));
        for (Map.Entry<String, UnaryOperator<Map<String, Object>>> mistake : mistakes.entrySet()) {
            Map<String, Object> object = CrdRules.celValue(resource("bad", validSpec()));
            object.put("spec", mistake.getValue().apply(mutable(object.get("spec"))));
            assertFalse(rules.schemaErrors(object).isEmpty(), "the schema accepts: " + mistake.getKey());
        }
    }

    @Test
    void theSchemaAcceptsEveryCheckpointAndSplitTheEvaluatorTakes() {
        for (String checkpoint : List.of("best", "latest", "step-000000001200")) {
            for (String split : List.of("val", "train")) {
                Map<String, Object> object = CrdRules.celValue(resource("ok", validSpec()));
                Map<String, Object> spec = mutable(object.get("spec"));
                spec.put("evaluation", Map.of("checkpoint", checkpoint, "split", split));
                object.put("spec", spec);
                assertEquals(List.of(), rules.schemaErrors(object), checkpoint + " on " + split);
            }
        }
        JSONSchemaProps checkpoint = rules.root().getProperties().get("spec").getProperties().get("evaluation")
                .getProperties().get("checkpoint");
        assertEquals(null, checkpoint.getDefault(), "unset leaves the choice to the evaluator (best, else latest)");
    }

    @Test
    void celRulesRejectContradictionsAndLongNames() {
        MdeqTrainingJobSpec valid = validSpec();
        assertViolates(resource("two", withExperiment(valid, new ExperimentSpec("demo/cls_mdeq_tiny", null,
                new ConfigMapKeySpec("exp", null), null))), "exactly one of preset, uri or configMap");
        assertViolates(resource("none", withExperiment(valid, new ExperimentSpec(null, null, null,
                List.of(new ConfigOverride("TRAIN.LR", "0.1"))))), "exactly one of preset, uri or configMap");
        assertViolates(resource("both", withWeights(valid, new WeightsSpec("s3://b/in.pth", "s3://b/full.pth"))),
                "pretrained or modelFile, not both");
        assertViolates(resource("scales", withEvaluation(valid, new EvaluationSpec(null, null, null, null, null,
                List.of(0.5, 1.0), null, null, null, null, null, null, null, null))), "scales needs multiScale");
        assertViolates(resource("n".repeat(53), valid), "at most 52 characters");
        assertViolates(resource("held", withSuspend(withQueue(valid, "team-a"), true)),
                "spec.suspend cannot hold a run in a Kueue queue (spec.queueName)");
        assertEquals(List.of(), rules.celViolations(CrdRules.celValue(resource("queued", withQueue(valid, "team-a"))), null));
    }

    @Test
    void theRunsDefinitionIsImmutableOnceStartedButSuspendIsNot() {
        MdeqTrainingJob before = resource("imm", validSpec());
        MdeqTrainingJob changed = resource("imm", withExperiment(validSpec(), new ExperimentSpec("cifar/cls_mdeq_TINY",
                null, null, null)));
        // Before the start (no status.runUri) every field may still be corrected.
        assertEquals(List.of(), rules.celViolations(CrdRules.celValue(changed), CrdRules.celValue(before)));

        before.setStatus(new MdeqTrainingJobStatus(null, 1L, null, "file:/store/runs/ns/imm", null, null, null,
                null, null, null, null, null, null, null, null, null));
        changed.setStatus(before.getStatus());
        List<String> violations = rules.celViolations(CrdRules.celValue(changed), CrdRules.celValue(before));
        assertEquals(1, violations.size(), violations.toString());
        assertTrue(violations.get(0).startsWith("spec.experiment cannot change once the run has started"));

        MdeqTrainingJob trainerChanged = resource("imm", new MdeqTrainingJobSpec(before.getSpec().task(),
                before.getSpec().experiment(), before.getSpec().dataset(), before.getSpec().store(), null,
                new TrainerSpec(null, 2, new ResourcesSpec(null, new ComputeSpec("4", "8Gi")), null, null, null, null,
                        3, 5.0, 3600L, null, null, null), null, null, null, null, null, null));
        trainerChanged.setStatus(before.getStatus());
        assertTrue(rules.celViolations(CrdRules.celValue(trainerChanged), CrdRules.celValue(before)).get(0)
                .startsWith("spec.trainer cannot change"));

        MdeqTrainingJob suspended = resource("imm", withTtl(withSuspend(validSpec(), true), 60L));
        suspended.setStatus(before.getStatus());
        assertEquals(List.of(), rules.celViolations(CrdRules.celValue(suspended), CrdRules.celValue(before)));

        // A retry (restartNonce) and the queue of Jobs still to be created may change too.
        MdeqTrainingJob retried = resource("imm", withQueue(withRestartNonce(validSpec(), 2L), "team-b"));
        retried.setStatus(before.getStatus());
        assertEquals(List.of(), rules.celViolations(CrdRules.celValue(retried), CrdRules.celValue(before)));
    }

    private void assertViolates(MdeqTrainingJob job, String message) {
        List<String> violations = rules.celViolations(CrdRules.celValue(job), null);
        assertTrue(violations.stream().anyMatch(v -> v.contains(message)), "expected '" + message + "' in " + violations);
    }

    private static MdeqTrainingJob resource(String name, MdeqTrainingJobSpec spec) {
        MdeqTrainingJob job = new MdeqTrainingJob();
        job.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("ns").build());
        job.setSpec(spec);
        return job;
    }

    private static void collectUndocumented(String path, JSONSchemaProps schema, List<String> missing) {
        if (schema.getProperties() != null) {
            schema.getProperties().forEach((name, property) -> {
                String child = path.isEmpty() ? name : path + "." + name;
                if (property.getDescription() == null || property.getDescription().isBlank()) {
                    missing.add(child);
                }
                collectUndocumented(child, property, missing);
            });
        }
        if (schema.getItems() != null && schema.getItems().getSchema() != null) {
            collectUndocumented(path + "[]", schema.getItems().getSchema(), missing);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> mutable(Object value) {
        Map<String, Object> out = new LinkedHashMap<>();
        ((Map<String, Object>) value).forEach((k, v) -> out.put(k, v instanceof Map<?, ?> ? mutable(v) : v));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        return (Map<String, Object>) parent.computeIfAbsent(key, k -> new LinkedHashMap<String, Object>());
    }

    private static Map<String, Object> put(Map<String, Object> map, String key, Object value) {
        map.put(key, value);
        return map;
    }

    private static Map<String, Object> remove(Map<String, Object> map, String key) {
        map.remove(key);
        return map;
    }
}
