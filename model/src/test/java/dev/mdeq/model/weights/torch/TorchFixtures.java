package dev.mdeq.model.weights.torch;

import java.util.stream.Stream;
import java.util.HashMap;
import java.nio.file.FileSystems;
import java.nio.file.FileSystem;
import java.net.URI;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.model.weights.RawTensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The checkpoint fixtures in src/test/resources/torch (written once by make_fixtures.py with a
 * real PyTorch) and their expected contents from expected.json / expected.bin. Public for the
 * tests of the weights loaders and commands that use the same files.
 */
public final class TorchFixtures {
    private static final Map<String, Path> FOLDERS = new HashMap<>();

    public static final List<String> VERSIONS = List.of("torch-1.13", "torch-2.13");

    /** One good fixture file and what it must read as. */
    public record Expected(Path file, String format, String kind, Map<String, RawTensor> stateDict,
                    Map<String, String> sourceDtypes, Map<String, RawTensor> modelEntries, long parameters,
                    long buffers, List<String> skipped) {
        @Override
        public String toString() {
            return file.getParent().getFileName() + "/" + file.getFileName();
        }
    }

    private TorchFixtures() {
    }

    /** Bytes from ints and chars (one byte each) and strings (ISO-8859-1): for pickles written by hand. */
    public static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            if (part instanceof Integer b) {
                out.write(b);
            } else if (part instanceof Character c) {
                out.write(c);
            } else {
                out.writeBytes(((String) part).getBytes(StandardCharsets.ISO_8859_1));
            }
        }
        return out.toByteArray();
    }

    /**
     * The folder of one PyTorch version's fixtures. From the model module's own tests a folder on the
     * class path; from the modules above (the model test-jar) a copy unpacked once per JVM.
     */
    public static synchronized Path folder(String version) {
        return FOLDERS.computeIfAbsent(version, TorchFixtures::locate);
    }

    private static Path locate(String version) {
        try {
            URI expected = TorchFixtures.class.getResource("/torch/" + version + "/expected.json").toURI();
            if (!"jar".equals(expected.getScheme())) {
                return Path.of(expected).getParent();
            }
            Path copy = Files.createTempDirectory("mdeq-torch-fixtures-");
            try (FileSystem jar = FileSystems.newFileSystem(expected, Map.of());
                    Stream<Path> files = Files.walk(jar.getPath("/torch/" + version))) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    Files.copy(file, copy.resolve(file.getFileName().toString()));
                }
            }
            return copy;
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path file(String name) {
        return folder("torch-1.13").resolve(name);
    }

    /** Path of the file the malicious fixtures would create if their payload ran. */
    public static Path marker() {
        return Path.of(json("torch-1.13").get("marker").asText());
    }

    static List<Expected> all() {
        List<Expected> out = new ArrayList<>();
        VERSIONS.forEach(version -> out.addAll(expected(version)));
        return out;
    }

    public static Expected expected(String version, String name) {
        return expected(version).stream().filter(e -> e.file().getFileName().toString().equals(name)).findFirst()
                .orElseThrow();
    }

    private static JsonNode json(String version) {
        try {
            return RunJson.mapper().readTree(folder(version).resolve("expected.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Expected> expected(String version) {
        JsonNode root = json(version);
        byte[] blob;
        try {
            blob = Files.readAllBytes(folder(version).resolve("expected.bin"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Expected> out = new ArrayList<>();
        root.get("files").fields().forEachRemaining(file -> {
            JsonNode spec = file.getValue();
            Map<String, String> dtypes = new LinkedHashMap<>();
            Map<String, RawTensor> stateDict = entries(spec.get("state_dict"), root.get("tensors"), blob, dtypes);
            Map<String, RawTensor> model = entries(spec.get("model_entries"), root.get("tensors"), blob, new LinkedHashMap<>());
            List<String> skipped = new ArrayList<>();
            spec.get("skipped").forEach(key -> skipped.add(key.asText()));
            out.add(new Expected(folder(version).resolve(file.getKey()), spec.get("format").asText(),
                    spec.get("kind").asText(), stateDict, dtypes, model, spec.get("parameters").asLong(),
                    spec.get("buffers").asLong(), skipped));
        });
        return out;
    }

    private static Map<String, RawTensor> entries(JsonNode list, JsonNode tensors, byte[] blob, Map<String, String> dtypes) {
        Map<String, RawTensor> out = new LinkedHashMap<>();
        list.forEach(pair -> {
            JsonNode tensor = tensors.get(pair.get(1).asText());
            long[] shape = new long[tensor.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = tensor.get("shape").get(i).asLong();
            }
            ByteBuffer data = ByteBuffer.wrap(blob, tensor.get("offset").asInt(), tensor.get("nbytes").asInt());
            RawTensor.Type type = RawTensor.Type.valueOf(tensor.get("dtype").asText().toUpperCase());
            out.put(pair.get(0).asText(), new RawTensor(type, shape, data));
            dtypes.put(pair.get(0).asText(), tensor.get("source_dtype").asText());
        });
        return out;
    }
}
