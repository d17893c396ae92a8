package dev.mdeq.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.operator.api.DatasetFormat;
import dev.mdeq.operator.api.DatasetSpec;
import dev.mdeq.operator.api.MdeqTrainingJobSpec;
import dev.mdeq.operator.api.MdeqTrainingJobStatus;
import dev.mdeq.operator.api.StoreSpec;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.testing.S3TestServer;
import dev.mdeq.runstore.testing.TestSts;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountTokenProjection;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Web identity enabled by the admin: the operator exchanges its own projected token through STS (a stand-in
 * for AWS STS on 127.0.0.1) for keys that reach s3proxy, and the trainer pods get a projected token for the
 * STS's audience and the exchange's variables instead of a Secret. No token shows in status, events or logs.
 */
@QuarkusTest
@TestProfile(WebIdentityTest.Enabled.class)
@WithKubernetesTestServer(crud = true)
class WebIdentityTest extends OperatorTestBase {
    private static final String OPERATOR_TOKEN = "eyJhbGciOiJSUzI1NiJ9.operator-NeverShowMe-0123456789";
    private static final String SESSION_TOKEN = "sts-SeSsIoN-NeverShowMe-abcdef";
    private static final String DEFAULT_ROLE = "arn:aws:iam::123456789012:role/mdeq-workload";
    private static final String OPERATOR_ROLE = "arn:aws:iam::123456789012:role/mdeq-operator";
    private static final S3TestServer S3 = S3TestServer.builder().acceptSessionTokens().start();
    private static final TestSts STS = TestSts.start(S3.accessKey(), S3.secretKey(), SESSION_TOKEN);
    private static final Path TOKEN_FILE = tokenFile();

