package dev.mdeq.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mdeq.deploy.manifest.Manifest;
import dev.mdeq.deploy.manifest.ManifestChecks;
import dev.mdeq.deploy.manifest.Manifests;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The plain manifests of k8s/: every file parses; the kustomization lists every manifest but the
 * examples; the install is secure (non-root, read-only, no escalation, requests) and self-contained
 * (every reference resolves), and its configuration points at the MinIO and Secret it creates.
 */
class PlainManifestsTest {
    private static final String NAMESPACE = "mdeq";
    private static Path k8s;
    private static List<Manifest> install;

    @BeforeAll
    static void load() {
        k8s = RepoPaths.resolve("k8s");
        install = new ArrayList<>();
        for (String file : kustomizationResources()) {
            install.addAll(Manifests.load(k8s.resolve(file)));
        }
    }

    @Test
    void everyYamlFileParses() {
        List<Path> files = Manifests.yamlFiles(k8s);
        assertTrue(files.size() >= 14, files.toString());
        for (Path file : files) {
            assertTrue(Manifests.load(file).size() >= 1, file + " holds no object");
        }
    }

    @Test
    void theKustomizationListsEveryManifestButTheExamples() {
        Set<String> expected = new TreeSet<>();
        for (Path file : Manifests.yamlFiles(k8s)) {
            String relative = k8s.relativize(file).toString();
            if (!relative.startsWith("examples/") && !relative.equals("kustomization.yaml")) {
                expected.add(relative);
            }
        }
        assertEquals(expected, new TreeSet<>(kustomizationResources()));
    }

    @Test
    void theInstallIsSecureAndSelfContained() {
        ManifestChecks checks = new ManifestChecks(install, NAMESPACE);
        assertEquals(List.of(), checks.securityProblems());
        assertEquals(List.of(), checks.probeProblems());
        assertEquals(List.of(), checks.referenceProblems(Set.of()));
        for (Manifest m : install) {
            assertTrue(m.namespace() == null ? Set.of("Namespace", "CustomResourceDefinition").contains(m.kind())
                    : m.namespace().equals(NAMESPACE), m.id());
        }
        assertEquals(List.of(), checks.all("ClusterRole"), "namespaced: no cluster-wide rights");
        Manifest workload = checks.find("ServiceAccount", NAMESPACE, "mdeq-workload");
        assertEquals(false, workload.object().path("automountServiceAccountToken").asBoolean(true));
    }

    @Test
    void theOperatorsConfigPointsAtWhatTheInstallCreates() {
        ManifestChecks checks = new ManifestChecks(install, NAMESPACE);
        JsonNode config = checks.find("ConfigMap", NAMESPACE, "mdeq-operator-config").object().path("data");
        assertEquals("JOSDK_WATCH_CURRENT", config.path("MDEQ_WATCH_NAMESPACES").asText(), "the Role is namespaced");

        // http://<service>.<namespace>.svc:<port>
        String endpoint = config.path("MDEQ_STORE_ENDPOINT").asText();
        String[] host = endpoint.replaceFirst("^http://", "").split("[.:]");
        Manifest service = checks.find("Service", host[1], host[0]);
        assertNotNull(service, endpoint);
        int port = Integer.parseInt(host[host.length - 1]);
        boolean served = false;
        for (JsonNode servicePort : service.object().at("/spec/ports")) {
            served |= servicePort.path("port").asInt() == port;
        }
        assertTrue(served, endpoint + " is not a port of " + service.id());

        Manifest secret = checks.find("Secret", NAMESPACE, config.path("MDEQ_STORE_CREDENTIALS_SECRET").asText());
        assertNotNull(secret);
        for (String key : List.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD")) {
            assertTrue(secret.object().path("stringData").has(key), key);
        }
        assertEquals(secret.object().at("/stringData/AWS_SECRET_ACCESS_KEY"), secret.object().at("/stringData/MINIO_ROOT_PASSWORD"));

        String bucket = config.path("MDEQ_STORE_URI").asText().replaceFirst("^s3://", "");
        Manifest bucketJob = Manifests.single(install, "Job");
        assertTrue(bucketJob.object().at("/spec/template/spec/containers/0/env").toString().contains("\"value\":\"" + bucket + "\""),
                "the bucket Job creates " + bucket);
        assertTrue(bucketJob.object().at("/spec/template/spec/containers/0/env").toString().contains(endpoint));
    }

    @Test
    void kubectlKustomizeBuildsTheSameObjects() throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder("kubectl", "kustomize", k8s.toString()).redirectErrorStream(false).start();
        } catch (IOException e) {
            assumeTrue(false, "kubectl is not installed: " + e.getMessage());
            return;
        }
        String out = new String(process.getInputStream().readAllBytes());
        String err = new String(process.getErrorStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), err);
        List<Manifest> built = Manifests.parse(out, "kubectl kustomize");
        assertEquals(new TreeSet<>(install.stream().map(m -> m.kind() + "/" + m.name()).toList()),
                new TreeSet<>(built.stream().map(m -> m.kind() + "/" + m.name()).toList()));
    }

    private static List<String> kustomizationResources() {
        Manifest kustomization = Manifests.single(Manifests.load(RepoPaths.resolve("k8s/kustomization.yaml")), "Kustomization");
        return ManifestChecks.texts(kustomization.object().path("resources"));
    }
}
