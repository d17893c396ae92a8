package dev.mdeq.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.operator.api.Condition;
import dev.mdeq.operator.api.DataPolicy;
import dev.mdeq.operator.api.DatasetFormat;
import dev.mdeq.operator.api.DatasetSpec;
import dev.mdeq.operator.api.ExperimentSpec;
import dev.mdeq.operator.api.MdeqTrainingJobSpec;
import dev.mdeq.operator.api.MdeqTrainingJobStatus;
import dev.mdeq.operator.api.StoreSpec;
import dev.mdeq.operator.reconciler.MdeqTrainingJobReconciler;
import dev.mdeq.runstore.testing.S3TestServer;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The admin policy against confused-deputy specs (file: URIs the operator would read, write or delete in
 * its own container; endpoints off the allow-list), the bound on the operator's own S3 calls (an endpoint
 * that accepts connections and never answers), and a Delete-policy deletion whose store never answers.
 */
@QuarkusTest
@TestProfile(StorePolicyTest.Policy.class)
@WithKubernetesTestServer(crud = true)
class StorePolicyTest extends OperatorTestBase {
    private static final String ACCESS_KEY = "AKIAPOLICYRECOGNISABLE";
    private static final String SECRET_KEY = "pOlIcY-sEcReT-NeverShowMe-abcdef0123456789";

