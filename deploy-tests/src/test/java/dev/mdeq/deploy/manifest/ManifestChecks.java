package dev.mdeq.deploy.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks of a set of rendered manifests (the plain k8s/ files, or one Helm render):
 * <ul>
 *   <li>security: every pod runs as non-root with seccomp RuntimeDefault; every container forbids
 *       privilege escalation, drops all capabilities, has a read-only root filesystem with a writable
 *       /tmp, and requests CPU and memory with a memory limit; a pod whose ServiceAccount has no
 *       binding mounts no API token;
 *   <li>references: every ServiceAccount, Secret (and key), ConfigMap, PersistentVolumeClaim, Role,
 *       ClusterRole, binding subject, Service selector, named port and ServiceMonitor selector points
 *       at something in the set, unless it is in the allowed set of user-given names.
 * </ul>
 * Each problem names the object and the field.
 */
public final class ManifestChecks {
    private static final Set<String> POD_OWNERS = Set.of("Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet");

    private final List<Manifest> manifests;
    private final String defaultNamespace;

    /** @param defaultNamespace the namespace of namespaced objects that name none (kubectl -n / helm --namespace) */
    public ManifestChecks(List<Manifest> manifests, String defaultNamespace) {
        this.manifests = manifests;
        this.defaultNamespace = defaultNamespace;
    }

    // ---- security ----------------------------------------------------------------------------------

    /** The security problems of every pod template; empty when all hold. */
    public List<String> securityProblems() {
        List<String> problems = new ArrayList<>();
        for (Manifest m : manifests) {
            JsonNode pod = podSpec(m);
            if (pod == null) {
                continue;
            }
            JsonNode podSecurity = pod.path("securityContext");
            if (!podSecurity.path("runAsNonRoot").asBoolean()) {
                problems.add(m.id() + ": pod securityContext.runAsNonRoot is not true");
            }
            for (JsonNode container : containers(pod)) {
                String c = m.id() + " container " + container.path("name").asText();
                JsonNode security = container.path("securityContext");
                String seccomp = security.path("seccompProfile").path("type").asText(
                        podSecurity.path("seccompProfile").path("type").asText(""));
                if (!seccomp.equals("RuntimeDefault")) {
                    problems.add(c + ": seccompProfile is not RuntimeDefault");
                }
                if (!security.path("allowPrivilegeEscalation").isBoolean() || security.path("allowPrivilegeEscalation").asBoolean()) {
                    problems.add(c + ": allowPrivilegeEscalation is not false");
                }
                if (!security.path("readOnlyRootFilesystem").asBoolean()) {
                    problems.add(c + ": readOnlyRootFilesystem is not true");
                } else if (!mountsEmptyDirAt(pod, container, "/tmp")) {
                    problems.add(c + ": a read-only root filesystem needs an emptyDir at /tmp");
                }
                if (!texts(security.path("capabilities").path("drop")).contains("ALL")) {
                    problems.add(c + ": capabilities.drop does not contain ALL");
                }
                if (security.path("capabilities").has("add")) {
                    problems.add(c + ": adds capabilities");
                }
                JsonNode resources = container.path("resources");
                for (String resource : List.of("cpu", "memory")) {
                    if (!resources.path("requests").has(resource)) {
                        problems.add(c + ": no resources.requests." + resource);
                    }
                }
                if (!resources.path("limits").has("memory")) {
                    problems.add(c + ": no resources.limits.memory");
                }
            }
            if (pod.path("hostNetwork").asBoolean() || pod.path("hostPID").asBoolean() || pod.path("hostIPC").asBoolean()) {
                problems.add(m.id() + ": uses host namespaces");
            }
            if (mountsToken(m, pod) && !isBound(namespace(m), serviceAccount(pod))) {
                problems.add(m.id() + ": mounts an API token of ServiceAccount " + serviceAccount(pod)
                        + ", which no binding gives any right: set automountServiceAccountToken: false");
            }
        }
        return problems;
    }

