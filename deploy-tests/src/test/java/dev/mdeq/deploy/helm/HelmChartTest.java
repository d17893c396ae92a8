package dev.mdeq.deploy.helm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.mdeq.deploy.RepoPaths;
import dev.mdeq.deploy.manifest.Manifest;
import dev.mdeq.deploy.manifest.ManifestChecks;
import dev.mdeq.deploy.manifest.Manifests;
import dev.mdeq.deploy.schema.CrdSchema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The chart: lint --strict is clean; renders with default and non-default values parse, carry the
 * security settings and resource requests, and refer only to what they create or the user names; the
 * values schema refuses bad values at install.
 */
class HelmChartTest {
    private static final String APP_VERSION = chartYaml().path("appVersion").asText();

    /** Everything non-default at once: cluster-wide RBAC, MinIO, ServiceMonitor, own images and resources. */
    private static final String NON_DEFAULT = """
            image: {repository: registry.example.com/ml/mdeq-operator, tag: "1.2.3", pullPolicy: Always}
            imagePullSecrets: [{name: registry-credentials}]
            workloadImage: {repository: registry.example.com/ml/mdeq, tag: "1.2.3-cu128", pullPolicy: Always}
            evaluatorImage: registry.example.com/ml/mdeq-eval:1.2.3
            watchNamespaces: [team-a, team-b]
            rbac: {clusterWide: true}
            resources:
              requests: {cpu: 500m, memory: 1Gi}
              limits: {memory: 2Gi}
            javaOptions: -XX:MaxRAMPercentage=60
            extraEnv: [{name: QUARKUS_LOG_LEVEL, value: DEBUG}]
            nodeSelector: {kubernetes.io/os: linux}
            pollInterval: 30s
            metrics:
              serviceMonitor: {enabled: true, interval: 15s, labels: {release: prometheus}}
            minio:
              enabled: true
              rootPassword: 0123456789abcdef
              bucket: team-runs
              persistence: {size: 100Gi, storageClass: fast}
            """;

    @Test
    void lintStrictIsClean() {
        LintResult result = new Helm(RepoPaths.chart()).lint().strict().call();
        assertFalse(result.isFailed(), () -> String.join("\n", result.getMessages()));
        List<String> complaints = result.getMessages().stream()
                .filter(message -> message.contains("[WARNING]") || message.contains("[ERROR]")).toList();
        assertEquals(List.of(), complaints);
    }

    @Test
    void defaultsRenderANamespacedOperatorWithLeastPrivilege() {
        List<Manifest> render = ChartRender.render("");
        ManifestChecks checks = new ManifestChecks(render, ChartRender.NAMESPACE);
        assertEquals(Map.of("ConfigMap", 1L, "Deployment", 1L, "PodDisruptionBudget", 1L, "Role", 2L, "RoleBinding", 2L,
                "Service", 1L, "ServiceAccount", 2L), kinds(render));
        assertWellFormed(checks, Set.of());

        for (Manifest role : checks.all("Role")) {
            assertEquals(ChartRender.NAMESPACE, role.namespace(), role.id());
        }
        Map<String, String> config = config(checks);
        assertEquals("JOSDK_WATCH_CURRENT", config.get("MDEQ_WATCH_NAMESPACES"));
        assertEquals("ghcr.io/mdeq/mdeq:" + APP_VERSION, config.get("MDEQ_TRAINER_IMAGE"));
        assertEquals("mdeq-store-credentials", config.get("MDEQ_STORE_CREDENTIALS_SECRET"));
        assertFalse(config.containsKey("MDEQ_STORE_URI"), "no default store without one given: " + config);
        assertEquals("ghcr.io/mdeq/mdeq-operator:" + APP_VERSION, operatorContainer(render).path("image").asText());

        Manifest workload = checks.find("ServiceAccount", ChartRender.NAMESPACE, "mdeq-workload");
        assertNotNull(workload);
        assertFalse(workload.object().path("automountServiceAccountToken").asBoolean(true));
    }

