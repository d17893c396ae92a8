package dev.mdeq.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The experiment presets shipped in the repository's {@code experiments/} folder (bundled into
 * this module's jar), named by their path without {@code .yaml}: {@code cityscapes/seg_mdeq_SMALL}.
 */
public final class Presets {
    private static final String ROOT = "/experiments/";

    private Presets() {
    }

    /** Every preset name, sorted. */
    public static List<String> names() {
        URL root = Presets.class.getResource(ROOT);
        if (root == null) {
            return List.of();
        }
        try {
            URI uri = root.toURI();
            if (uri.getScheme().equals("jar")) {
                FileSystem fs;
                try {
                    fs = FileSystems.newFileSystem(uri, Map.of());
                } catch (FileSystemAlreadyExistsException e) {
                    fs = FileSystems.getFileSystem(uri);
                }
                return list(fs.getPath(ROOT));
            }
            return list(Path.of(uri));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> list(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.getFileName() != null && p.getFileName().toString().endsWith(".yaml"))
                    .map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .map(name -> name.substring(0, name.length() - ".yaml".length()))
                    .sorted()
                    .toList();
        }
    }

    /** True when {@code name} is a shipped preset. */
    public static boolean exists(String name) {
        return isSafeName(name) && Presets.class.getResource(ROOT + name + ".yaml") != null;
    }

    /** The preset's yaml text, or a ConfigException listing the valid names. */
    public static String yaml(String name) {
        if (!exists(name)) {
            throw new ConfigException("unknown experiment preset '" + name + "'; valid presets: " + names());
        }
        try (InputStream in = Presets.class.getResourceAsStream(ROOT + name + ".yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Resolves a preset with overrides ({@code KEY VALUE ...}). */
    public static ExperimentConfig load(String name, List<String> overrides) {
        return ConfigLoader.parse(yaml(name), "preset " + name, overrides);
    }

    private static boolean isSafeName(String name) {
        return name != null && !name.isEmpty() && name.matches("[A-Za-z0-9_./-]+")
                && !name.contains("..") && !name.startsWith("/");
    }
}
