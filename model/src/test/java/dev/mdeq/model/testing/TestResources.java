package dev.mdeq.model.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

/**
 * A test resource as a file: itself when the class path holds it as a file (this module's tests),
 * else a copy made once per JVM (the modules above read it from the model test-jar).
 */
public final class TestResources {
    private static final Map<String, Path> COPIES = new HashMap<>();

    private TestResources() {
    }

    /** The resource at the absolute class-path name {@code name} (e.g. {@code /dev/mdeq/model/reference/x.npz}). */
    public static synchronized Path path(String name) {
        URL url = TestResources.class.getResource(name);
        if (url == null) {
            throw new IllegalArgumentException("no test resource " + name);
        }
        try {
            if (url.getProtocol().equals("file")) {
                return Path.of(url.toURI());
            }
            Path copy = COPIES.get(name);
            if (copy == null) {
                Path folder = Files.createTempDirectory("mdeq-test-resource-");
                copy = folder.resolve(name.substring(name.lastIndexOf('/') + 1));
                try (InputStream in = url.openStream()) {
                    Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
                }
                copy.toFile().deleteOnExit();
                folder.toFile().deleteOnExit();
                COPIES.put(name, copy);
            }
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