    @Test
    void nonDefaultValuesRenderClusterWideRbacMinioAndServiceMonitor() {
        List<Manifest> render = ChartRender.render(NON_DEFAULT);
        ManifestChecks checks = new ManifestChecks(render, ChartRender.NAMESPACE);
        // The pull secret is the user's; everything else the render refers to, it creates.
        assertWellFormed(checks, Set.of(ManifestChecks.key("Secret", ChartRender.NAMESPACE, "registry-credentials")));

        assertEquals(1, checks.all("ClusterRole").size());
        assertEquals(1, checks.all("ClusterRoleBinding").size());
        assertEquals(List.of(ChartRender.RELEASE + "-leader-election"), checks.all("Role").stream().map(Manifest::name).toList(),
                "cluster-wide: the only Role is the leader election's");
        assertEquals(1, checks.all("ServiceMonitor").size());
        assertEquals("prometheus", checks.all("ServiceMonitor").get(0).object().at("/metadata/labels/release").asText());

        Map<String, String> config = config(checks);
        assertEquals("team-a,team-b", config.get("MDEQ_WATCH_NAMESPACES"));
        assertEquals("registry.example.com/ml/mdeq:1.2.3-cu128", config.get("MDEQ_TRAINER_IMAGE"));
        assertEquals("registry.example.com/ml/mdeq-eval:1.2.3", config.get("MDEQ_EVALUATOR_IMAGE"));
        assertEquals("s3://team-runs", config.get("MDEQ_STORE_URI"));
        assertEquals("http://mdeq-operator-minio.mdeq-system.svc:9000", config.get("MDEQ_STORE_ENDPOINT"));
        assertEquals("30s", config.get("MDEQ_POLL_INTERVAL"));
        assertNotNull(checks.find("Service", ChartRender.NAMESPACE, "mdeq-operator-minio"), "the endpoint's Service");

        JsonNode operator = operatorContainer(render);
        assertEquals("registry.example.com/ml/mdeq-operator:1.2.3", operator.path("image").asText());
        assertEquals("500m", operator.at("/resources/requests/cpu").asText());
        assertEquals("2Gi", operator.at("/resources/limits/memory").asText());

        // The jobs' namespaces get the workload ServiceAccount and store credentials of their own.
        for (String ns : List.of("team-a", "team-b")) {
            assertNotNull(checks.find("ServiceAccount", ns, "mdeq-workload"), ns);
            assertNotNull(checks.find("Secret", ns, config.get("MDEQ_STORE_CREDENTIALS_SECRET")), ns);
        }
        // The password is in the root Secret of the release namespace only, and not in the config.
        Manifest root = checks.find("Secret", ChartRender.NAMESPACE, "mdeq-operator-minio-root");
        assertEquals("0123456789abcdef", decode(root, "MINIO_ROOT_PASSWORD"));
        assertFalse(config.containsValue("0123456789abcdef"));

        Manifest pvc = Manifests.single(render, "PersistentVolumeClaim");
        assertEquals("fast", pvc.object().at("/spec/storageClassName").asText());
        assertEquals("100Gi", pvc.object().at("/spec/resources/requests/storage").asText());
    }

    @Test
    void namespacedRbacCoversEachWatchedNamespace() {
        List<Manifest> render = ChartRender.render("watchNamespaces: [team-a, team-b]\nminio: {enabled: true, rootPassword: pass-word}\n");
        ManifestChecks checks = new ManifestChecks(render, ChartRender.NAMESPACE);
        assertWellFormed(checks, Set.of());
        assertEquals(List.of(), checks.all("ClusterRole"));
        assertEquals(Set.of("team-a", "team-b"), checks.all("Role").stream().filter(r -> !r.name().endsWith("-leader-election"))
                .map(Manifest::namespace).collect(Collectors.toSet()));
        for (Manifest binding : checks.all("RoleBinding")) {
            assertEquals(ChartRender.NAMESPACE, binding.object().at("/subjects/0/namespace").asText(), binding.id());
        }
        // MinIO's root Secret and the namespaces' users stay in the release namespace, where no job runs.
        assertNotNull(checks.find("Secret", ChartRender.NAMESPACE, "mdeq-operator-minio-root"));
        assertNotNull(checks.find("Secret", ChartRender.NAMESPACE, "mdeq-operator-minio-tenants"));
        assertEquals(null, checks.find("Secret", ChartRender.NAMESPACE, "mdeq-store-credentials"));
        assertEquals(4, checks.all("Secret").size());
    }

