package dev.mdeq.operator.podtemplate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mdeq.operator.refusal.InvalidSpecException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A user's pod template (a Kubernetes PodTemplateSpec) merged onto the pod template the operator
 * generates for a role ({@link TemplateMerge} says how). Before the merge the template is parsed, and
 * refused, with the path of every offending field, when it names an unknown field or changes what the
 * operator owns:
 * <ul>
 *   <li>metadata other than labels and annotations, and the operator's labels;
 *   <li>the pod's restartPolicy, terminationGracePeriodSeconds, serviceAccountName, priorityClassName,
 *       automountServiceAccountToken and host namespaces (each may repeat the operator's value);
 *   <li>the main container's image, command, args, the environment variables, volumes and mounts the
 *       operator sets (except volumes it lets a template replace, such as the data cache), and GPUs;
 *   <li>the security minimums of the 'restricted' Pod Security Standard, on the pod and every container.
 * </ul>
 * Containers the template adds get the main container's security context as their default.
 */
public final class PodTemplateOverride {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Serializes without the models' catch-all additionalProperties: what is left out was an unknown field. */
    private static final ObjectMapper KNOWN_FIELDS_ONLY = new ObjectMapper()
            .setAnnotationIntrospector(new JacksonAnnotationIntrospector() {
                @Override
                public Boolean hasAnyGetter(Annotated annotated) {
                    return false;
                }
            });
    private static final Map<String, String> OWNED_POD_FIELDS = Map.of(
            "restartPolicy", "the operator's (Never: the Job makes a new pod, which resumes from the latest checkpoint)",
            "terminationGracePeriodSeconds", "the operator's (RUN.SHUTDOWN_GRACE_SECONDS plus "
                    + "mdeq.termination-grace-margin-seconds, so that the trainer can checkpoint on SIGTERM)",
            "serviceAccountName", "set by spec.trainer.serviceAccountName",
            "priorityClassName", "set by spec.trainer.priorityClassName",
            "automountServiceAccountToken", "the operator's (false: the pods never call the Kubernetes API)",
            "hostNetwork", "not allowed (restricted Pod Security Standard)",
            "hostPID", "not allowed (restricted Pod Security Standard)",
            "hostIPC", "not allowed (restricted Pod Security Standard)",
            "ephemeralContainers", "not allowed in a pod template");
    private static final Set<String> GPU_RESOURCES = Set.of("nvidia.com/gpu");

    private PodTemplateOverride() {
    }

    /**
     * The generated template with {@code template} merged onto it, or {@code generated} itself when there
     * is no template.
     *
     * @param template the user's template as the resource holds it (null: none)
     * @param path the template's field path, e.g. {@code spec.trainer.podTemplate}, named in errors
     * @param mainContainer the name of the operator's container
     * @param replaceableVolumes volumes of the generated pod that the template may replace by name
     * @throws InvalidSpecException naming each field of the template that is unknown or not allowed
     */
    public static PodTemplateSpec apply(PodTemplateSpec generated, Map<String, Object> template, String path,
            String mainContainer, Set<String> replaceableVolumes) {
        if (template == null || template.isEmpty()) {
            return generated;
        }
        ObjectNode tree = JSON.valueToTree(template);
        PodTemplateSpec parsed = parse(tree, path);
        List<String> errors = new ArrayList<>();
        unknownFields(tree, KNOWN_FIELDS_ONLY.valueToTree(parsed), path, errors);
        new Rules(generated, path, mainContainer, replaceableVolumes, errors).check(tree);
        if (!errors.isEmpty()) {
            throw InvalidSpecException.spec(String.join("; ", errors));
        }
        ObjectNode merged = JSON.valueToTree(generated);
        defaultSecurityContexts(tree, merged, mainContainer);
        TemplateMerge.merge(merged, tree);
        try {
            return JSON.treeToValue(merged, PodTemplateSpec.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the merged pod template of " + path + " does not parse", e);
        }
    }

    private static PodTemplateSpec parse(ObjectNode tree, String path) {
        try {
            return JSON.treeToValue(tree, PodTemplateSpec.class);
        } catch (JsonMappingException e) {
            String at = e.getPath().stream().map(PodTemplateOverride::segment).collect(Collectors.joining());
            throw InvalidSpecException.spec(path + at + ": not a valid value of a pod template ("
                    + e.getOriginalMessage().lines().findFirst().orElse("") + ")");
        } catch (JsonProcessingException e) {
            throw InvalidSpecException.spec(path + ": not a pod template (" + e.getOriginalMessage() + ")");
        }
    }

    private static String segment(JsonMappingException.Reference reference) {
        return reference.getFieldName() != null ? "." + reference.getFieldName() : "[" + reference.getIndex() + "]";
    }

    /** Fields of the template that a pod template does not have (a typo would otherwise vanish silently). */
    private static void unknownFields(JsonNode given, JsonNode known, String path, List<String> errors) {
        if (given.isObject()) {
            given.properties().forEach(field -> {
                JsonNode value = field.getValue();
                String at = path + "." + field.getKey();
                if (!known.has(field.getKey())) {
                    if (!value.isNull() && !(value.isContainerNode() && value.isEmpty())) {
                        errors.add(at + ": unknown field of a pod template");
                    }
                } else {
                    unknownFields(value, known.get(field.getKey()), at, errors);
                }
            });
        } else if (given.isArray() && known.isArray()) {
            for (int i = 0; i < Math.min(given.size(), known.size()); i++) {
                unknownFields(given.get(i), known.get(i), path + "[" + i + "]", errors);
            }
        }
    }

    /** Containers the template adds start from the main container's security context. */
    private static void defaultSecurityContexts(ObjectNode template, ObjectNode generated, String mainContainer) {
        JsonNode main = null;
        for (JsonNode container : generated.path("spec").path("containers")) {
            if (mainContainer.equals(container.path("name").asText())) {
                main = container.get("securityContext");
            }
        }
        if (main == null) {
            return;
        }
        for (String list : List.of("containers", "initContainers")) {
            for (JsonNode container : template.path("spec").path(list)) {
                if (container instanceof ObjectNode object && !mainContainer.equals(container.path("name").asText())) {
                    ObjectNode securityContext = main.deepCopy();
                    if (object.get("securityContext") instanceof ObjectNode given) {
                        TemplateMerge.merge(securityContext, given);
                    }
                    object.set("securityContext", securityContext);
                }
            }
        }
    }

    /** The checks of a template's fields against the generated pod. */
    private record Rules(PodTemplateSpec generated, String path, String mainContainer, Set<String> replaceableVolumes,
            List<String> errors) {

        void check(ObjectNode template) {
            template.path("metadata").properties().forEach(field -> {
                if (!Set.of("labels", "annotations").contains(field.getKey())) {
                    errors.add(path + ".metadata." + field.getKey() + ": only labels and annotations may be set");
                }
            });
            Set<String> ownedLabels = generated.getMetadata().getLabels().keySet();
            template.path("metadata").path("labels").fieldNames().forEachRemaining(label -> {
                if (ownedLabels.contains(label)) {
                    errors.add(path + ".metadata.labels[\"" + label + "\"]: is the operator's label (the operator "
                            + "finds its pods by it); use another key");
                }
            });
            JsonNode spec = template.path("spec");
            JsonNode generatedSpec = JSON.valueToTree(generated.getSpec());
            OWNED_POD_FIELDS.forEach((field, owner) -> {
                if (spec.has(field) && !spec.get(field).equals(generatedSpec.get(field))) {
                    errors.add(path + ".spec." + field + ": is " + owner + "; remove it");
                }
            });
            podSecurity(spec.path("securityContext"), path + ".spec.securityContext");
            volumes(spec.path("volumes"));
            containers(spec.path("containers"), "containers");
            containers(spec.path("initContainers"), "initContainers");
        }

        private void podSecurity(JsonNode context, String at) {
            mustNot(context, "runAsNonRoot", JsonNode::isBoolean, false, at, "must stay true");
            mustNot(context, "runAsUser", JsonNode::isNumber, 0, at, "must not be 0 (root)");
            String seccomp = context.path("seccompProfile").path("type").asText("RuntimeDefault");
            if (!Set.of("RuntimeDefault", "Localhost").contains(seccomp)) {
                errors.add(at + ".seccompProfile.type: must be RuntimeDefault or Localhost (restricted Pod Security "
                        + "Standard), not " + seccomp);
            }
        }

        private void containerSecurity(JsonNode context, String at) {
            podSecurity(context, at);
            mustNot(context, "privileged", JsonNode::isBoolean, true, at, "must not be true");
            mustNot(context, "allowPrivilegeEscalation", JsonNode::isBoolean, true, at, "must stay false");
            mustNot(context, "readOnlyRootFilesystem", JsonNode::isBoolean, false, at,
                    "must stay true (mount a volume where the container writes)");
            if (!context.path("capabilities").path("add").isEmpty()) {
                errors.add(at + ".capabilities.add: no capabilities may be added (restricted Pod Security Standard)");
            }
        }

        private void mustNot(JsonNode context, String field, Predicate<JsonNode> typed, Object bad,
                String at, String why) {
            JsonNode value = context.path(field);
            if (typed.test(value) && value.asText().equals(String.valueOf(bad))) {
                errors.add(at + "." + field + ": " + why + " (restricted Pod Security Standard)");
            }
        }

        private void volumes(JsonNode volumes) {
            Set<String> owned = ownedVolumes();
            for (int i = 0; i < volumes.size(); i++) {
                JsonNode volume = volumes.get(i);
                String at = path + ".spec.volumes[" + i + "]";
                if (owned.contains(volume.path("name").asText())) {
                    errors.add(at + ".name: " + volume.path("name").asText() + " is a volume of the operator's; "
                            + "choose another name" + replaceableHint());
                }
                if (volume.has("hostPath")) {
                    errors.add(at + ".hostPath: not allowed (restricted Pod Security Standard)");
                }
            }
        }

        private void containers(JsonNode containers, String list) {
            Container main = generated.getSpec().getContainers().stream()
                    .filter(c -> c.getName().equals(mainContainer)).findFirst().orElseThrow();
            for (int i = 0; i < containers.size(); i++) {
                JsonNode container = containers.get(i);
                String at = path + ".spec." + list + "[" + i + "]";
                containerSecurity(container.path("securityContext"), at + ".securityContext");
                if (list.equals("containers") && mainContainer.equals(container.path("name").asText())) {
                    mainContainer(container, main, at);
                } else if (!container.hasNonNull("image")) {
                    errors.add(at + ".image: required for a container the template adds");
                }
            }
        }

        private void mainContainer(JsonNode container, Container main, String at) {
            if (container.has("image")) {
                errors.add(at + ".image: is set by spec.trainer.image (spec.evaluation.image for the evaluator and merge "
                        + "pods); remove it");
            }
            for (String field : List.of("command", "args")) {
                if (container.has(field)) {
                    errors.add(at + "." + field + ": is the operator's (the run contract: the mdeq command and its "
                            + "arguments); remove it");
                }
            }
            Set<String> ownedEnv = main.getEnv().stream().map(e -> e.getName()).collect(Collectors.toSet());
            JsonNode env = container.path("env");
            for (int j = 0; j < env.size(); j++) {
                if (ownedEnv.contains(env.get(j).path("name").asText())) {
                    errors.add(at + ".env[" + j + "].name: " + env.get(j).path("name").asText() + " is set by the "
                            + "operator (the run contract); use another name");
                }
            }
            Set<String> owned = ownedVolumes();
            Set<String> ownedPaths = main.getVolumeMounts().stream().filter(m -> owned.contains(m.getName()))
                    .map(VolumeMount::getMountPath).collect(Collectors.toSet());
            JsonNode mounts = container.path("volumeMounts");
            for (int j = 0; j < mounts.size(); j++) {
                JsonNode mount = mounts.get(j);
                if (owned.contains(mount.path("name").asText()) || ownedPaths.contains(mount.path("mountPath").asText())) {
                    errors.add(at + ".volumeMounts[" + j + "]: " + mount.path("name").asText() + " at "
                            + mount.path("mountPath").asText() + " is a mount of the operator's; use another volume "
                            + "and path" + replaceableHint());
                }
            }
            for (String kind : List.of("limits", "requests")) {
                container.path("resources").path(kind).fieldNames().forEachRemaining(resource -> {
                    if (GPU_RESOURCES.contains(resource)) {
                        errors.add(at + ".resources." + kind + "[\"" + resource + "\"]: is set by spec.trainer.gpus "
                                + "(spec.evaluation.gpus for the evaluator); remove it");
                    }
                });
            }
        }

        private Set<String> ownedVolumes() {
            return generated.getSpec().getVolumes().stream().map(Volume::getName)
                    .filter(name -> !replaceableVolumes.contains(name)).collect(Collectors.toSet());
        }

        private String replaceableHint() {
            List<String> replaceable = generated.getSpec().getVolumes().stream().map(Volume::getName)
                    .filter(replaceableVolumes::contains).sorted().toList();
            return replaceable.isEmpty() ? "" : " (the volumes " + String.join(", ", replaceable)
                    + " may be replaced by a volume of the same name)";
        }
    }
}
