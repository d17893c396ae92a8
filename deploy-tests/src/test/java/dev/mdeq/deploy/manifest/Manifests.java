package dev.mdeq.deploy.manifest;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reads multi-document yaml into Kubernetes objects, failing with the file and document on bad yaml. */
public final class Manifests {
    /** Duplicate keys are errors, as for the API server's yaml decoder (sigs.k8s.io/yaml, strict). */
    public static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private Manifests() {
    }

    /** Every object of a multi-document yaml text; empty documents (comments only) are skipped. */
    public static List<Manifest> parse(String yaml, String sourceName) {
        List<Manifest> out = new ArrayList<>();
        try (MappingIterator<JsonNode> documents = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            int index = 0;
            while (documents.hasNextValue()) {
                JsonNode document = documents.nextValue();
                index++;
                if (document == null || document.isNull() || document.isMissingNode()) {
                    continue;
                }
                if (!document.isObject()) {
                    throw new IllegalArgumentException(sourceName + " document " + index + " is not a yaml mapping: "
                            + document.getNodeType());
                }
                Manifest manifest = new Manifest(sourceName + "#" + index, (ObjectNode) document);
                if (manifest.apiVersion() == null || manifest.kind() == null) {
                    throw new IllegalArgumentException(manifest.source() + " has no apiVersion or kind");
                }
                out.add(manifest);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(sourceName + " is not valid yaml: " + e.getMessage(), e);
        }
        return out;
    }

    /** Every object of one file. */
    public static List<Manifest> load(Path file) {
        try {
            return parse(Files.readString(file), file.getFileName().toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Every .yaml/.yml file below a folder, in path order. */
    public static List<Path> yamlFiles(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** The only object of a given kind in a list; fails when there is none or more than one. */
    public static Manifest single(List<Manifest> manifests, String kind) {
        List<Manifest> found = manifests.stream().filter(m -> kind.equals(m.kind())).toList();
        if (found.size() != 1) {
            throw new AssertionError("expected one " + kind + ", found " + found.size());
        }
        return found.get(0);
    }
}