    @Test
    void eachJobNamespaceGetsAMinioUserOfItsOwnLimitedToItsRunFolders() throws IOException {
        String password = "r00t-password-NeverCopied";
        List<Manifest> render = ChartRender.render("watchNamespaces: [team-a, team-b]\n"
                + "minio: {enabled: true, rootPassword: " + password + "}\n");
        ManifestChecks checks = new ManifestChecks(render, ChartRender.NAMESPACE);
        assertWellFormed(checks, Set.of());
        Manifest tenants = checks.find("Secret", ChartRender.NAMESPACE, "mdeq-operator-minio-tenants");
        Set<String> users = new java.util.HashSet<>();
        for (String ns : List.of("team-a", "team-b")) {
            Manifest keys = checks.find("Secret", ns, "mdeq-store-credentials");
            String user = decode(keys, "AWS_ACCESS_KEY_ID");
            String secret = decode(keys, "AWS_SECRET_ACCESS_KEY");
            assertTrue(user.startsWith("mdeq-") && user.length() <= 20, user + ": MinIO takes 3 to 20 characters");
            assertTrue(secret.length() >= 8 && secret.length() <= 40, "MinIO takes 8 to 40 characters");
            assertFalse(user.equals("mdeq") || secret.contains(password), ns + " has the root keys");
            assertTrue(users.add(user) && users.add(secret), "each namespace has its own user and key");
            assertFalse(keys.object().path("data").has("MINIO_ROOT_PASSWORD"), ns);
            // What the bucket Job creates for this namespace: the same user, and a policy on its run folders.
            assertEquals(user, tenants.object().at("/stringData/" + ns + ".access-key").asText());
            assertEquals(secret, tenants.object().at("/stringData/" + ns + ".secret-key").asText());
            JsonNode policy = Manifests.YAML.readTree(tenants.object().at("/stringData/" + ns + ".policy.json").asText());
            JsonNode objects = policy.at("/Statement/1/Resource");
            assertEquals("arn:aws:s3:::mdeq/runs/" + ns + "/*", objects.get(0).asText());
            for (JsonNode resource : objects) {
                assertFalse(resource.asText().contains("team-" + (ns.equals("team-a") ? "b" : "a")), resource.asText());
                assertFalse(resource.asText().equals("arn:aws:s3:::mdeq/*"), "not the whole bucket");
            }
            assertFalse(policy.toString().contains("s3:*") || policy.toString().contains("admin:"), policy.toString());
        }
        // The root password goes only to MinIO's own Secret.
        for (Manifest secret : checks.all("Secret")) {
            boolean rootSecret = secret.name().equals("mdeq-operator-minio-root");
            String text = secret.object().toString();
            assertEquals(rootSecret, text.contains(java.util.Base64.getEncoder().encodeToString(password.getBytes())),
                    secret.id());
        }
        // A store prefix narrows the run folders too.
        Manifest prefixed = Manifests.parse(ChartRender.renderText("minio: {enabled: true, rootPassword: " + password
                + "}\nstore: {uri: \"s3://mdeq/prod/\"}\n"), "helm template").stream()
                .filter(m -> m.name().equals("mdeq-operator-minio-tenants")).findFirst().orElseThrow();
        assertTrue(prefixed.object().at("/stringData/" + ChartRender.NAMESPACE + ".policy.json").asText()
                .contains("arn:aws:s3:::mdeq/prod/runs/" + ChartRender.NAMESPACE + "/*"));
    }

    @Test
    void sharingTheRootKeysIsAnExplicitOptIn() {
        List<Manifest> render = ChartRender.render("minio: {enabled: true, rootPassword: s3cret-pass, "
                + "shareRootCredentials: true}\n");
        ManifestChecks checks = new ManifestChecks(render, ChartRender.NAMESPACE);
        assertWellFormed(checks, Set.of());
        Manifest keys = checks.find("Secret", ChartRender.NAMESPACE, "mdeq-store-credentials");
        assertEquals("mdeq", decode(keys, "AWS_ACCESS_KEY_ID"));
        assertEquals("s3cret-pass", decode(keys, "AWS_SECRET_ACCESS_KEY"));
        assertEquals(null, checks.find("Secret", ChartRender.NAMESPACE, "mdeq-operator-minio-tenants"));
    }

