package dev.mdeq.containers;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds the images of docker/ once per test run, from the repository root (what
 * {@code mvn package} made in cli/target and operator/target), on the base image named by
 * {@code containerTests.base} (default {@code localhost/mdeq-base:bookworm-jre17}, made by
 * docker/debian-base.sh): the CPU runtime image and the operator image, tagged as the docs name them.
 * Prints each build's time and the image's size.
 */
final class Images {
    static final String RUNTIME_CPU = "ghcr.io/mdeq/mdeq:0.1.0-cpu";
    static final String OPERATOR = "ghcr.io/mdeq/mdeq-operator:0.1.0";
    private static final Map<String, String> BUILT = new LinkedHashMap<>();

    private Images() {
    }

    static String base() {
        String base = System.getProperty("containerTests.base", "");
        return base.isBlank() ? "localhost/mdeq-base:bookworm-jre17" : base;
    }

    /** The CPU runtime image (docker/runtime-cpu.Dockerfile). */
    static synchronized String runtimeCpu() {
        return build(RUNTIME_CPU, "docker/runtime-cpu.Dockerfile");
    }

    /** The operator image (docker/operator.Dockerfile). */
    static synchronized String operator() {
        return build(OPERATOR, "docker/operator.Dockerfile");
    }

    private static String build(String tag, String dockerfile) {
        if (BUILT.containsKey(tag)) {
            return tag;
        }
        Podman.assumeEnabled();
        assertTrue(Podman.imageExists(base()), "the base image " + base() + " is missing: make it with "
                + "docker/debian-base.sh (root, mmdebstrap) or name another Java 17 image with -DcontainerTests.base=");
        long start = System.nanoTime();
        Podman.check(Duration.ofMinutes(10), "build", "--pull=never", "--build-arg", "BASE_IMAGE=" + base(),
                "-f", Podman.repo().resolve(dockerfile).toString(), "-t", tag, Podman.repo().toString());
        long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
        String size = Podman.check(Duration.ofMinutes(1), "image", "inspect", "--format", "{{.Size}}", tag).trim();
        System.err.printf("[mdeq] built %s from %s on %s in %d s: %.0f MB%n", tag, dockerfile, base(), seconds,
                Long.parseLong(size) / 1e6);
        BUILT.put(tag, size);
        return tag;
    }
}
