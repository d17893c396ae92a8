package dev.mdeq.containers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.storage.S3Settings;
import dev.mdeq.runstore.testing.S3TestServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator image against a Kubernetes API (the Fabric8 mock server in CRUD mode on 127.0.0.1),
 * with {@link PodmanKubelet} running the Jobs' pods as containers of the CPU runtime image and s3proxy
 * as the store: an MdeqTrainingJob of the demo preset goes from applied to Succeeded with the report in
 * the store, and its trainer container, killed mid-run, is restarted by the Job's rules and resumes.
 * The operator container runs as its image's user with a read-only root and a tmpfs /tmp, as the
 * chart runs it; it and the pods reach the API server and s3proxy on the host's loopback only.
 */
class OperatorImageTest {
    private static final String NAMESPACE = "mdeq";
    private static final String SECRET = "mdeq-store-credentials";
    private static final String OPERATOR_CONTAINER = "mdeq-operator-under-test";

    @TempDir
    static Path temp;
    private static S3TestServer s3;
    private static KubernetesMockServer api;
    private static KubernetesClient client;
    private static PodmanKubelet kubelet;
    private static Process operator;
    private static Path operatorLog;

    /** The mock server logs every request at INFO through java.util.logging. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    @BeforeAll
    static void start() throws Exception {
        Podman.assumeEnabled();
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        String runtime = Images.runtimeCpu();
        String operatorImage = Images.operator();
        s3 = S3TestServer.start();
        // the data set, written by the runtime image itself
        Path credentials = Folders.secretFiles(temp, "credentials", Map.of(S3Settings.ACCESS_KEY_ID, s3.accessKey(),
                S3Settings.SECRET_ACCESS_KEY, s3.secretKey()), "r--r--r--");
        Podman.Result data = Podman.run(Duration.ofMinutes(3), "run", "--rm", "--network", "host", "--read-only",
                "--read-only-tmpfs=false", "--tmpfs", "/tmp:rw,mode=1777", "-v", credentials + ":/creds:ro",
                "-e", S3Settings.ENDPOINT + "=" + s3.endpoint(), "-e", S3Settings.CREDENTIALS_DIR + "=/creds",
                "-v", Folders.writable(temp, "data-cache") + ":/var/cache/mdeq",
                runtime, "dataset", "synth-cityscapes", "--out", s3.uri("datasets/synth"), "--images", "16", "--val", "4",
                "--size", "128x256");
        assertEquals(0, data.exit(), data.output());

        api = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new ApplyingCrudDispatcher(), false);
        api.init(InetAddress.getByName("127.0.0.1"), 0);
        client = api.createClient();
        CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions()
                .load(Files.newInputStream(Podman.repo().resolve("operator/target/kubernetes/mdeqtrainingjobs.mdeq.dev-v1.yml"))).item();
        client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build()).create();
        client.serviceAccounts().inNamespace(NAMESPACE).resource(new ServiceAccountBuilder().withNewMetadata()
                .withName("mdeq-workload").endMetadata().withAutomountServiceAccountToken(false).build()).create();
        client.secrets().inNamespace(NAMESPACE).resource(new SecretBuilder().withNewMetadata().withName(SECRET).endMetadata()
                .withStringData(Map.of(S3Settings.ACCESS_KEY_ID, s3.accessKey(), S3Settings.SECRET_ACCESS_KEY, s3.secretKey()))
                .build()).create();
        // the mock keeps stringData as given; the API server would have turned it into data
        var secret = client.secrets().inNamespace(NAMESPACE).withName(SECRET).get();
        if (secret.getData() == null || secret.getData().isEmpty()) {
            Map<String, String> encoded = new HashMap<>();
            secret.getStringData().forEach((k, v) -> encoded.put(k, java.util.Base64.getEncoder()
                    .encodeToString(v.getBytes(StandardCharsets.UTF_8))));
            secret.setData(encoded);
            secret.setStringData(null);
            client.secrets().inNamespace(NAMESPACE).resource(secret).update();
        }

        kubelet = new PodmanKubelet(client, NAMESPACE, Files.createDirectories(temp.resolve("node")));
        kubelet.start();

        int httpPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            httpPort = socket.getLocalPort();
        }
        operatorLog = temp.resolve("operator.log");
        operator = Podman.start(operatorLog, List.of("run", "--name", OPERATOR_CONTAINER, "--replace", "--pull", "never",
                "--network", "host", "--read-only", "--read-only-tmpfs=false", "--tmpfs", "/tmp:rw,mode=1777,size=64m",
                "--cap-drop", "all", "--security-opt", "no-new-privileges",
                "-e", "QUARKUS_KUBERNETES_CLIENT_API_SERVER_URL=http://127.0.0.1:" + api.getPort(),
                "-e", "QUARKUS_KUBERNETES_CLIENT_NAMESPACE=" + NAMESPACE,
                // the mock answers server-side-apply patches with 415
                "-e", "QUARKUS_OPERATOR_SDK_ENABLE_SSA=false",
                "-e", "QUARKUS_HTTP_PORT=" + httpPort,
                "-e", "MDEQ_WATCH_NAMESPACES=" + NAMESPACE,
                "-e", "MDEQ_STORE_URI=" + s3.uri("mdeq"),
                "-e", "MDEQ_STORE_ENDPOINT=" + s3.endpoint(),
                "-e", "MDEQ_STORE_CREDENTIALS_SECRET=" + SECRET,
                "-e", "MDEQ_TRAINER_IMAGE=" + runtime,
                "-e", "MDEQ_TRAINER_SERVICE_ACCOUNT_NAME=mdeq-workload",
                "-e", "MDEQ_POLL_INTERVAL=1s",
                operatorImage));
    }

    @AfterAll
    static void stop() {
        if (kubelet != null) {
            kubelet.close();
        }
        if (operator != null) {
            Podman.run(Duration.ofMinutes(1), "rm", "--force", "--time", "5", OPERATOR_CONTAINER);
            operator.destroyForcibly();
        }
        if (client != null) {
            client.close();
        }
        if (api != null) {
            api.destroy();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    private static NonNamespaceOperation<GenericKubernetesResource, ?, Resource<GenericKubernetesResource>> jobs() {
        return client.genericKubernetesResources("mdeq.dev/v1alpha1", "MdeqTrainingJob").inNamespace(NAMESPACE);
    }

    @Test
    void aDemoJobGoesFromAppliedToSucceededWithTheReportInTheStoreAndAKilledTrainerResumes() throws Exception {
        String yaml = """
                apiVersion: mdeq.dev/v1alpha1
                kind: MdeqTrainingJob
                metadata:
                  name: demo-seg-tiny
                  namespace: mdeq
                spec:
                  task: segmentation
                  experiment:
                    preset: demo/seg_mdeq_tiny
                    overrides:
                      - {key: TRAIN.END_EPOCH, value: "2"}
                      - {key: TRAIN.PRETRAIN_STEPS, value: "2"}
                      - {key: RUN.CHECKPOINT_EVERY_STEPS, value: "2"}
                      - {key: PRINT_FREQ, value: "1"}
                  dataset:
                    uri: %s
                    format: cityscapes
                  trainer:
                    serviceAccountName: mdeq-workload
                    gpus: 0
                    resources:
                      requests: {cpu: "1", memory: 2Gi}
                      limits: {memory: 4Gi}
                  evaluation:
                    split: val
                    checkpoint: best
                """.formatted(s3.uri("datasets/synth"));
        try (InputStream in = new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))) {
            jobs().load(in).create();
        }

        // the trainer Job's first pod: killed (SIGKILL) once it has trained past its first checkpoint
        String firstPod = await("the trainer's first pod at step 3", Duration.ofMinutes(6), () -> {
            String pod = kubelet.runningPod("demo-seg-tiny-train");
            return pod != null && kubelet.pods().stream().anyMatch(p -> p.pod().equals(pod)
                    && p.output().contains("train: step 3/")) ? pod : null;
        });
        Podman.check(Duration.ofMinutes(1), "kill", "--signal", "KILL", firstPod);

        GenericKubernetesResource done = await("phase Succeeded", Duration.ofMinutes(10), () -> {
            GenericKubernetesResource job = jobs().withName("demo-seg-tiny").get();
            String phase = phase(job);
            if ("Failed".equals(phase)) {
                fail("the job failed: " + job.getAdditionalProperties().get("status") + "\n" + diagnostics());
            }
            return "Succeeded".equals(phase) ? job : null;
        });

        // the kubelet restarted the trainer per the Job's rules (exit 137 counts against backoffLimit 6) and it resumed
        List<PodmanKubelet.PodRecord> trainers = kubelet.pods().stream().filter(p -> p.job().equals("demo-seg-tiny-train")).toList();
        assertEquals(2, trainers.size(), diagnostics());
        assertEquals(137, trainers.get(0).exitCode(), diagnostics());
        assertEquals(0, trainers.get(1).exitCode(), diagnostics());
        assertTrue(trainers.get(1).output().contains("resumed from " + RunLayout.checkpointFolder(2)), trainers.get(1).output());
        // the pod template as the kubelet ran it: the image's user, read-only root, no capabilities,
        // the credentials as read-only files, emptyDirs for the cache, /tmp and the home folder, the memory limit
        String command = String.join(" ", trainers.get(0).command());
        for (String part : List.of("--user 10001:10001", "--read-only --read-only-tmpfs=false", "--cap-drop all",
                "--security-opt no-new-privileges", ":/var/run/secrets/mdeq/store:ro", ":/var/cache/mdeq",
                ":/tmp", ":/home/mdeq", "--memory " + 4L * 1024 * 1024 * 1024, Images.RUNTIME_CPU + " train --run s3://")) {
            assertTrue(command.contains(part), part + " in " + command);
        }
        Job trainerJob = client.batch().v1().jobs().inNamespace(NAMESPACE).withName("demo-seg-tiny-train").get();
        assertEquals(1, trainerJob.getStatus().getFailed(), "the killed pod counts once");

        // the report, where the status says, in the store
        @SuppressWarnings("unchecked")
        Map<String, Object> status = (Map<String, Object>) done.getAdditionalProperties().get("status");
        @SuppressWarnings("unchecked")
        Map<String, Object> evaluation = (Map<String, Object>) status.get("evaluation");
        assertNotNull(evaluation, status.toString());
        String reportHtml = (String) evaluation.get("reportHtmlUri");
        assertNotNull(reportHtml, status.toString());
        assertNotNull(evaluation.get("miou"), status.toString());
        String run = (String) status.get("runUri");
        assertTrue(reportHtml.startsWith(run), reportHtml + " in " + run);
        String runKey = run.substring(s3.uri("").length() + 1);
        try (ObjectStore store = s3.open(runKey)) {
            String html = new String(store.getBytes(reportHtml.substring(run.length()).replaceFirst("^/", "")),
                    StandardCharsets.UTF_8);
            assertTrue(html.contains("mIoU"), html.substring(0, Math.min(2000, html.length())));
            assertTrue(store.stat(RunLayout.report((String) evaluation.get("evalId"))).isPresent(), "report.json");
        }
        assertTrue(kubelet.errors().isEmpty(), kubelet.errors().toString());
    }

    private static String phase(GenericKubernetesResource job) {
        Object status = job == null ? null : job.getAdditionalProperties().get("status");
        return status instanceof Map<?, ?> map ? (String) map.get("phase") : null;
    }

    private static String diagnostics() {
        StringBuilder out = new StringBuilder();
        try {
            out.append("operator log:\n").append(Podman.tail(Files.readString(operatorLog))).append('\n');
        } catch (Exception e) {
            out.append(e).append('\n');
        }
        for (PodmanKubelet.PodRecord pod : kubelet.pods()) {
            out.append("pod ").append(pod.pod()).append(" exit ").append(pod.exitCode()).append('\n')
                    .append(String.join(" ", pod.command())).append('\n').append(Podman.tail(pod.output())).append('\n');
        }
        out.append("kubelet errors: ").append(kubelet.errors());
        return out.toString();
    }

    private static <T> T await(String what, Duration limit, Supplier<T> check) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            T value = check.get();
            if (value != null) {
                return value;
            }
            if (!operator.isAlive()) {
                fail("the operator container ended (exit " + operator.exitValue() + ") before " + what + "\n" + diagnostics());
            }
            TimeUnit.MILLISECONDS.sleep(500);
        }
        fail("no " + what + " within " + limit + "\n" + diagnostics());
        return null;
    }
}
