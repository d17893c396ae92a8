package dev.mdeq.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.operator.api.DatasetFormat;
import dev.mdeq.operator.api.DatasetSpec;
import dev.mdeq.operator.api.MdeqTrainingJob;
import dev.mdeq.operator.api.MdeqTrainingJobSpec;
import dev.mdeq.operator.api.MdeqTrainingJobStatus;
import dev.mdeq.operator.api.Phase;
import dev.mdeq.operator.api.StoreSpec;
import dev.mdeq.runstore.run.Progress;
import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.testing.S3TestServer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator against a real S3 server (s3proxy on 127.0.0.1): config written, heartbeat read,
 * credentials only as a Secret reference in the pods; recognisable key values never appear in a
 * status, a condition, an event or a Job.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class S3SecretsTest extends OperatorTestBase {
    private static final String ACCESS_KEY = "AKIAMDEQRECOGNISABLE7";
    private static final String SECRET_KEY = "sEcReT-mdeq-NeverShowMe-0123456789abcdef";

    private S3TestServer s3;

    @BeforeEach
    void setUp() {
        s3 = S3TestServer.builder().credentials(ACCESS_KEY, SECRET_KEY).start();
    }

    @AfterEach
    void tearDown() {
        s3.close();
    }

    @Test
    void runsAgainstS3WithCredentialsOnlyFromTheSecret() {
        String ns = newNamespace();
        createSecret(ns, "store-keys", ACCESS_KEY, SECRET_KEY);
        create(ns, "s3run", s3Spec("store-keys"));

        Job trainer = awaitJob(ns, "s3run-train");
        String runUri = s3.uri("mdeq/runs/" + ns + "/s3run");
        Container container = trainer.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals(List.of("train", "--run", runUri), container.getArgs());
        Map<String, String> env = container.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
        assertEquals(s3.endpoint(), env.get("MDEQ_S3_ENDPOINT"));
        assertEquals("us-east-1", env.get("MDEQ_S3_REGION"));
        assertEquals("true", env.get("MDEQ_S3_PATH_STYLE"));
        assertEquals("/var/run/secrets/mdeq/store", env.get("MDEQ_S3_CREDENTIALS_DIR"));
        Volume credentials = trainer.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getSecret() != null).findFirst().orElseThrow();
        assertEquals("store-keys", credentials.getSecret().getSecretName());
        assertEquals(List.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
                credentials.getSecret().getItems().stream().map(i -> i.getPath()).toList());
        assertEquals(0444, credentials.getSecret().getDefaultMode(), "readable by the image's non-root user");

        // The config went to S3 through the protocol; the heartbeat comes back the same way.
        try (ObjectStore run = s3.open("mdeq/runs/" + ns + "/s3run")) {
            String yaml = new String(run.getBytes(RunLayout.CONFIG), StandardCharsets.UTF_8);
            assertTrue(yaml.contains("s3://datasets/cifar10"), yaml);
            run.putBytes(RunLayout.PROGRESS, RunJson.write(new Progress(Progress.Phase.TRAINING, 0, 2, 10L, 300L, 2.1,
                    null, null, 0.001, 8.0, 1e-3, 50.0, 600L, null, null, null, Instant.now())));
        }
        kubelet.run(kubelet.createPod(trainer));
        MdeqTrainingJobStatus status = awaitStatus(ns, "s3run", s -> s.progress() != null && s.phase() == Phase.Training);
        assertEquals(Long.valueOf(10), status.progress().step());
        assertEquals(Phase.Training, status.phase());
        assertEquals(runUri, status.runUri());

        assertSecretsAppearNowhere(ns);
    }

    @Test
    void wrongCredentialsAreReportedWithoutTheirValues() {
        String ns = newNamespace();
        createSecret(ns, "wrong-keys", ACCESS_KEY, SECRET_KEY + "-but-wrong");
        create(ns, "denied", s3Spec("wrong-keys"));
        MdeqTrainingJobStatus status = awaitStatus(ns, "denied", s -> s.condition("Ready") != null);
        assertEquals("False", status.condition("Ready").status());
        assertEquals("StorageUnavailable", status.condition("Ready").reason());
        assertTrue(jobs(ns).isEmpty());
        assertSecretsAppearNowhere(ns);
    }

    @Test
    void aSecretMissingAKeyIsRefusedWithoutShowingTheOtherKey() {
        String ns = newNamespace();
        client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("half").endMetadata()
                .addToStringData("AWS_ACCESS_KEY_ID", ACCESS_KEY).addToStringData("AWS_SECRET_ACCESS_KEY", " ").build())
                .create();
        create(ns, "half", s3Spec("half"));
        MdeqTrainingJobStatus status = awaitStatus(ns, "half", s -> s.condition("Ready") != null);
        assertEquals("InvalidSpec", status.condition("Ready").reason());
        assertTrue(status.condition("Ready").message().contains("AWS_SECRET_ACCESS_KEY"));
        assertSecretsAppearNowhere(ns);
    }

    private MdeqTrainingJobSpec s3Spec(String secret) {
        MdeqTrainingJobSpec base = validSpec();
        return new MdeqTrainingJobSpec(base.task(), base.experiment(), new DatasetSpec("s3://datasets/cifar10",
                DatasetFormat.CIFAR10), new StoreSpec(s3.uri("mdeq"), s3.endpoint(), null, null, secret), null,
                base.trainer(), null, null, null, null, null, null);
    }

    private void createSecret(String ns, String name, String access, String secret) {
        client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName(name).endMetadata()
                .addToStringData("AWS_ACCESS_KEY_ID", access).addToStringData("AWS_SECRET_ACCESS_KEY", secret).build())
                .create();
    }

    /** Neither key (nor its base64 form) in any resource status, event or Job of the namespace. */
    private void assertSecretsAppearNowhere(String ns) {
        StringBuilder everything = new StringBuilder();
        for (MdeqTrainingJob job : client.resources(MdeqTrainingJob.class).inNamespace(ns).list().getItems()) {
            everything.append(Serialization.asJson(job.getStatus()));
        }
        events(ns).forEach(e -> everything.append(Serialization.asJson(e)));
        jobs(ns).forEach(j -> everything.append(Serialization.asJson(j)));
        client.pods().inNamespace(ns).list().getItems().forEach(p -> everything.append(Serialization.asJson(p)));
        String text = everything.toString();
        assertFalse(text.isEmpty());
        for (String value : List.of(ACCESS_KEY, SECRET_KEY)) {
            assertFalse(text.contains(value), "a credential appears in status, events or Jobs");
            assertFalse(text.contains(java.util.Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))),
                    "a base64 credential appears in status, events or Jobs");
        }
    }
}