    /** As installed with store.webIdentity.enabled. */
    public static class Enabled implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "mdeq.store.web-identity.enabled", "true",
                    "mdeq.store.web-identity.sts-endpoint", STS.endpoint(),
                    "mdeq.store.web-identity.role-arn", DEFAULT_ROLE,
                    "mdeq.store.web-identity.operator-role-arn", OPERATOR_ROLE,
                    "mdeq.store.web-identity.audience", "sts.example.com",
                    "mdeq.store.web-identity.token-expiration-seconds", "7200",
                    "mdeq.store.web-identity.operator-token-file", TOKEN_FILE.toString());
        }
    }

    @AfterEach
    void answerAgain() {
        STS.failWith(0);
    }

    @Test
    void theOperatorExchangesItsOwnTokenAndThePodsGetAProjectedOne() {
        String ns = newNamespace();
        create(ns, "web", spec(null, null));
        Job trainer = awaitJob(ns, "web-train");
        try (ObjectStore run = S3.open("mdeq/runs/" + ns + "/web")) {
            assertTrue(run.stat(RunLayout.CONFIG).isPresent(), "config.yaml written with the exchanged keys");
        }
        assertFalse(STS.requests().isEmpty());
        Map<String, String> exchange = STS.requests().get(0);
        assertEquals("AssumeRoleWithWebIdentity", exchange.get("Action"));
        assertEquals(OPERATOR_TOKEN, exchange.get("WebIdentityToken"));
        assertEquals(OPERATOR_ROLE, exchange.get("RoleArn"));

        PodSpec pod = trainer.getSpec().getTemplate().getSpec();
        assertEquals(Boolean.FALSE, pod.getAutomountServiceAccountToken(), "still no API token");
        assertTrue(pod.getVolumes().stream().noneMatch(v -> v.getName().equals("store-credentials")), "no Secret");
        Volume token = pod.getVolumes().stream().filter(v -> v.getName().equals("sts-token")).findFirst().orElseThrow();
        ServiceAccountTokenProjection projection = token.getProjected().getSources().get(0).getServiceAccountToken();
        assertEquals("sts.example.com", projection.getAudience());
        assertEquals(7200L, projection.getExpirationSeconds());
        assertEquals("token", projection.getPath());
        Container container = pod.getContainers().get(0);
        assertTrue(container.getVolumeMounts().stream().anyMatch(m -> m.getName().equals("sts-token")
                && m.getMountPath().equals("/var/run/secrets/mdeq/sts") && Boolean.TRUE.equals(m.getReadOnly())));
        Map<String, String> env = env(container);
        assertEquals("/var/run/secrets/mdeq/sts/token", env.get("AWS_WEB_IDENTITY_TOKEN_FILE"));
        assertEquals(STS.endpoint(), env.get("MDEQ_S3_STS_ENDPOINT"));
        assertEquals(DEFAULT_ROLE, env.get("AWS_ROLE_ARN"));
        assertEquals("web-train", env.get("AWS_ROLE_SESSION_NAME"));
        assertNull(env.get("MDEQ_S3_CREDENTIALS_DIR"));
        assertNoTokenAnywhere(ns);
    }

    @Test
    void aResourceMayNameItsRoleOrUseASecretInstead() {
        String ns = newNamespace();
        create(ns, "own-role", spec(null, "arn:aws:iam::123456789012:role/team-a"));
        assertEquals("arn:aws:iam::123456789012:role/team-a", env(awaitJob(ns, "own-role-train").getSpec().getTemplate()
                .getSpec().getContainers().get(0)).get("AWS_ROLE_ARN"));

        client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("keys").endMetadata()
                .addToStringData("AWS_ACCESS_KEY_ID", S3.accessKey()).addToStringData("AWS_SECRET_ACCESS_KEY", S3.secretKey())
                .build()).create();
        create(ns, "with-secret", spec("keys", null));
        Map<String, String> env = env(awaitJob(ns, "with-secret-train").getSpec().getTemplate().getSpec()
                .getContainers().get(0));
        assertEquals("/var/run/secrets/mdeq/store", env.get("MDEQ_S3_CREDENTIALS_DIR"));
        assertNull(env.get("AWS_WEB_IDENTITY_TOKEN_FILE"));

        create(ns, "both", spec("keys", "arn:aws:iam::123456789012:role/team-a"));
        MdeqTrainingJobStatus status = awaitStatus(ns, "both", s -> s.condition("Ready") != null);
        assertEquals("InvalidSpec", status.condition("Ready").reason());
        assertTrue(status.condition("Ready").message().contains("spec.store.webIdentityRoleArn and "
                + "spec.store.credentialsSecret are both set"), status.condition("Ready").message());
    }

    @Test
    void aRefusedExchangeIsReportedWithoutTheToken() {
        String ns = newNamespace();
        STS.failWith(403);
        try (LogCapture logs = LogCapture.start()) {
            // Another bucket: a new connection, so no keys from an earlier exchange are reused.
            S3.createBucket("refused-bucket");
            create(ns, "refused", cifarFromS3(validSpec(), new StoreSpec("s3://refused-bucket/mdeq", S3.endpoint(), null,
                    null, null)));
            MdeqTrainingJobStatus status = awaitStatus(ns, "refused", s -> s.condition("Ready") != null);
            assertEquals("StorageUnavailable", status.condition("Ready").reason());
            String message = status.condition("Ready").message();
            assertTrue(message.contains("AssumeRoleWithWebIdentity") && message.contains("403"), message);
            assertTrue(jobs(ns).isEmpty());
            assertNoTokenAnywhere(ns);
            assertFalse(logs.text().contains(OPERATOR_TOKEN), "the token appears in the operator's log");
        }
    }

    private MdeqTrainingJobSpec spec(String secret, String role) {
        return cifarFromS3(validSpec(), new StoreSpec(S3.uri("mdeq"), S3.endpoint(), null, null, secret, role, null));
    }


    private static Map<String, String> env(Container container) {
        return container.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    }

    private void assertNoTokenAnywhere(String ns) {
        String text = visibleText(ns);
        assertFalse(text.isEmpty());
        for (String value : List.of(OPERATOR_TOKEN, SESSION_TOKEN, S3.secretKey())) {
            assertFalse(text.contains(value), "a token or key appears in status, events, Jobs or pods");
        }
    }

    private static Path tokenFile() {
        try {
            Path file = Files.createTempFile("operator-sts-token-", "");
            file.toFile().deleteOnExit();
            return Files.writeString(file, OPERATOR_TOKEN);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
