package dev.mdeq.deploy.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;
import java.util.TreeSet;

/** The rights a Role or ClusterRole grants, one "group|resource|verb" string per right (no wildcards allowed). */
public final class RbacGrants {
    private RbacGrants() {
    }

    public static Set<String> of(Manifest role) {
        Set<String> grants = new TreeSet<>();
        for (JsonNode rule : role.object().path("rules")) {
            for (JsonNode group : rule.path("apiGroups")) {
                for (JsonNode resource : rule.path("resources")) {
                    for (JsonNode verb : rule.path("verbs")) {
                        if (group.asText().equals("*") || resource.asText().equals("*") || verb.asText().equals("*")) {
                            throw new AssertionError(role.id() + " grants a wildcard: " + rule);
                        }
                        grants.add(group.asText() + "|" + resource.asText() + "|" + verb.asText());
                    }
                }
            }
            if (rule.has("resourceNames") || rule.has("nonResourceURLs")) {
                throw new AssertionError(role.id() + ": resourceNames/nonResourceURLs are not expected: " + rule);
            }
        }
        return grants;
    }
}
