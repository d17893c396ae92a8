package dev.mdeq.containers;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The container engine for these tests: podman, run as a command. The tests run only when enabled
 * ({@code -Pcontainers}, i.e. {@code -DcontainerTests=true}; {@code .ci/run} enables them after
 * installing podman, buildah, mmdebstrap and runc and making the base image). Enabled but without a
 * working podman or base image, they fail rather than skip, so that CI never passes them unseen.
 *
 * <p>The OCI runtime is {@code runc} ({@code crun} refuses this machine kind's hybrid cgroup layout;
 * override with {@code -DcontainerTests.runtime=}).
 */
final class Podman {
    static final String SKIP_MESSAGE = "container tests skipped: they need podman and a Java 17 base image, and run "
            + "only with -Pcontainers (.ci/run installs podman, makes the base with docker/debian-base.sh and enables them)";
    private static boolean announced;

    private Podman() {
    }

    /** Skips the calling test class unless the container tests are enabled; fails when enabled but unusable. */
    static synchronized void assumeEnabled() {
        if (!Boolean.getBoolean("containerTests")) {
            if (!announced) {
                System.err.println("[mdeq] " + SKIP_MESSAGE);
                announced = true;
            }
            Assumptions.assumeTrue(false, SKIP_MESSAGE);
        }
        Result version = run(Duration.ofMinutes(1), "version", "--format", "{{.Client.Version}}");
        if (version.exit() != 0) {
            fail("container tests enabled (-Pcontainers) but podman does not work:\n" + version.output());
        }
    }

    /** The repository root. */
    static Path repo() {
        return Paths.get(System.getProperty("mdeq.repo.root", "..")).toAbsolutePath().normalize();
    }

    static List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of("podman"));
        String runtime = System.getProperty("containerTests.runtime", "runc");
        if (!runtime.isBlank()) {
            command.add("--runtime");
            command.add(runtime);
        }
        command.addAll(List.of(args));
        return command;
    }

    record Result(int exit, String output) {
    }

    /** Runs podman to the end (stdout and stderr together), failing the test if it takes longer than the limit. */
    static Result run(Duration limit, String... args) {
        return run(limit, command(args));
    }

    static Result run(Duration limit, List<String> command) {
        try {
            Path log = Files.createTempFile("podman-", ".log");
            try {
                Process process = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(log.toFile()).start();
                if (!process.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    fail(String.join(" ", command) + " did not finish within " + limit + ":\n" + tail(Files.readString(log)));
                }
                return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs podman and asserts exit 0; returns its output. */
    static String check(Duration limit, String... args) {
        Result result = run(limit, args);
        assertTrue(result.exit() == 0, "podman " + String.join(" ", args) + " exited " + result.exit() + ":\n"
                + tail(result.output()));
        return result.output();
    }

    /** Starts podman without waiting (its output goes to the file given). */
    static Process start(Path output, List<String> args) {
        try {
            return new ProcessBuilder(command(args.toArray(String[]::new))).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean imageExists(String image) {
        return run(Duration.ofMinutes(1), "image", "exists", image).exit() == 0;
    }

    /** The last 60 lines of a log. */
    static String tail(String text) {
        List<String> lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }
}