    @Test
    void aCaBundleIsPutInEachJobNamespaceAndMadeTheOperatorsDefault() {
        String pem = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
        List<Manifest> render = ChartRender.render("watchNamespaces: [team-a, team-b]\nstore:\n  caBundle:\n    pem: |\n"
                + pem.lines().map(l -> "      " + l + "\n").collect(Collectors.joining()));
        ManifestChecks checks = new ManifestChecks(render, ChartRender.NAMESPACE);
        assertWellFormed(checks, Set.of());
        for (String ns : List.of("team-a", "team-b")) {
            Manifest ca = checks.find("ConfigMap", ns, "mdeq-store-ca");
            assertNotNull(ca, ns);
            assertEquals(pem, ca.object().at("/data/ca.crt").asText());
        }
        Map<String, String> config = config(checks);
        assertEquals("mdeq-store-ca", config.get("MDEQ_STORE_CA_BUNDLE_CONFIG_MAP"));
        assertEquals("ca.crt", config.get("MDEQ_STORE_CA_BUNDLE_KEY"));
        // An existing ConfigMap by name: nothing created, the default set.
        List<Manifest> existing = ChartRender.render("store: {caBundle: {configMap: corp-ca, key: bundle.pem}}\n");
        assertTrue(existing.stream().noneMatch(m -> m.name().equals("corp-ca")));
        Map<String, String> existingConfig = configData(existing);
        assertEquals("corp-ca", existingConfig.get("MDEQ_STORE_CA_BUNDLE_CONFIG_MAP"));
        assertEquals("bundle.pem", existingConfig.get("MDEQ_STORE_CA_BUNDLE_KEY"));
        assertFalse(configData(ChartRender.render("")).containsKey("MDEQ_STORE_CA_BUNDLE_CONFIG_MAP"), "none by default");
        assertRejected("store: {caBundle: {pem: not-a-certificate}}", "pem");
    }

    @Test
    void webIdentityIsOffByDefaultAndWhenEnabledGivesTheOperatorAProjectedToken() {
        Map<String, String> defaults = configData(ChartRender.render(""));
        assertFalse(defaults.containsKey("MDEQ_STORE_WEB_IDENTITY_ENABLED"));
        assertTrue(operatorPod(ChartRender.render("")).path("volumes").toString().indexOf("serviceAccountToken") < 0);

        List<Manifest> render = ChartRender.render("""
                store:
                  webIdentity:
                    enabled: true
                    stsEndpoint: https://sts.eu-west-1.amazonaws.com
                    roleArn: arn:aws:iam::123456789012:role/mdeq-workload
                    operatorRoleArn: arn:aws:iam::123456789012:role/mdeq-operator
                workloadServiceAccount:
                  annotations: {eks.amazonaws.com/role-arn: "arn:aws:iam::123456789012:role/mdeq-workload"}
                """);
        ManifestChecks checks = new ManifestChecks(render, ChartRender.NAMESPACE);
        assertWellFormed(checks, Set.of());
        Map<String, String> config = config(checks);
        assertEquals("true", config.get("MDEQ_STORE_WEB_IDENTITY_ENABLED"));
        assertEquals("https://sts.eu-west-1.amazonaws.com", config.get("MDEQ_STORE_WEB_IDENTITY_STS_ENDPOINT"));
        assertEquals("arn:aws:iam::123456789012:role/mdeq-workload", config.get("MDEQ_STORE_WEB_IDENTITY_ROLE_ARN"));
        assertEquals("arn:aws:iam::123456789012:role/mdeq-operator",
                config.get("MDEQ_STORE_WEB_IDENTITY_OPERATOR_ROLE_ARN"));
        assertEquals("sts.amazonaws.com", config.get("MDEQ_STORE_WEB_IDENTITY_AUDIENCE"));
        JsonNode pod = operatorPod(render);
        JsonNode token = pod.at("/volumes/1/projected/sources/0/serviceAccountToken");
        assertEquals("sts.amazonaws.com", token.path("audience").asText());
        assertEquals("token", token.path("path").asText());
        assertEquals("/var/run/secrets/mdeq/sts", pod.at("/containers/0/volumeMounts/1/mountPath").asText(),
                "where mdeq.store.web-identity.operator-token-file points by default");
        assertEquals("arn:aws:iam::123456789012:role/mdeq-workload", checks.find("ServiceAccount", ChartRender.NAMESPACE,
                "mdeq-workload").object().at("/metadata/annotations/eks.amazonaws.com~1role-arn").asText());
        assertRejected("store: {webIdentity: {enabled: true}}", "stsEndpoint");
        assertRejected("store: {webIdentity: {enabled: true, stsEndpoint: \"https://sts\", roleArn: not-an-arn}}",
                "roleArn");
    }

    private static JsonNode operatorPod(List<Manifest> render) {
        return render.stream().filter(m -> "Deployment".equals(m.kind()) && m.name().equals(ChartRender.RELEASE))
                .findFirst().orElseThrow().object().at("/spec/template/spec");
    }