    /** Deployments without liveness and readiness probes on every container. */
    public List<String> probeProblems() {
        List<String> problems = new ArrayList<>();
        for (Manifest m : manifests) {
            if (!"Deployment".equals(m.kind())) {
                continue;
            }
            for (JsonNode container : containers(podSpec(m))) {
                for (String probe : List.of("livenessProbe", "readinessProbe")) {
                    if (!container.has(probe)) {
                        problems.add(m.id() + " container " + container.path("name").asText() + ": no " + probe);
                    }
                }
            }
        }
        return problems;
    }

    // ---- references --------------------------------------------------------------------------------

    /**
     * Dangling references.
     *
     * @param userGiven "Kind/namespace/name" of objects the user creates (e.g. an existing ServiceAccount)
     */
    public List<String> referenceProblems(Set<String> userGiven) {
        List<String> problems = new ArrayList<>();
        for (Manifest m : manifests) {
            String ns = namespace(m);
            JsonNode pod = podSpec(m);
            if (pod != null) {
                checkPodReferences(m, ns, pod, userGiven, problems);
            }
            switch (String.valueOf(m.kind())) {
                case "RoleBinding", "ClusterRoleBinding" -> checkBinding(m, ns, userGiven, problems);
                case "Service" -> checkService(m, ns, problems);
                case "ServiceMonitor" -> checkServiceMonitor(m, ns, problems);
                default -> {
                }
            }
        }
        return problems;
    }

