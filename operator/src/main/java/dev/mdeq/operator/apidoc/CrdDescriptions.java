package dev.mdeq.operator.apidoc;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.mdeq.operator.api.MdeqTrainingJob;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * Fills the CRD schema's descriptions from the Javadoc of the resource's classes (collected at
 * compile time by {@link ApiDocProcessor}). Applied by the CRD generator to the root schema of
 * {@link MdeqTrainingJob}; walks the schema alongside the Java types. A property without Javadoc
 * fails the build: every field of the resource is documented.
 */
public final class CrdDescriptions implements SchemaCustomizer.Customizer {

    @Override
    public JSONSchemaProps apply(JSONSchemaProps root, String input, KubernetesSerialization serialization) {
        Properties docs = load();
        root.setDescription(require(docs, MdeqTrainingJob.class.getName()));
        for (String part : List.of("spec", "status")) {
            JSONSchemaProps schema = root.getProperties().get(part);
            Class<?> type = part.equals("spec") ? specClass() : statusClass();
            schema.setDescription(require(docs, type.getName()));
            describeObject(schema, type, docs);
        }
        return root;
    }

    private static void describeObject(JSONSchemaProps schema, Class<?> type, Properties docs) {
        if (schema.getProperties() == null) {
            return;
        }
        for (Map.Entry<String, JSONSchemaProps> property : schema.getProperties().entrySet()) {
            String name = property.getKey();
            Type javaType = memberType(type, name);
            JSONSchemaProps propertySchema = property.getValue();
            Class<?> raw = rawClass(javaType);
            propertySchema.setDescription(require(docs, type.getName() + "#" + name) + enumValues(raw, docs));
            if (List.class.isAssignableFrom(raw) && propertySchema.getItems() != null) {
                Class<?> element = rawClass(((ParameterizedType) javaType).getActualTypeArguments()[0]);
                if (isApiType(element)) {
                    describeObject(propertySchema.getItems().getSchema(), element, docs);
                }
            } else if (isApiType(raw) && !raw.isEnum()) {
                describeObject(propertySchema, raw, docs);
            }
        }
    }

    /** "Values: a (doc); b (doc)." for enums, so that kubectl explain lists them. */
    private static String enumValues(Class<?> type, Properties docs) {
        if (!type.isEnum() || !isApiType(type)) {
            return "";
        }
        return Arrays.stream(type.getFields())
                .filter(Field::isEnumConstant)
                .map(f -> wireName(f) + " (" + require(docs, type.getName() + "#" + f.getName()) + ")")
                .collect(Collectors.joining("; ", " Values: ", "."));
    }

    private static String wireName(Field constant) {
        JsonProperty property = constant.getAnnotation(JsonProperty.class);
        return property != null ? property.value() : constant.getName();
    }

    private static Type memberType(Class<?> type, String name) {
        if (type.isRecord()) {
            for (RecordComponent component : type.getRecordComponents()) {
                if (component.getName().equals(name)) {
                    return component.getGenericType();
                }
            }
        }
        throw new IllegalStateException("CRD property " + name + " has no record component in " + type.getName());
    }

    private static Class<?> rawClass(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p) {
            return (Class<?>) p.getRawType();
        }
        throw new IllegalStateException("unsupported type in the resource: " + type);
    }

    private static boolean isApiType(Class<?> type) {
        return type.getPackageName().equals(ApiDocProcessor.API_PACKAGE);
    }

    private static String require(Properties docs, String key) {
        String text = docs.getProperty(key);
        if (text == null || text.isBlank()) {
            throw new IllegalStateException("no Javadoc for " + key + ": every field of the resource must be documented "
                    + "(it becomes the CRD's description)");
        }
        return text;
    }

    private static Class<?> specClass() {
        return dev.mdeq.operator.api.MdeqTrainingJobSpec.class;
    }

    private static Class<?> statusClass() {
        return dev.mdeq.operator.api.MdeqTrainingJobStatus.class;
    }

    private static Properties load() {
        Properties docs = new Properties();
        try (InputStream in = CrdDescriptions.class.getClassLoader().getResourceAsStream(ApiDocProcessor.RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(ApiDocProcessor.RESOURCE + " is missing: the " + ApiDocProcessor.class.getSimpleName()
                        + " annotation processor did not run");
            }
            docs.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return docs;
    }
}