    @Test
    void anExistingServiceAccountIsAUserGivenName() {
        List<Manifest> render = ChartRender.render("serviceAccount: {create: false, name: platform-operator}\n");
        ManifestChecks checks = new ManifestChecks(render, ChartRender.NAMESPACE);
        String given = ManifestChecks.key("ServiceAccount", ChartRender.NAMESPACE, "platform-operator");
        assertEquals(List.of(), checks.referenceProblems(Set.of(given)));
        // Without declaring it user-given, the checks see the dangling reference: they can fail.
        assertEquals(3, checks.referenceProblems(Set.of()).size(), checks.referenceProblems(Set.of()).toString());
    }

    @Test
    void aFixedMinioPasswordIsUsedAsGiven() {
        List<Manifest> render = ChartRender.render("minio: {enabled: true, rootPassword: s3cret-pass}\n");
        Manifest secret = new ManifestChecks(render, ChartRender.NAMESPACE).find("Secret", ChartRender.NAMESPACE,
                "mdeq-operator-minio-root");
        assertEquals("s3cret-pass", decode(secret, "MINIO_ROOT_PASSWORD"));
        assertEquals("mdeq", decode(secret, "MINIO_ROOT_USER"));
    }

    @Test
    void theAdminPolicyDefaultsToNoFileUrisAndIsPassedToTheOperator() {
        Map<String, String> defaults = configData(ChartRender.render(""));
        assertEquals("false", defaults.get("MDEQ_POLICY_ALLOW_FILE_URIS"));
        assertFalse(defaults.containsKey("MDEQ_POLICY_ALLOWED_STORE_ENDPOINTS"), "no list: any endpoint");
        assertEquals("5m", defaults.get("MDEQ_DATA_DELETION_TIMEOUT"));
        assertEquals("15m", defaults.get("MDEQ_TRAINER_PENDING_TIMEOUT"));
        assertEquals("15m", defaults.get("MDEQ_EVALUATOR_PENDING_TIMEOUT"));
        assertEquals("12h", defaults.get("MDEQ_EVALUATOR_ACTIVE_DEADLINE"));

        Map<String, String> set = configData(ChartRender.render("""
                policy: {allowFileUris: true, allowedStoreEndpoints: ["*.svc.cluster.local", "https://s3.eu-west-1.amazonaws.com"]}
                dataDeletionTimeout: 90s
                trainer: {pendingTimeout: 30m}
                evaluator: {pendingTimeout: 5m, activeDeadline: 2h}
                """));
        assertEquals("true", set.get("MDEQ_POLICY_ALLOW_FILE_URIS"));
        assertEquals("*.svc.cluster.local,https://s3.eu-west-1.amazonaws.com", set.get("MDEQ_POLICY_ALLOWED_STORE_ENDPOINTS"));
        assertEquals("90s", set.get("MDEQ_DATA_DELETION_TIMEOUT"));
        assertEquals("30m", set.get("MDEQ_TRAINER_PENDING_TIMEOUT"));
        assertEquals("5m", set.get("MDEQ_EVALUATOR_PENDING_TIMEOUT"));
        assertEquals("2h", set.get("MDEQ_EVALUATOR_ACTIVE_DEADLINE"));
        assertRejected("evaluator: {activeDeadline: soon}", "activeDeadline");
        assertRejected("policy: {allowedStoreEndpoints: [\"http://x/path\"]}", "allowedStoreEndpoints");
        assertRejected("policy: {allowFileUris: \"yes\"}", "allowFileUris");
    }

