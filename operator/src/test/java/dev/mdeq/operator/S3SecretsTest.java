package dev.mdeq.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.operator.api.CaBundleSpec;
import dev.mdeq.operator.api.DatasetFormat;
import dev.mdeq.operator.api.DatasetSpec;
import dev.mdeq.operator.api.MdeqTrainingJobSpec;
import dev.mdeq.operator.api.MdeqTrainingJobStatus;
import dev.mdeq.operator.api.Phase;
import dev.mdeq.operator.api.StoreSpec;
import dev.mdeq.runstore.run.Progress;
import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.storage.ObjectStores;
import dev.mdeq.runstore.testing.S3TestServer;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
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
    private static final String SESSION_TOKEN = "SeSsIoN-mdeq-NeverShowMe-fedcba9876543210";

    private S3TestServer s3;

    @BeforeEach
    void setUp() {
        s3 = S3TestServer.builder().credentials(ACCESS_KEY, SECRET_KEY).acceptSessionTokens().start();
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
        Volume credentials = volume(trainer, "store-credentials");
        var sources = credentials.getProjected().getSources();
        assertEquals(List.of("store-keys", "store-keys"), sources.stream().map(p -> p.getSecret().getName()).toList());
        assertEquals(List.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
                sources.get(0).getSecret().getItems().stream().map(i -> i.getPath()).toList());
        assertTrue(sources.get(0).getSecret().getOptional() == null, "the keys are required");
        assertEquals(List.of("AWS_SESSION_TOKEN"), sources.get(1).getSecret().getItems().stream().map(i -> i.getPath()).toList());
        assertEquals(Boolean.TRUE, sources.get(1).getSecret().getOptional(), "a session token only when the Secret has one");
        assertEquals(0444, credentials.getProjected().getDefaultMode(), "readable by the image's non-root user");
        assertFalse(env.containsKey("AWS_WEB_IDENTITY_TOKEN_FILE"));
        assertFalse(env.containsKey("MDEQ_S3_CA_BUNDLE"));
        assertEquals(Boolean.FALSE, trainer.getSpec().getTemplate().getSpec().getAutomountServiceAccountToken());

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

    @Test
    void aSessionTokenInTheSecretSignsTheOperatorsCallsAndShowsNowhere() {
        String ns = newNamespace();
        try (LogCapture logs = LogCapture.start()) {
            client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("temporary")
                    .endMetadata().addToStringData("AWS_ACCESS_KEY_ID", ACCESS_KEY)
                    .addToStringData("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
                    .addToStringData("AWS_SESSION_TOKEN", SESSION_TOKEN).build()).create();
            create(ns, "temporary", s3Spec("temporary"));
            Job trainer = awaitJob(ns, "temporary-train");
            try (ObjectStore run = s3.open("mdeq/runs/" + ns + "/temporary")) {
                assertTrue(run.stat(RunLayout.CONFIG).isPresent(), "the operator wrote config.yaml with the token");
            }
            assertEquals(List.of("AWS_SESSION_TOKEN"), volume(trainer, "store-credentials").getProjected().getSources()
                    .get(1).getSecret().getItems().stream().map(i -> i.getKey()).toList());

            // A wrong token is refused later by a real S3; here a wrong secret stands for any refused credential.
            client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("refused")
                    .endMetadata().addToStringData("AWS_ACCESS_KEY_ID", ACCESS_KEY)
                    .addToStringData("AWS_SECRET_ACCESS_KEY", SECRET_KEY + "-wrong")
                    .addToStringData("AWS_SESSION_TOKEN", SESSION_TOKEN).build()).create();
            create(ns, "refused", s3Spec("refused"));
            MdeqTrainingJobStatus status = awaitStatus(ns, "refused", s -> s.condition("Ready") != null);
            assertEquals("StorageUnavailable", status.condition("Ready").reason());
            assertSecretsAppearNowhere(ns);
            assertNoSecretIn(logs.text());
        }
    }

    @Test
    void aPrivateCertificateAuthorityIsTrustedThroughItsBundleByTheOperatorAndThePods() {
        String ns = newNamespace();
        try (S3TestServer https = S3TestServer.builder().credentials(ACCESS_KEY, SECRET_KEY).https().start();
             LogCapture logs = LogCapture.start()) {
            createSecret(ns, "store-keys", ACCESS_KEY, SECRET_KEY);
            // Without the bundle the operator's own call fails with a message that says what to do.
            create(ns, "untrusted", spec(https, "store-keys", null));
            MdeqTrainingJobStatus status = awaitStatus(ns, "untrusted", s -> s.condition("Ready") != null);
            assertEquals("StorageUnavailable", status.condition("Ready").reason());
            String message = status.condition("Ready").message();
            assertTrue(message.contains("TLS failed") && message.contains("spec.store.caBundle")
                    && message.contains(https.endpoint()), message);
            assertTrue(jobs(ns).isEmpty());

            client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("store-ca")
                    .endMetadata().addToData("ca.crt", https.caPem()).build()).create();
            create(ns, "trusted", spec(https, "store-keys", new CaBundleSpec("store-ca", null, null)));
            Job trainer = awaitJob(ns, "trusted-train");
            try (ObjectStore run = ObjectStores.open(https.uri("mdeq/runs/" + ns + "/trusted"),
                    https.settings().withCaBundle(https.caPem()))) {
                assertTrue(run.stat(RunLayout.CONFIG).isPresent(), "the operator wrote config.yaml over TLS");
            }
            Volume ca = volume(trainer, "store-ca");
            assertEquals("store-ca", ca.getConfigMap().getName());
            assertEquals("ca.crt", ca.getConfigMap().getItems().get(0).getKey());
            Container container = trainer.getSpec().getTemplate().getSpec().getContainers().get(0);
            assertTrue(container.getEnv().contains(new EnvVar("MDEQ_S3_CA_BUNDLE", "/var/run/mdeq/store-ca/ca.crt", null)));
            assertTrue(container.getVolumeMounts().stream().anyMatch(m -> m.getName().equals("store-ca")
                    && m.getMountPath().equals("/var/run/mdeq/store-ca") && Boolean.TRUE.equals(m.getReadOnly())));

            // From a Secret, under another key.
            client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("ca-secret")
                    .endMetadata().addToStringData("bundle.pem", https.caPem()).build()).create();
            create(ns, "from-secret", spec(https, "store-keys", new CaBundleSpec(null, "ca-secret", "bundle.pem")));
            Volume fromSecret = volume(awaitJob(ns, "from-secret-train"), "store-ca");
            assertEquals("ca-secret", fromSecret.getSecret().getSecretName());
            assertEquals("bundle.pem", fromSecret.getSecret().getItems().get(0).getKey());
            assertEquals("ca.crt", fromSecret.getSecret().getItems().get(0).getPath());

            // A bundle that is not PEM, or is not there, is refused naming it.
            client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("bad-ca")
                    .endMetadata().addToData("ca.crt", "not a certificate").build()).create();
            create(ns, "bad-ca", spec(https, "store-keys", new CaBundleSpec("bad-ca", null, null)));
            create(ns, "no-ca", spec(https, "store-keys", new CaBundleSpec("absent-ca", null, null)));
            for (String name : List.of("bad-ca", "no-ca")) {
                status = awaitStatus(ns, name, s -> s.condition("Ready") != null);
                assertEquals("InvalidSpec", status.condition("Ready").reason(), name);
                assertTrue(status.condition("Ready").message().contains("spec.store.caBundle"), name);
                assertTrue(job(ns, name + "-train").isEmpty(), name);
            }
            String bad = awaitStatus(ns, "bad-ca", s -> s.condition("Ready") != null).condition("Ready").message();
            assertTrue(bad.contains("ConfigMap " + ns + "/bad-ca") && bad.contains("BEGIN CERTIFICATE"), bad);
            String absent = awaitStatus(ns, "no-ca", s -> s.condition("Ready") != null).condition("Ready").message();
            assertTrue(absent.contains("ConfigMap " + ns + "/absent-ca") && absent.contains("does not exist"), absent);
            assertSecretsAppearNowhere(ns);
            assertNoSecretIn(logs.text());
        }
    }

    @Test
    void aWebIdentityRoleIsRefusedWhileTheAdminHasNotEnabledWebIdentity() {
        String ns = newNamespace();
        create(ns, "role", cifarFromS3(validSpec(), new StoreSpec(s3.uri("mdeq"), s3.endpoint(), null, null, null,
                "arn:aws:iam::123456789012:role/mdeq", null)));
        MdeqTrainingJobStatus status = awaitStatus(ns, "role", s -> s.condition("Ready") != null);
        assertEquals("PolicyViolation", status.condition("Ready").reason());
        assertTrue(status.condition("Ready").message().startsWith("spec.store.webIdentityRoleArn: web identity is not "
                + "enabled"), status.condition("Ready").message());
        assertTrue(jobs(ns).isEmpty());
    }

    private MdeqTrainingJobSpec s3Spec(String secret) {
        return cifarFromS3(validSpec(), new StoreSpec(s3.uri("mdeq"), s3.endpoint(), null, null, secret));
    }

    private MdeqTrainingJobSpec spec(S3TestServer server, String secret, CaBundleSpec caBundle) {
        return cifarFromS3(validSpec(), new StoreSpec(server.uri("mdeq"), server.endpoint(), null, null, secret, null,
                caBundle));
    }


    private static Volume volume(Job job, String name) {
        return job.getSpec().getTemplate().getSpec().getVolumes().stream().filter(v -> v.getName().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no volume " + name));
    }

    private void createSecret(String ns, String name, String access, String secret) {
        client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName(name).endMetadata()
                .addToStringData("AWS_ACCESS_KEY_ID", access).addToStringData("AWS_SECRET_ACCESS_KEY", secret).build())
                .create();
    }

    private static void assertNoSecretIn(String logs) {
        for (String value : List.of(SECRET_KEY, SESSION_TOKEN)) {
            assertFalse(logs.contains(value), "a credential appears in the operator's log");
        }
    }

    /** Neither key (nor its base64 form) in any resource status, event or Job of the namespace. */
    private void assertSecretsAppearNowhere(String ns) {
        String text = visibleText(ns);
        assertFalse(text.isEmpty());
        for (String value : List.of(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)) {
            assertFalse(text.contains(value), "a credential appears in status, events or Jobs");
            assertFalse(text.contains(java.util.Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))),
                    "a base64 credential appears in status, events or Jobs");
        }
    }
}
