package dev.mdeq.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the API server would do with the generated CRD, which the mock server does not: validate an
 * object against the openAPIV3Schema (with a JSON Schema validator, draft 4 as OpenAPI v3 schemas
 * are) and evaluate the x-kubernetes-validations CEL rules (with the CEL reference implementation),
 * at the root and on the spec's objects.
 */
public final class CrdRules {
    public static final String CRD_NAME = "mdeqtrainingjobs.mdeq.dev";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JSONSchemaProps root;
    private final Schema schema;
    private final Cel cel = CelFactory.standardCelBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("self", SimpleType.DYN)
            .addVar("oldSelf", SimpleType.DYN)
            .build();

    public CrdRules(KubernetesClient client) {
        CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions().withName(CRD_NAME).get();
        root = crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
        JsonNode schemaJson = JSON.valueToTree(root);
        strip(schemaJson);
        schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4).getSchema(schemaJson.toString());
    }

    public JSONSchemaProps root() {
        return root;
    }

    /** The schema's complaints about an object (as JSON), empty when it is valid. */
    public List<String> schemaErrors(Object resource) {
        JsonNode node = JSON.valueToTree(resource);
        return schema.validate(node).stream().map(Error::toString).toList();
    }

    /** The messages of the CEL rules an object breaks; {@code old} is null on create. */
    public List<String> celViolations(Map<String, Object> object, Map<String, Object> old) {
        List<String> violations = new ArrayList<>();
        check(root, object, old, violations);
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = (Map<String, Object>) object.get("spec");
        @SuppressWarnings("unchecked")
        Map<String, Object> oldSpec = old == null ? null : (Map<String, Object>) old.get("spec");
        if (spec != null) {
            check(root.getProperties().get("spec"), spec, oldSpec, violations);
            for (Map.Entry<String, JSONSchemaProps> property : root.getProperties().get("spec").getProperties().entrySet()) {
                Object value = spec.get(property.getKey());
                if (value != null) {
                    check(property.getValue(), value, oldSpec == null ? null : oldSpec.get(property.getKey()), violations);
                }
            }
        }
        return violations;
    }

    private void check(JSONSchemaProps props, Object self, Object old, List<String> violations) {
        if (props.getXKubernetesValidations() == null) {
            return;
        }
        for (ValidationRule rule : props.getXKubernetesValidations()) {
            boolean transition = rule.getRule().contains("oldSelf");
            if (transition && old == null) {
                continue;
            }
            try {
                CelRuntime.Program program = cel.createProgram(cel.compile(rule.getRule()).getAst());
                Map<String, Object> vars = new HashMap<>();
                vars.put("self", self);
                if (transition) {
                    vars.put("oldSelf", old);
                }
                if (!Boolean.TRUE.equals(program.eval(vars))) {
                    violations.add(rule.getMessage());
                }
            } catch (Exception e) {
                throw new IllegalStateException("CEL rule " + rule.getRule() + " cannot be evaluated: " + e.getMessage(), e);
            }
        }
    }

    /** An object as the API server's CEL sees it: maps, lists, strings, booleans, Long and Double. */
    public static Map<String, Object> celValue(Object resource) {
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) normalise(JSON.convertValue(resource, Map.class));
        return map;
    }

    private static Object normalise(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> {
                if (v != null) {
                    out.put(String.valueOf(k), normalise(v));
                }
            });
            return out;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(CrdRules::normalise).toList();
        }
        if (value instanceof Integer i) {
            return i.longValue();
        }
        if (value instanceof Float f) {
            return f.doubleValue();
        }
        return value;
    }

    /** Drops the Kubernetes extensions the JSON Schema validator does not know. */
    private static void strip(JsonNode node) {
        if (node instanceof ObjectNode object) {
            List<String> drop = new ArrayList<>();
            object.fieldNames().forEachRemaining(name -> {
                if (name.startsWith("x-kubernetes-")) {
                    drop.add(name);
                }
            });
            object.remove(drop);
            object.elements().forEachRemaining(CrdRules::strip);
        } else if (node != null && node.isArray()) {
            node.elements().forEachRemaining(CrdRules::strip);
        }
    }
}
