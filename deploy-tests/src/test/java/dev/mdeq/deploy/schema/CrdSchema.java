package dev.mdeq.deploy.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mdeq.deploy.manifest.Manifest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What the API server checks when a custom resource of a CRD is created or updated: apiVersion
 * (group and a served version), kind, metadata.name, then the version's structural schema
 * ({@link StructuralSchema}). With the status subresource the main endpoint ignores status: it is
 * dropped on create and kept from the old object on update, as the API server does.
 */
public final class CrdSchema {
    /** DNS-1123 subdomain: the rule for names of custom resources. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private final String group;
    private final String kind;
    private final Map<String, StructuralSchema> served = new LinkedHashMap<>();
    private final Map<String, Boolean> statusSubresource = new LinkedHashMap<>();

    private CrdSchema(Manifest crd) {
        if (!"CustomResourceDefinition".equals(crd.kind()) || !"apiextensions.k8s.io/v1".equals(crd.apiVersion())) {
            throw new IllegalArgumentException(crd.source() + " is not an apiextensions.k8s.io/v1 CustomResourceDefinition");
        }
        JsonNode spec = crd.object().path("spec");
        group = spec.path("group").asText();
        kind = spec.path("names").path("kind").asText();
        for (JsonNode version : spec.path("versions")) {
            if (version.path("served").asBoolean()) {
                String name = version.path("name").asText();
                served.put(name, new StructuralSchema(version.path("schema").path("openAPIV3Schema")));
                statusSubresource.put(name, version.path("subresources").has("status"));
            }
        }
    }

    public static CrdSchema of(Manifest crd) {
        return new CrdSchema(crd);
    }

    /** group/version of every served version. */
    public List<String> apiVersions() {
        return served.keySet().stream().map(v -> group + "/" + v).toList();
    }

    public String kind() {
        return kind;
    }

    /** The errors the API server would answer a create with; empty if it accepts it. */
    public List<String> validateCreate(JsonNode object) {
        List<String> errors = new ArrayList<>();
        String version = checkHeader(object, errors);
        if (version == null) {
            return errors;
        }
        ObjectNode body = object.deepCopy();
        if (statusSubresource.get(version)) {
            body.remove("status");
        }
        errors.addAll(served.get(version).validateCreate(body));
        return errors;
    }

    /** The errors of an update from {@code old} (as stored, with its status) to {@code updated}. */
    public List<String> validateUpdate(JsonNode old, JsonNode updated) {
        List<String> errors = new ArrayList<>();
        String version = checkHeader(updated, errors);
        if (version == null) {
            return errors;
        }
        ObjectNode body = updated.deepCopy();
        if (statusSubresource.get(version)) {
            body.remove("status");
            if (old.has("status")) {
                body.set("status", old.get("status").deepCopy());
            }
        }
        errors.addAll(served.get(version).validateUpdate(old, body));
        return errors;
    }

    /** The served version named by apiVersion, or null after adding the errors. */
    private String checkHeader(JsonNode object, List<String> errors) {
        String apiVersion = object.path("apiVersion").asText("");
        String version = apiVersion.startsWith(group + "/") ? apiVersion.substring(group.length() + 1) : null;
        if (version == null || !served.containsKey(version)) {
            errors.add("apiVersion: Invalid value: \"" + apiVersion + "\": served versions are " + apiVersions());
            return null;
        }
        if (!kind.equals(object.path("kind").asText())) {
            errors.add("kind: Invalid value: \"" + object.path("kind").asText() + "\": expected " + kind);
        }
        String name = object.path("metadata").path("name").asText("");
        if (name.isEmpty()) {
            errors.add("metadata.name: Required value");
        } else if (name.length() > 253 || !NAME.matcher(name).matches()) {
            errors.add("metadata.name: Invalid value: \"" + name + "\": a lowercase RFC 1123 subdomain must consist of "
                    + "lower case alphanumeric characters, '-' or '.'");
        }
        return errors.isEmpty() ? version : null;
    }
}
