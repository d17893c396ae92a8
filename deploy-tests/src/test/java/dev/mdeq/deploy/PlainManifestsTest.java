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
import java.nio.file.Files;
import java.util.Map;
import java.util.TreeMap;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    static void load() throws IOException, InterruptedException {
        k8s = RepoPaths.resolve("k8s");
        install = new ArrayList<>();
        for (String file : kustomizationResources()) {
            install.addAll(Manifests.load(k8s.resolve(file)));
        }
        install.addAll(generatedSecrets(generateCredentials()));
    }

    /** Runs k8s/minio/generate-credentials.sh into a temporary file and returns its lines as a map. */
    private static Map<String, String> generateCredentials() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("mdeq-credentials");
        Path env = dir.resolve("credentials.env");
        Process process = new ProcessBuilder("sh", k8s.resolve("minio/generate-credentials.sh").toString(), env.toString())
                .redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue());
        Map<String, String> values = new TreeMap<>();
        for (String line : Files.readAllLines(env)) {
            int eq = line.indexOf('=');
            values.put(line.substring(0, eq), line.substring(eq + 1));
        }
        Files.delete(env);
        Files.delete(dir);
        return values;
    }

    /** The Secrets the kustomization's secretGenerator makes from the given env-file values. */
    private static List<Manifest> generatedSecrets(Map<String, String> env) {
        List<Manifest> secrets = new ArrayList<>();
        for (JsonNode generator : kustomization().path("secretGenerator")) {
            StringBuilder yaml = new StringBuilder("apiVersion: v1\nkind: Secret\nmetadata:\n  name: "
                    + generator.path("name").asText() + "\n  namespace: " + generator.path("namespace").asText()
                    + "\ntype: Opaque\nstringData:\n");
            env.forEach((key, value) -> yaml.append("  ").append(key).append(": \"").append(value).append("\"\n"));
            secrets.addAll(Manifests.parse(yaml.toString(), "secretGenerator " + generator.path("name").asText()));
        }
        return secrets;
    }

    @Test
    void noPasswordIsCommittedAndEachGeneratedOneIsNew() throws IOException, InterruptedException {
        for (Path file : Manifests.yamlFiles(k8s)) {
            for (Manifest m : Manifests.load(file)) {
                assertFalse("Secret".equals(m.kind()), file + " commits a Secret: " + m.id());
            }
        }
        JsonNode generator = kustomization().path("secretGenerator").get(0);
        assertEquals("mdeq-store-credentials", generator.path("name").asText());
        assertEquals("minio/credentials.env", generator.at("/envs/0").asText());
        assertTrue(generator.at("/options/disableNameSuffixHash").asBoolean(), "the operator's config names the Secret");
        assertTrue(Files.readString(RepoPaths.resolve(".gitignore")).contains("/k8s/minio/credentials.env"),
                "the generated credentials are never committed");
        Map<String, String> first = generateCredentials();
        Map<String, String> second = generateCredentials();
        assertEquals(Set.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"),
                first.keySet());
        assertTrue(first.get("AWS_SECRET_ACCESS_KEY").matches("[0-9a-f]{48}"), "48 random hex digits");
        assertEquals(first.get("AWS_SECRET_ACCESS_KEY"), first.get("MINIO_ROOT_PASSWORD"));
        assertFalse(first.get("AWS_SECRET_ACCESS_KEY").equals(second.get("AWS_SECRET_ACCESS_KEY")), "random per install");
    }

    @Test
    void everyYamlFileParses() {
        List<Path> files = Manifests.yamlFiles(k8s);
        assertTrue(files.size() >= 13, files.toString());
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
        // On a copy of k8s/ with generated credentials, as an installation would have them.
        Path copy = Files.createTempDirectory("mdeq-k8s");
        try (var files = Files.walk(k8s)) {
            for (Path file : files.toList()) {
                Path target = copy.resolve(k8s.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else if (!file.getFileName().toString().equals("credentials.env")) {
                    Files.copy(file, target);
                }
            }
        }
        Process generate = new ProcessBuilder("sh", copy.resolve("minio/generate-credentials.sh").toString())
                .redirectErrorStream(true).start();
        generate.getInputStream().readAllBytes();
        assertTrue(generate.waitFor(30, TimeUnit.SECONDS));
        Process process;
        try {
            process = new ProcessBuilder("kubectl", "kustomize", copy.toString()).redirectErrorStream(false).start();
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
        return ManifestChecks.texts(kustomization().path("resources"));
    }

    private static JsonNode kustomization() {
        return Manifests.single(Manifests.load(RepoPaths.resolve("k8s/kustomization.yaml")), "Kustomization").object();
    }
}