    @Test
    void imagesCanBePinnedByDigest() {
        String digest = "sha256:" + "0123456789abcdef".repeat(4);
        List<Manifest> render = ChartRender.render("""
                image: {repository: registry.example.com/mdeq-operator, tag: "", digest: %1$s, pullPolicy: IfNotPresent}
                workloadImage: {repository: registry.example.com/mdeq, tag: "1.2.3", digest: %1$s, pullPolicy: IfNotPresent}
                minio:
                  enabled: true
                  rootPassword: 0123456789abcdef
                  image: {repository: quay.io/minio/minio, tag: "", digest: %1$s, pullPolicy: IfNotPresent}
                """.formatted(digest));
        Manifest operator = Manifests.single(render.stream().filter(m -> m.kind().equals("Deployment")
                && m.name().equals(ChartRender.RELEASE)).toList(), "Deployment");
        assertEquals("registry.example.com/mdeq-operator@" + digest,
                operator.object().at("/spec/template/spec/containers/0/image").asText());
        assertEquals("registry.example.com/mdeq:1.2.3@" + digest, configData(render).get("MDEQ_TRAINER_IMAGE"));
        assertTrue(ChartRender.renderText("minio: {enabled: true, rootPassword: 0123456789abcdef, "
                + "image: {repository: quay.io/minio/minio, tag: \"\", digest: " + digest + ", pullPolicy: IfNotPresent}}")
                .contains("quay.io/minio/minio@" + digest));
        // Without a digest: repository:tag, the tag defaulting to the appVersion, as before.
        assertEquals("ghcr.io/mdeq/mdeq:" + APP_VERSION, configData(ChartRender.render("")).get("MDEQ_TRAINER_IMAGE"));
        assertRejected("image: {repository: a/b, tag: \"\", digest: \"sha256:short\", pullPolicy: Always}", "digest");
    }

    @Test
    void theOptionalNetworkPoliciesAdmitOnlyWhatEachPodServes() {
        assertTrue(ChartRender.render("").stream().noneMatch(m -> m.kind().equals("NetworkPolicy")), "off by default");
        List<Manifest> render = ChartRender.render("""
                networkPolicy: {enabled: true, metricsFrom: [{namespaceSelector: {matchLabels: {name: monitoring}}}]}
                watchNamespaces: [team-a, team-b]
                minio: {enabled: true, rootPassword: 0123456789abcdef}
                """);
        List<Manifest> policies = render.stream().filter(m -> m.kind().equals("NetworkPolicy")).toList();
        assertEquals(4, policies.size(), "operator, two workload namespaces, MinIO");
        Manifest operator = policies.stream().filter(p -> p.name().equals(ChartRender.RELEASE)).findFirst().orElseThrow();
        assertEquals("operator", operator.object().at("/spec/podSelector/matchLabels/app.kubernetes.io~1component").asText());
        assertEquals("http", operator.object().at("/spec/ingress/0/ports/0/port").asText());
        assertEquals("monitoring", operator.object().at("/spec/ingress/0/from/0/namespaceSelector/matchLabels/name").asText());
        for (String ns : List.of("team-a", "team-b")) {
            Manifest workload = policies.stream().filter(p -> ns.equals(p.namespace())).findFirst().orElseThrow();
            assertEquals("mdeq-operator", workload.object().at("/spec/podSelector/matchLabels/app.kubernetes.io~1managed-by").asText(),
                    "the label the operator puts on trainer and evaluator pods");
            assertEquals(0, workload.object().at("/spec/ingress").size(), "workload pods take no connections");
            assertEquals("Ingress", workload.object().at("/spec/policyTypes/0").asText());
        }
        Manifest minio = policies.stream().filter(p -> p.name().endsWith("-minio")).findFirst().orElseThrow();
        assertEquals("s3", minio.object().at("/spec/ingress/0/ports/0/port").asText());
        assertEquals(3, minio.object().at("/spec/ingress/0/from").size());
    }

    private static Map<String, String> configData(List<Manifest> render) {
        Map<String, String> data = new TreeMap<>();
        Manifests.single(render, "ConfigMap").object().path("data").fields()
                .forEachRemaining(e -> data.put(e.getKey(), e.getValue().asText()));
        return data;
    }

    @Test
    void twoReplicasWithLeaderElectionAPodDisruptionBudgetAndSpreadOverNodes() {
        List<Manifest> render = ChartRender.render("");
        Manifest operator = render.stream().filter(m -> m.kind().equals("Deployment") && m.name().equals(ChartRender.RELEASE))
                .findFirst().orElseThrow();
        JsonNode spec = operator.object().path("spec");
        assertEquals(2, spec.path("replicas").asInt());
        assertEquals("RollingUpdate", spec.at("/strategy/type").asText(), "the leader election keeps one active operator");
        assertEquals(0, spec.at("/strategy/rollingUpdate/maxUnavailable").asInt());
        JsonNode antiAffinity = spec.at("/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/0");
        assertEquals("kubernetes.io/hostname", antiAffinity.at("/podAffinityTerm/topologyKey").asText());
        assertEquals(spec.at("/selector/matchLabels"), antiAffinity.at("/podAffinityTerm/labelSelector/matchLabels"));

        Manifest pdb = Manifests.single(render, "PodDisruptionBudget");
        assertEquals(1, pdb.object().at("/spec/minAvailable").asInt());
        assertEquals(spec.at("/selector/matchLabels"), pdb.object().at("/spec/selector/matchLabels"), "selects the operator pods");
        Manifest binding = render.stream().filter(m -> m.kind().equals("RoleBinding") && m.name().endsWith("-leader-election"))
                .findFirst().orElseThrow();
        assertEquals(spec.at("/template/spec/serviceAccountName").asText(), binding.object().at("/subjects/0/name").asText());

        // One replica: no budget, which would block every node drain.
        List<Manifest> single = ChartRender.render("replicaCount: 1");
        assertTrue(single.stream().noneMatch(m -> m.kind().equals("PodDisruptionBudget")));
        assertRejected("replicaCount: 0", "replicaCount");
        assertRejected("podDisruptionBudget: {minAvailable: \"50%\"}", "minAvailable");
    }

