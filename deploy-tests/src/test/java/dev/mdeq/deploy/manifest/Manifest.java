package dev.mdeq.deploy.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One Kubernetes object read from a yaml file (one document of a multi-document file).
 *
 * @param source where it came from (file and document number), for messages
 * @param object the object itself
 */
public record Manifest(String source, ObjectNode object) {

    public String apiVersion() {
        return object.path("apiVersion").asText(null);
    }

    public String kind() {
        return object.path("kind").asText(null);
    }

    public String name() {
        return object.path("metadata").path("name").asText(null);
    }

    /** The namespace written in the object, or null. */
    public String namespace() {
        return object.path("metadata").path("namespace").asText(null);
    }

    /** The object at a slash-free dotted path such as spec.template.spec, or a missing node. */
    public JsonNode at(String dottedPath) {
        JsonNode node = object;
        for (String part : dottedPath.split("\\.")) {
            node = node.path(part);
        }
        return node;
    }

    /** kind/namespace/name, for messages. */
    public String id() {
        return kind() + " " + (namespace() == null ? "" : namespace() + "/") + name() + " (" + source + ")";
    }
}
