package dev.mdeq.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.operator.api.ConfigMapKeySpec;
import dev.mdeq.operator.api.ConfigOverride;
import dev.mdeq.operator.api.DatasetFormat;
import dev.mdeq.operator.api.DatasetSpec;
import dev.mdeq.operator.api.ExperimentSpec;
import dev.mdeq.operator.api.MdeqTrainingJobSpec;
import dev.mdeq.operator.api.MdeqTrainingJobStatus;
import dev.mdeq.operator.api.Phase;
import dev.mdeq.operator.api.StoreSpec;
import dev.mdeq.operator.api.TaskName;
import dev.mdeq.runstore.run.RunLayout;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Mistakes only the operator can see (they need the config module or the cluster): each becomes
 * Ready=False with a message naming the field and what is valid, plus a Warning event; no Job is
 * created and nothing crashes. Fixing the cause (or creating what was missing) starts the run.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class InvalidSpecTest extends OperatorTestBase {


    @Test
    void unknownPresetListsTheValidOnes() {
        assertRefused(s -> withExperiment(s, new ExperimentSpec("demo/cls_mdeq_huge", null, null, null)),
                "InvalidSpec", "spec.experiment.preset", "unknown experiment preset 'demo/cls_mdeq_huge'", "demo/cls_mdeq_tiny");
    }

    @Test
    void unknownOverrideKeySuggestsTheClosest() {
        assertRefused(s -> overrides(s, new ConfigOverride("TRAIN.LRR", "0.1")),
                "InvalidSpec", "unknown key TRAIN.LRR", "did you mean TRAIN.LR");
    }

    @Test
    void overrideOfTheWrongTypeNamesTheExpectedType() {
        assertRefused(s -> overrides(s, new ConfigOverride("TRAIN.END_EPOCH", "many")),
                "InvalidSpec", "TRAIN.END_EPOCH", "expects");
    }

    @Test
    void outOfRangeSolverSettingIsRefusedAtAdmission() {
        // The trainer would meet DEQ.ANDERSON_M only after pretraining, possibly hours into the run.
        assertRefused(s -> overrides(s, new ConfigOverride("DEQ.ANDERSON_M", "1")),
                "InvalidSpec", "DEQ.ANDERSON_M must be at least 2, got 1");
    }

    @Test
    void overrideOfAKeyTheResourceSetsIsRefused() {
        assertRefused(s -> overrides(s, new ConfigOverride("DATASET.ROOT", "/elsewhere")),
                "InvalidSpec", "overrides[1] sets DATASET.ROOT", "spec.dataset.uri");
    }

    @Test
    void taskThatDoesNotMatchTheDataSet() {
        assertRefused(s -> new MdeqTrainingJobSpec(TaskName.SEGMENTATION, s.experiment(), s.dataset(), s.store(), null,
                s.trainer(), null, null, null, null, null, null), "InvalidSpec", "spec.task is segmentation", "cifar10");
    }

    @Test
    void configMapThatDoesNotExist() {
        assertRefused(s -> withExperiment(s, new ExperimentSpec(null, null, new ConfigMapKeySpec("nothing", null), null)),
                "InvalidSpec", "ConfigMap", "nothing", "does not exist");
    }

    @Test
    void configMapWithoutTheKeyListsItsKeys() {
        String ns = newNamespace();
        client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("exp").endMetadata()
                .addToData("other.yaml", "TRAIN: {LR: 0.1}").build()).create();
        assertRefused(ns, s -> withExperiment(s, new ExperimentSpec(null, null, new ConfigMapKeySpec("exp", null), null)),
                "InvalidSpec", "has no key experiment.yaml", "other.yaml");
    }

    @Test
    void experimentUriThatDoesNotExist() {
        assertRefused(s -> withExperiment(s, new ExperimentSpec(null, "file:" + storeDir + "/missing.yaml", null, null)),
                "InvalidSpec", "spec.experiment.uri", "missing.yaml does not exist");
    }

    @Test
    void malformedExperimentYamlNamesTheLine() {
        String ns = newNamespace();
        client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("broken").endMetadata()
                .addToData("experiment.yaml", "TRAIN:\n  LR: [0.1\n").build()).create();
        assertRefused(ns, s -> withExperiment(s, new ExperimentSpec(null, null, new ConfigMapKeySpec("broken", null), null)),
                "InvalidSpec", "not valid yaml at line");
    }

    @Test
    void aMalformedFileOfTheOperatorsOwnFilesystemIsNotEchoed() throws Exception {
        // file: experiments are allowed in the test profile only (mdeq.policy.allow-file-uris): even then
        // the parser's message, which quotes the file, stays out of the status and events.
        java.nio.file.Files.writeString(storeDir.resolve("broken.yaml"), "TRAIN:\n  LR: [0.1 SECRET_LOOKING_LINE\n");
        String ns = newNamespace();
        assertRefused(ns, s -> withExperiment(s, new ExperimentSpec(null, "file:" + storeDir + "/broken.yaml", null, null)),
                "InvalidSpec", "spec.experiment.uri", "is not a valid experiment yaml");
        String everything = io.fabric8.kubernetes.client.utils.Serialization.asJson(get(ns, "bad").getStatus())
                + io.fabric8.kubernetes.client.utils.Serialization.asJson(events(ns));
        assertFalse(everything.contains("SECRET_LOOKING_LINE"), everything);
        assertFalse(everything.contains("at line"), everything);
    }

    @Test
    void s3StoreWithoutItsSecret() {
        assertRefused(s -> store(s, new StoreSpec("s3://bucket/prefix", "http://127.0.0.1:9", null, null, "absent")),
                "InvalidSpec", "credentials Secret", "absent", "does not exist");
    }

    @Test
    void secretWithoutTheSecretKey() {
        String ns = newNamespace();
        client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("half").endMetadata()
                .addToStringData("AWS_ACCESS_KEY_ID", "AKIAHALF").build()).create();
        assertRefused(ns, s -> store(s, new StoreSpec("s3://bucket/prefix", "http://127.0.0.1:9", null, null, "half")),
                "InvalidSpec", "has no (valid, non-empty) AWS_SECRET_ACCESS_KEY");
    }

    @Test
    void s3DataSetWithAFileStore() {
        assertRefused(s -> new MdeqTrainingJobSpec(s.task(), s.experiment(), new DatasetSpec("s3://data/cifar10",
                DatasetFormat.CIFAR10), s.store(), null, s.trainer(), null, null, null, null, null, null),
                "InvalidSpec", "spec.dataset.uri", "file: store");
    }

    @Test
    void runFolderWithADifferentConfigIsNotOverwritten() {
        String ns = newNamespace();
        String earlier = dev.mdeq.config.Presets.load("demo/cls_mdeq_tiny", List.of("TRAIN.LR", "0.5")).toYaml();
        runFolder(ns, "clash").putBytes(RunLayout.CONFIG, earlier.getBytes());
        assertRefused(ns, "clash", UnaryOperator.identity(), "ConfigConflict", "already holds a config.yaml that differs");
        assertEquals(earlier, new String(runFolder(ns, "clash").getBytes(RunLayout.CONFIG)));
    }

    @Test
    void aMissingConfigMapThatAppearsLaterStartsTheRun() {
        String ns = newNamespace();
        MdeqTrainingJobSpec spec = withExperiment(validSpec(), new ExperimentSpec(null, null,
                new ConfigMapKeySpec("late", "exp.yaml"), null));
        create(ns, "cm", spec);
        awaitStatus(ns, "cm", s -> s.condition("Ready") != null && !s.condition("Ready").statusTrue());
        client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("late").endMetadata()
                .addToData("exp.yaml", dev.mdeq.config.Presets.yaml("demo/cls_mdeq_tiny")).build()).create();
        awaitJob(ns, "cm-train");
        awaitStatus(ns, "cm", s -> s.runUri() != null);
    }

    @Test
    void fixingTheSpecStartsTheRun() {
        String ns = newNamespace();
        create(ns, "fix", withExperiment(validSpec(), new ExperimentSpec("demo/nope", null, null, null)));
        awaitStatus(ns, "fix", s -> s.condition("Ready") != null && "InvalidSpec".equals(s.condition("Ready").reason()));
        editSpec(ns, "fix", s -> withExperiment(s, new ExperimentSpec("demo/cls_mdeq_tiny", null, null, null)));
        awaitJob(ns, "fix-train");
    }

    private void assertRefused(UnaryOperator<MdeqTrainingJobSpec> mistake, String reason, String... messageParts) {
        assertRefused(newNamespace(), mistake, reason, messageParts);
    }

    private void assertRefused(String ns, UnaryOperator<MdeqTrainingJobSpec> mistake, String reason, String... parts) {
        assertRefused(ns, "bad", mistake, reason, parts);
    }

    private void assertRefused(String ns, String name, UnaryOperator<MdeqTrainingJobSpec> mistake, String reason,
                               String... parts) {
        create(ns, name, mistake.apply(validSpec()));
        MdeqTrainingJobStatus status = awaitStatus(ns, name, s -> s.condition("Ready") != null);
        assertEquals(Phase.Pending, status.phase());
        assertEquals("False", status.condition("Ready").status());
        assertEquals(reason, status.condition("Ready").reason());
        String message = status.condition("Ready").message();
        for (String part : parts) {
            assertTrue(message.contains(part), "'" + part + "' not in: " + message);
        }
        Event event = await().atMost(Duration.ofSeconds(10)).until(() -> events(ns).stream()
                .filter(e -> reason.equals(e.getReason())).findFirst().orElse(null), e -> e != null);
        assertEquals("Warning", event.getType());
        assertEquals(message, event.getMessage());
        // No Job, and the refusal is stable: the status does not churn (no crash loop).
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> jobs(ns).isEmpty());
        MdeqTrainingJobStatus later = get(ns, name).getStatus();
        assertEquals(status.condition("Ready").lastTransitionTime(), later.condition("Ready").lastTransitionTime());
        assertEquals(1, events(ns).stream().filter(e -> reason.equals(e.getReason())).count(), "one event, not a storm");
    }

    private static MdeqTrainingJobSpec overrides(MdeqTrainingJobSpec s, ConfigOverride extra) {
        List<ConfigOverride> all = new java.util.ArrayList<>(s.experiment().overridesOrEmpty());
        all.add(extra);
        return withExperiment(s, new ExperimentSpec(s.experiment().preset(), s.experiment().uri(),
                s.experiment().configMap(), all));
    }

    private static MdeqTrainingJobSpec store(MdeqTrainingJobSpec s, StoreSpec store) {
        return new MdeqTrainingJobSpec(s.task(), s.experiment(), s.dataset(), store, s.weights(), s.trainer(), s.evaluation(),
                s.suspend(), s.ttlSecondsAfterFinished(), s.dataPolicyOnDelete(), s.queueName(), s.restartNonce());
    }
}