    @Test
    void theProductionExampleValuesRenderHaAndMonitoring() throws IOException {
        List<Manifest> render = ChartRender.render(Files.readString(RepoPaths.resolve("helm/examples/production-values.yaml")));
        ManifestChecks checks = new ManifestChecks(render, ChartRender.NAMESPACE);
        assertWellFormed(checks, Set.of());
        assertEquals(2, checks.find("Deployment", ChartRender.NAMESPACE, ChartRender.RELEASE).object().at("/spec/replicas").asInt());
        assertEquals(1, checks.all("PodDisruptionBudget").size());
        assertEquals(1, checks.all("ServiceMonitor").size());
        assertTrue(render.stream().anyMatch(m -> m.kind().equals("ConfigMap") && m.name().endsWith("-dashboard")
                && "monitoring".equals(m.namespace())));
    }

    @Test
    void theGrafanaDashboardIsOffByDefaultAndShowsThePerRunMetrics() throws IOException {
        assertTrue(ChartRender.render("").stream().noneMatch(m -> m.kind().equals("ConfigMap") && m.name().endsWith("-dashboard")));
        List<Manifest> render = ChartRender.render("metrics: {grafanaDashboard: {enabled: true, namespace: monitoring}}");
        Manifest dashboard = render.stream().filter(m -> m.kind().equals("ConfigMap") && m.name().endsWith("-dashboard"))
                .findFirst().orElseThrow();
        assertEquals("monitoring", dashboard.namespace());
        assertEquals("1", dashboard.object().at("/metadata/labels/grafana_dashboard").asText());
        JsonNode json = Manifests.YAML.readTree(dashboard.object().at("/data/mdeq-runs.json").asText());
        assertEquals("mdeq-runs", json.path("uid").asText());
        String queries = json.path("panels").findValues("expr").toString();
        for (String metric : List.of("mdeq_run_phase", "mdeq_run_step", "mdeq_run_total_steps", "mdeq_run_loss",
                "mdeq_run_samples_per_second", "mdeq_run_restarts", "mdeq_run_last_checkpoint_age_seconds",
                "mdeq_run_validation_metric", "mdeq_run_evaluation_metric")) {
            assertTrue(queries.contains(metric), metric + " in " + queries);
        }
    }

    @Test
    void theSchemaRejectsBadValuesNamingThem() {
        assertRejected("rbac: {clusterWide: \"yes\"}", "clusterWide");
        assertRejected("image: {pullPolicy: Sometimes}", "pullPolicy");
        assertRejected("resources: {requests: {cpu: 100m, memory: null}}", "memory");
        assertRejected("replicas: 3", "replicas");
        assertRejected("store: {uri: \"http://minio:9000/bucket\"}", "uri");
        assertRejected("watchNamespaces: [Team_A]", "watchNamespaces");
        assertRejected("minio: {enabled: true}", "rootPassword");
        assertRejected("minio: {enabled: true, rootPassword: short}", "rootPassword");
        assertRejected("trainer: {backoffLimit: -1}", "backoffLimit");
        assertRejected("pollInterval: soon", "pollInterval");
    }

