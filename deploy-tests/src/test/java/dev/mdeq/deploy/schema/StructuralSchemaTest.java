package dev.mdeq.deploy.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mdeq.deploy.manifest.Manifests;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The validator against small schemas written here, keyword by keyword, before it judges the real CRD. */
class StructuralSchemaTest {
    private static final StructuralSchema SCHEMA = new StructuralSchema(yaml("""
            type: object
            properties:
              spec:
                type: object
                required: [name]
                properties:
                  name: {type: string, pattern: "^[a-z]+$", maxLength: 5}
                  mode: {type: string, enum: [fast, slow], default: fast}
                  count: {type: integer, minimum: 0, maximum: 3}
                  ratio: {type: number, minimum: 0.25, exclusiveMaximum: true, maximum: 1}
                  port: {x-kubernetes-int-or-string: true}
                  labels: {type: object, additionalProperties: {type: string}, maxProperties: 2}
                  free: {type: object, x-kubernetes-preserve-unknown-fields: true}
                  list: {type: array, minItems: 1, maxItems: 2, items: {type: integer}}
                  a: {type: string}
                  b: {type: string}
                  flag: {type: boolean}
                x-kubernetes-validations:
                  - rule: "!(has(self.a) && has(self.b))"
                    message: "a and b exclude each other"
                  - rule: "!has(self.ratio) || self.ratio > 0.5 || self.count == 0"
                    message: "a small ratio needs count 0"
              status:
                type: object
                properties:
                  started: {type: boolean}
            x-kubernetes-validations:
              - rule: "!has(oldSelf.status) || !has(oldSelf.status.started) || self.spec.name == oldSelf.spec.name"
                message: "spec.name is immutable once started"
            """));

    @Test
    void acceptsAValidObjectAndAppliesDefaults() {
        assertEquals(List.of(), errors("""
                apiVersion: x/v1
                kind: X
                metadata: {name: ok, labels: {a: b}}
                spec:
                  name: abc
                  count: 3
                  ratio: 0.75
                  port: http
                  labels: {x: "1"}
                  free: {anything: [1, {deep: true}]}
                  list: [1, 2.0]
                """));
        // The default makes mode present: an enum violation cannot hide behind a missing field.
        assertEquals(List.of(), errors("spec: {name: a, port: 8080}"));
    }

    @Test
    void rejectsEachKeywordWithAPointedMessage() {
        assertEquals(List.of("spec.name: Required value"), errors("spec: {count: 1}"));
        assertEquals(List.of("spec.mode: Unsupported value: \"medium\": supported values: \"fast\", \"slow\""),
                errors("spec: {name: a, mode: medium}"));
        assertEquals(List.of("spec.count: Invalid value: -1: should be greater than or equal to 0"),
                errors("spec: {name: a, count: -1}"));
        assertEquals(List.of("spec.count: Invalid value: 4: should be less than or equal to 3"),
                errors("spec: {name: a, count: 4}"));
        assertEquals(List.of("spec.ratio: Invalid value: 1: should be less than 1"), errors("spec: {name: a, ratio: 1}"));
        assertEquals(List.of("spec.count: Invalid value: 1.5: must be of type integer"),
                errors("spec: {name: a, count: 1.5}"));
        assertEquals(List.of("spec.count: Invalid value: \"2\": must be of type integer"),
                errors("spec: {name: a, count: \"2\"}"));
        assertEquals(List.of("spec.name: Invalid value: \"aB\": should match '^[a-z]+$'"), errors("spec: {name: aB}"));
        assertEquals(List.of("spec.name: Too long: may not be more than 5 characters"), errors("spec: {name: abcdef}"));
        assertEquals(List.of("spec.port: Invalid value: true: must be of type integer or string"),
                errors("spec: {name: a, port: true}"));
        assertEquals(List.of("spec.labels.x: Invalid value: 1: must be of type string"),
                errors("spec: {name: a, labels: {x: 1}}"));
        assertEquals(List.of("spec.labels: Too many: 3: must have at most 2 properties"),
                errors("spec: {name: a, labels: {x: a, y: b, z: c}}"));
        assertEquals(List.of("spec.list: Invalid value: 0 items: should have at least 1"), errors("spec: {name: a, list: []}"));
        assertEquals(List.of("spec.list[1]: Invalid value: \"x\": must be of type integer"),
                errors("spec: {name: a, list: [1, x]}"));
        assertEquals(List.of("spec.nmae: unknown field \"spec.nmae\""), errors("spec: {name: a, nmae: b}"));
        assertEquals(List.of("spec.flag: Invalid value: \"yes please\": must be of type boolean"),
                errors("spec: {name: a, flag: yes please}"));
    }

    @Test
    void dropsNullsOfNonNullableFieldsAsTheApiServerDoes() {
        assertEquals(List.of(), errors("spec: {name: a, count: null}"));
        assertEquals(List.of("spec.name: Required value"), errors("spec: {name: null}"));
    }

    @Test
    void evaluatesCelRulesWithSchemaTypes() {
        assertEquals(List.of("spec: Invalid value: \"object\": a and b exclude each other"),
                errors("spec: {name: a, a: x, b: y}"));
        // ratio is a number: 1 is compared as the double 1.0 (an int would not compare with 0.5 in CEL).
        assertEquals(List.of(), errors("spec: {name: a, ratio: 0.75, count: 2}"));
        assertEquals(List.of("spec: Invalid value: \"object\": a small ratio needs count 0"),
                errors("spec: {name: a, ratio: 0.5, count: 2}"));
        // Rules run only once the schema holds.
        assertEquals(List.of("spec.count: Invalid value: \"many\": must be of type integer"),
                errors("spec: {name: a, a: x, b: y, count: many}"));
    }

    @Test
    void transitionRulesRunOnUpdatesOnly() {
        JsonNode started = yaml("spec: {name: a}\nstatus: {started: true}");
        JsonNode renamed = yaml("spec: {name: b}");
        assertEquals(List.of(), SCHEMA.validateCreate(renamed));
        assertEquals(List.of(), SCHEMA.validateUpdate(yaml("spec: {name: a}"), renamed));
        assertEquals(List.of("(root): Invalid value: \"object\": spec.name is immutable once started"),
                SCHEMA.validateUpdate(started, yaml("spec: {name: b}\nstatus: {started: true}")));
    }

    @Test
    void refusesSchemasUsingKeywordsItDoesNotImplement() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StructuralSchema(yaml("""
                type: object
                properties:
                  items: {type: array, x-kubernetes-list-type: map, items: {type: object}}
                """)));
        assertTrue(e.getMessage().contains("x-kubernetes-list-type"), e.getMessage());
    }

    private static List<String> errors(String yaml) {
        return SCHEMA.validateCreate(yaml(yaml));
    }

    static JsonNode yaml(String text) {
        try {
            return Manifests.YAML.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