    private void checkPodReferences(Manifest m, String ns, JsonNode pod, Set<String> userGiven, List<String> problems) {
        require(m, "ServiceAccount", ns, serviceAccount(pod), "serviceAccountName", userGiven, problems);
        for (JsonNode secret : pod.path("imagePullSecrets")) {
            require(m, "Secret", ns, secret.path("name").asText(), "imagePullSecrets", userGiven, problems);
        }
        for (JsonNode volume : pod.path("volumes")) {
            if (volume.has("secret")) {
                require(m, "Secret", ns, volume.at("/secret/secretName").asText(), "volume " + volume.path("name").asText(),
                        userGiven, problems);
            }
            if (volume.has("configMap")) {
                require(m, "ConfigMap", ns, volume.at("/configMap/name").asText(), "volume " + volume.path("name").asText(),
                        userGiven, problems);
            }
            if (volume.has("persistentVolumeClaim")) {
                require(m, "PersistentVolumeClaim", ns, volume.at("/persistentVolumeClaim/claimName").asText(),
                        "volume " + volume.path("name").asText(), userGiven, problems);
            }
        }
        Set<String> volumes = new HashSet<>();
        pod.path("volumes").forEach(v -> volumes.add(v.path("name").asText()));
        for (JsonNode container : containers(pod)) {
            String c = "container " + container.path("name").asText();
            for (JsonNode from : container.path("envFrom")) {
                if (from.has("secretRef")) {
                    require(m, "Secret", ns, from.at("/secretRef/name").asText(), c + " envFrom", userGiven, problems);
                }
                if (from.has("configMapRef")) {
                    require(m, "ConfigMap", ns, from.at("/configMapRef/name").asText(), c + " envFrom", userGiven, problems);
                }
            }
            for (JsonNode env : container.path("env")) {
                JsonNode secretKey = env.at("/valueFrom/secretKeyRef");
                if (!secretKey.isMissingNode()) {
                    requireKey(m, "Secret", ns, secretKey, c + " env " + env.path("name").asText(), userGiven, problems);
                }
                JsonNode configKey = env.at("/valueFrom/configMapKeyRef");
                if (!configKey.isMissingNode()) {
                    requireKey(m, "ConfigMap", ns, configKey, c + " env " + env.path("name").asText(), userGiven, problems);
                }
            }
            for (JsonNode mount : container.path("volumeMounts")) {
                if (!volumes.contains(mount.path("name").asText())) {
                    problems.add(m.id() + " " + c + ": mounts the undeclared volume " + mount.path("name").asText());
                }
            }
            Set<String> ports = new HashSet<>();
            container.path("ports").forEach(p -> ports.add(p.path("name").asText()));
            for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
                JsonNode port = container.path(probe).path("httpGet").path("port");
                if (port.isTextual() && !ports.contains(port.asText())) {
                    problems.add(m.id() + " " + c + ": " + probe + " names the undeclared port " + port.asText());
                }
            }
        }
    }

    private void checkBinding(Manifest m, String ns, Set<String> userGiven, List<String> problems) {
        JsonNode roleRef = m.object().path("roleRef");
        String kind = roleRef.path("kind").asText();
        require(m, kind, kind.equals("ClusterRole") ? null : ns, roleRef.path("name").asText(), "roleRef", userGiven, problems);
        for (JsonNode subject : m.object().path("subjects")) {
            if (subject.path("kind").asText().equals("ServiceAccount")) {
                String subjectNs = subject.path("namespace").asText(m.kind().equals("RoleBinding") ? ns : "");
                if (subjectNs.isEmpty()) {
                    problems.add(m.id() + ": ServiceAccount subject " + subject.path("name").asText() + " has no namespace");
                } else {
                    require(m, "ServiceAccount", subjectNs, subject.path("name").asText(), "subject", userGiven, problems);
                }
            }
        }
    }

    private void checkService(Manifest m, String ns, List<String> problems) {
        JsonNode selector = m.object().at("/spec/selector");
        List<Manifest> targets = manifests.stream()
                .filter(t -> podSpec(t) != null && ns.equals(namespace(t)) && matches(selector, t.object().at("/spec/template/metadata/labels")))
                .toList();
        if (targets.isEmpty()) {
            problems.add(m.id() + ": its selector " + selector + " matches no pod template");
            return;
        }
        for (JsonNode port : m.object().at("/spec/ports")) {
            JsonNode target = port.path("targetPort");
            if (target.isTextual() && targets.stream().noneMatch(t -> containerPorts(podSpec(t)).contains(target.asText()))) {
                problems.add(m.id() + ": targetPort " + target.asText() + " is no container port of " + targets.get(0).id());
            }
        }
    }

    private void checkServiceMonitor(Manifest m, String ns, List<String> problems) {
        JsonNode selector = m.object().at("/spec/selector/matchLabels");
        Set<String> namespaces = new HashSet<>(texts(m.object().at("/spec/namespaceSelector/matchNames")));
        if (namespaces.isEmpty()) {
            namespaces.add(ns);
        }
        List<Manifest> services = manifests.stream()
                .filter(s -> "Service".equals(s.kind()) && namespaces.contains(namespace(s))
                        && matches(selector, s.object().at("/metadata/labels")))
                .toList();
        if (services.isEmpty()) {
            problems.add(m.id() + ": its selector " + selector + " matches no Service");
            return;
        }
        for (JsonNode endpoint : m.object().at("/spec/endpoints")) {
            String port = endpoint.path("port").asText();
            if (services.stream().noneMatch(s -> texts(s.object().at("/spec/ports"), "name").contains(port))) {
                problems.add(m.id() + ": endpoint port " + port + " is no port of " + services.get(0).id());
            }
        }
    }

    private void require(Manifest m, String kind, String ns, String name, String field, Set<String> userGiven,
                         List<String> problems) {
        boolean createdByKubernetes = kind.equals("ServiceAccount") && name.equals("default");
        if (find(kind, ns, name) == null && !userGiven.contains(key(kind, ns, name)) && !createdByKubernetes) {
            problems.add(m.id() + ": " + field + " refers to " + key(kind, ns, name) + ", which is neither created here "
                    + "nor a user-given name");
        }
    }

    private void requireKey(Manifest m, String kind, String ns, JsonNode ref, String field, Set<String> userGiven,
                            List<String> problems) {
        String name = ref.path("name").asText();
        Manifest target = find(kind, ns, name);
        if (target == null) {
            require(m, kind, ns, name, field, userGiven, problems);
            return;
        }
        String key = ref.path("key").asText();
        if (!target.object().path("data").has(key) && !target.object().path("stringData").has(key)) {
            problems.add(m.id() + ": " + field + " refers to the key " + key + " that " + target.id() + " does not have");
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    /** The object with this kind, namespace (null: cluster-scoped) and name, or null. */
    public Manifest find(String kind, String ns, String name) {
        for (Manifest m : manifests) {
            if (kind.equals(m.kind()) && name.equals(m.name()) && (ns == null || ns.equals(namespace(m)))) {
                return m;
            }
        }
        return null;
    }

    /** Every object of a kind. */
    public List<Manifest> all(String kind) {
        return manifests.stream().filter(m -> kind.equals(m.kind())).toList();
    }

    public static String key(String kind, String ns, String name) {
        return kind + "/" + (ns == null ? "" : ns + "/") + name;
    }

    /** The object's namespace; the default one for namespaced objects that name none. */
    public String namespace(Manifest m) {
        if (m.namespace() != null) {
            return m.namespace();
        }
        return Set.of("Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume",
                "StorageClass", "PriorityClass").contains(m.kind()) ? null : defaultNamespace;
    }

    /** The pod spec of a pod or pod-owning object, or null. */
    public static JsonNode podSpec(Manifest m) {
        if ("Pod".equals(m.kind())) {
            return m.object().path("spec");
        }
        if (POD_OWNERS.contains(m.kind())) {
            return m.object().at("/spec/template/spec");
        }
        return null;
    }

    /** Containers and init containers. */
    public static List<JsonNode> containers(JsonNode pod) {
        List<JsonNode> out = new ArrayList<>();
        pod.path("initContainers").forEach(out::add);
        pod.path("containers").forEach(out::add);
        return out;
    }

    private static String serviceAccount(JsonNode pod) {
        return pod.path("serviceAccountName").asText("default");
    }

    private boolean mountsToken(Manifest m, JsonNode pod) {
        if (pod.has("automountServiceAccountToken")) {
            return pod.path("automountServiceAccountToken").asBoolean();
        }
        Manifest account = find("ServiceAccount", namespace(m), serviceAccount(pod));
        return account == null || account.object().path("automountServiceAccountToken").asBoolean(true);
    }

    private boolean isBound(String ns, String account) {
        for (Manifest m : manifests) {
            if (("RoleBinding".equals(m.kind()) || "ClusterRoleBinding".equals(m.kind()))) {
                for (JsonNode subject : m.object().path("subjects")) {
                    if (subject.path("kind").asText().equals("ServiceAccount") && subject.path("name").asText().equals(account)
                            && subject.path("namespace").asText(namespace(m) == null ? "" : namespace(m)).equals(ns)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean mountsEmptyDirAt(JsonNode pod, JsonNode container, String path) {
        for (JsonNode mount : container.path("volumeMounts")) {
            if (path.equals(mount.path("mountPath").asText())) {
                for (JsonNode volume : pod.path("volumes")) {
                    if (volume.path("name").asText().equals(mount.path("name").asText()) && volume.has("emptyDir")) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static Set<String> containerPorts(JsonNode pod) {
        Set<String> ports = new HashSet<>();
        containers(pod).forEach(c -> ports.addAll(texts(c.path("ports"), "name")));
        return ports;
    }

    private static boolean matches(JsonNode selector, JsonNode labels) {
        if (selector == null || !selector.isObject() || selector.isEmpty()) {
            return false;
        }
        for (Map.Entry<String, JsonNode> entry : (Iterable<Map.Entry<String, JsonNode>>) selector::fields) {
            if (!entry.getValue().asText().equals(labels.path(entry.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }

    public static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static List<String> texts(JsonNode array, String field) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.path(field).asText()));
        return out;
    }
}