    @Test
    void theNotesShowAFirstJobTheCrdAcceptsAndNamesWhatTheChartCreates() {
        CrdSchema crd = CrdSchema.of(Manifests.single(Manifests.load(RepoPaths.committedCrd()), "CustomResourceDefinition"));
        for (String values : List.of("", NON_DEFAULT, "store: {uri: s3://team-bucket/mdeq, endpoint: https://s3.example.com}")) {
            String notes = ChartRender.notes(values);
            ManifestChecks checks = new ManifestChecks(ChartRender.render(values), ChartRender.NAMESPACE);

            Matcher heredoc = Pattern.compile("(?s)<<'YAML'\\n(.*?)\\n\\s*YAML\\n").matcher(notes);
            assertTrue(heredoc.find(), notes);
            Manifest job = Manifests.single(Manifests.parse(heredoc.group(1).replaceAll("(?m)^  ", ""), "NOTES"), "MdeqTrainingJob");
            assertEquals(List.of(), crd.validateCreate(job.object()), notes);

            Matcher namespace = Pattern.compile("kubectl apply -n (\\S+) ").matcher(notes);
            assertTrue(namespace.find());
            assertNotNull(checks.find("ServiceAccount", namespace.group(1), job.object().at("/spec/trainer/serviceAccountName").asText()),
                    "the demo's ServiceAccount exists in " + namespace.group(1));
            Matcher keys = Pattern.compile("kubectl -n (\\S+) get secret (\\S+) ").matcher(notes);
            while (keys.find()) {
                assertNotNull(checks.find("Secret", keys.group(1), keys.group(2)), "the notes' keys exist: " + keys.group());
            }
            Matcher deployment = Pattern.compile("rollout status deployment/(\\S+)").matcher(notes);
            assertTrue(deployment.find());
            assertNotNull(checks.find("Deployment", ChartRender.NAMESPACE, deployment.group(1)));
            String store = config(checks).get("MDEQ_STORE_URI");
            if (store != null) {
                assertTrue(job.object().at("/spec/dataset/uri").asText().startsWith(store + "/"), notes);
                assertTrue(job.object().at("/spec/store").isMissingNode(), "the default store is used");
            } else {
                assertTrue(job.object().at("/spec/store/uri").isTextual(), "without a default the demo names its store");
            }
        }
    }

    @Test
    void clustersOlderThanTheCrdsRulesNeedAreRefused() {
        // CEL validation rules (x-kubernetes-validations) and pod failure policies need Kubernetes 1.29.
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ChartRender.renderText("", "1.28.5"));
        assertTrue(e.getMessage().contains("kubeVersion"), e.getMessage());
    }

    @Test
    void helmDoesNotTemplateTheCrdButShipsTheSameFileAsK8s() throws IOException {
        String text = ChartRender.renderText("");
        assertFalse(text.contains("CustomResourceDefinition"), "crds/ is installed by Helm, not templated");
        assertEquals(Files.readString(RepoPaths.committedCrd()),
                Files.readString(RepoPaths.chart().resolve("crds/" + RepoPaths.CRD_FILE)));
    }

    private static void assertRejected(String values, String named) {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ChartRender.renderText(values), values);
        assertTrue(e.getMessage().contains("schema") && e.getMessage().contains(named), e.getMessage());
    }

    private static void assertWellFormed(ManifestChecks checks, Set<String> userGiven) {
        assertEquals(List.of(), checks.securityProblems());
        assertEquals(List.of(), checks.probeProblems());
        assertEquals(List.of(), checks.referenceProblems(userGiven));
        Manifest operator = checks.find("Deployment", ChartRender.NAMESPACE, ChartRender.RELEASE);
        assertTrue(operator.object().at("/spec/replicas").asInt() >= 1);
    }

    private static Map<String, Long> kinds(List<Manifest> render) {
        return new TreeMap<>(render.stream().collect(Collectors.groupingBy(Manifest::kind, Collectors.counting())));
    }

    private static Map<String, String> config(ManifestChecks checks) {
        Manifest config = checks.find("ConfigMap", ChartRender.NAMESPACE, ChartRender.RELEASE + "-config");
        assertNotNull(config, "the operator's ConfigMap");
        Map<String, String> out = new TreeMap<>();
        config.object().path("data").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    private static JsonNode operatorContainer(List<Manifest> render) {
        return render.stream().filter(m -> "Deployment".equals(m.kind()) && m.name().equals(ChartRender.RELEASE))
                .findFirst().orElseThrow().object().at("/spec/template/spec/containers/0");
    }

    private static String decode(Manifest secret, String key) {
        return new String(Base64.getDecoder().decode(secret.object().path("data").path(key).asText()));
    }

    static JsonNode chartYaml() {
        try {
            return Manifests.YAML.readTree(RepoPaths.chart().resolve("Chart.yaml").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