    /** As installed: file: URIs off, an endpoint allow-list, short S3 bounds and deletion timeout for the test. */
    public static class Policy implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "mdeq.policy.allow-file-uris", "false",
                    "mdeq.policy.allowed-store-endpoints", "127.0.0.1,*.svc.cluster.local,https://s3.eu-west-1.amazonaws.com",
                    "mdeq.store-calls.connect-timeout", "1s",
                    "mdeq.store-calls.io-timeout", "1s",
                    "mdeq.store-calls.attempts", "2",
                    "mdeq.store-calls.budget", "3s",
                    "mdeq.data-deletion-timeout", "4s");
        }
    }

    private S3TestServer s3;
    private ServerSocket silent;
    private final List<Socket> held = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        s3 = S3TestServer.builder().credentials(ACCESS_KEY, SECRET_KEY).start();
        // Accepts every connection and never answers a byte.
        silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!silent.isClosed()) {
                try {
                    held.add(silent.accept());
                } catch (IOException e) {
                    return;
                }
            }
        }, "silent-s3");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    @AfterEach
    void tearDown() throws IOException {
        silent.close();
        for (Socket socket : held) {
            socket.close();
        }
        s3.close();
    }

    @Test
    void specsThatPointTheOperatorAtItsOwnFilesOrAnyHostAreRefusedNamingTheField() {
        String ns = newNamespace();
        createSecret(ns, "keys");
        Map<String, MdeqTrainingJobSpec> bad = new LinkedHashMap<>();
        Map<String, String> field = new LinkedHashMap<>();
        bad.put("file-store", withStore(s3Spec(), new StoreSpec("file:/tmp/steal", null, null, null, null)));
        field.put("file-store", "spec.store.uri");
        bad.put("file-store-root", withStore(s3Spec(), new StoreSpec("file:/", null, null, null, null)));
        field.put("file-store-root", "spec.store.uri");
        bad.put("file-store-delete", withDataPolicy(withStore(s3Spec(), new StoreSpec("file:/deployments", null, null,
                null, null)), DataPolicy.Delete));
        field.put("file-store-delete", "spec.store.uri");
        bad.put("file-experiment", withExperiment(s3Spec(), new ExperimentSpec(null, "file:/etc/passwd", null, null)));
        field.put("file-experiment", "spec.experiment.uri");
        bad.put("file-experiment-token", withExperiment(s3Spec(), new ExperimentSpec(null,
                "file:/var/run/secrets/kubernetes.io/serviceaccount/token", null, null)));
        field.put("file-experiment-token", "spec.experiment.uri");
        for (String endpoint : List.of("http://169.254.169.254", "http://metadata.google.internal",
                "http://kubernetes.default.svc:443", "http://evil.example.com:9000", "http://10.0.0.1:9000",
                "http://s3.eu-west-1.amazonaws.com", "http://svc.cluster.local", "http://127.0.0.2:9000")) {
            String name = "endpoint-" + bad.size();
            bad.put(name, withStore(s3Spec(), new StoreSpec(s3.uri("mdeq"), endpoint, null, null, "keys")));
            field.put(name, "spec.store.endpoint");
        }
        bad.forEach((name, spec) -> create(ns, name, spec));

        for (String name : bad.keySet()) {
            MdeqTrainingJobStatus status = awaitStatus(ns, name, s -> s.condition("Ready") != null);
            Condition ready = status.condition("Ready");
            assertEquals("False", ready.status(), name);
            assertEquals("PolicyViolation", ready.reason(), name + ": " + ready.message());
            assertTrue(ready.message().startsWith(field.get(name)), name + ": " + ready.message());
            assertTrue(ready.message().contains("not allowed"), name + ": " + ready.message());
            assertTrue(ready.message().contains(field.get(name).equals("spec.store.endpoint")
                    ? "allowed endpoints: [127.0.0.1, *.svc.cluster.local, https://s3.eu-west-1.amazonaws.com]"
                    : "use an s3://bucket/prefix URI"), name + ": " + ready.message());
            assertTrue(status.runUri() == null, name);
            assertTrue(job(ns, name + "-train").isEmpty(), name + " must not start");
        }
        assertFalse(events(ns).stream().filter(e -> "PolicyViolation".equals(e.getReason())).toList().isEmpty());
        // Nothing of the files named was read into status or events.
        String text = visibleText(ns);
        assertFalse(text.contains("root:x:0:0"), "file content in status or events");
        assertSecretsAbsent(text);
    }

    @Test
    void allowedEndpointsAndTheDefaultsStillRun() {
        String ns = newNamespace();
        createSecret(ns, "keys");
        create(ns, "fine", s3Spec());
        awaitJob(ns, "fine-train");
        assertSecretsAbsent(visibleText(ns));
    }

    @Test
    void anEndpointThatNeverAnswersCostsOnlyItsOwnRun() {
        List<String> stuck = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String ns = newNamespace();
            createSecret(ns, "keys");
            create(ns, "hang", withStore(s3Spec(), new StoreSpec("s3://mdeq", silentEndpoint(), null, null, "keys")));
            stuck.add(ns);
        }
        String other = newNamespace();
        createSecret(other, "keys");
        long start = System.nanoTime();
        create(other, "fine", s3Spec());
        awaitJob(other, "fine-train");
        long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
        assertTrue(seconds < 15, "another namespace's run waited " + seconds + " s");

        // The stuck runs say why within the bound (2 attempts x 1 s within a 3 s budget), not after minutes.
        for (String ns : stuck) {
            MdeqTrainingJobStatus status = await().atMost(Duration.ofSeconds(20)).until(() -> get(ns, "hang").getStatus(),
                    s -> s != null && s.condition("Ready") != null);
            assertEquals("StorageUnavailable", status.condition("Ready").reason(), status.condition("Ready").message());
            assertTrue(job(ns, "hang-train").isEmpty());
            assertSecretsAbsent(visibleText(ns));
        }
        assertFalse(held.isEmpty(), "the operator did connect to the silent endpoint");
    }

    @Test
    void deletionWithAStoreThatNeverAnswersEndsLeavingTheData() {
        String ns = newNamespace();
        createSecret(ns, "keys");
        create(ns, "orphan", withDataPolicy(withStore(s3Spec(), new StoreSpec("s3://mdeq", silentEndpoint(), null, null,
                "keys")), DataPolicy.Delete));
        await().atMost(Duration.ofSeconds(20)).until(() -> get(ns, "orphan").hasFinalizer(
                MdeqTrainingJobReconciler.DATA_FINALIZER));
        awaitStatus(ns, "orphan", s -> s.condition("Ready") != null);

        client.resource(get(ns, "orphan")).delete();
        // Without a bound the finalizer would stay for ever; with it the resource goes after the deletion timeout.
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200)).until(() -> get(ns, "orphan") == null);
        Event warning = events(ns).stream().filter(e -> "RunDataNotDeleted".equals(e.getReason())).findFirst()
                .orElseThrow(() -> new AssertionError("no RunDataNotDeleted event"));
        assertEquals("Warning", warning.getType());
        assertTrue(warning.getMessage().contains("s3://mdeq/runs/" + ns + "/orphan"), warning.getMessage());
        assertTrue(warning.getMessage().contains("left in place"), warning.getMessage());
        assertSecretsAbsent(visibleText(ns));
    }

    private String silentEndpoint() {
        return "http://127.0.0.1:" + silent.getLocalPort();
    }

    private MdeqTrainingJobSpec s3Spec() {
        MdeqTrainingJobSpec base = validSpec();
        return new MdeqTrainingJobSpec(base.task(), base.experiment(), new DatasetSpec("s3://datasets/cifar10",
                DatasetFormat.CIFAR10), new StoreSpec(s3.uri("mdeq"), s3.endpoint(), null, null, "keys"), null,
                base.trainer(), null, null, null, null, null, null);
    }

    private static MdeqTrainingJobSpec withStore(MdeqTrainingJobSpec s, StoreSpec store) {
        return new MdeqTrainingJobSpec(s.task(), s.experiment(), s.dataset(), store, s.weights(), s.trainer(),
                s.evaluation(), s.suspend(), s.ttlSecondsAfterFinished(), s.dataPolicyOnDelete(), s.queueName(),
                s.restartNonce());
    }

    private void createSecret(String ns, String name) {
        client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName(name).endMetadata()
                .addToStringData("AWS_ACCESS_KEY_ID", ACCESS_KEY).addToStringData("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
                .build()).create();
    }

    private static void assertSecretsAbsent(String text) {
        for (String value : List.of(ACCESS_KEY, SECRET_KEY)) {
            assertFalse(text.contains(value), "a credential appears in status, events or Jobs");
            assertFalse(text.contains(Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))),
                    "a base64 credential appears in status, events or Jobs");
        }
    }
}
