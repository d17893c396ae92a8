package dev.mdeq.trainer.train;

import dev.mdeq.config.ExperimentConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** A trainer running as a child JVM ({@link TrainProcessMain}) on a run folder, its output in a file. */
final class TrainerProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    private TrainerProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts {@code mdeq train --config <config as yaml> --run file:<run>}. */
    static TrainerProcess start(ExperimentConfig config, Path run, Path work, String name) {
        return start(config, run, work, name, Map.of(), List.of());
    }

    /**
     * As {@link #start(ExperimentConfig, Path, Path, String)}, with variables added to the child's
     * environment (e.g. {@code HOSTNAME}, which names the lease's holder as a pod's name does) and
     * more arguments of {@code mdeq train}.
     */
    static TrainerProcess start(ExperimentConfig config, Path run, Path work, String name, Map<String, String> env,
            List<String> trainArguments) {
        try {
            Files.createDirectories(work);
            Path yaml = work.resolve(name + ".yaml");
            Files.writeString(yaml, config.toYaml(), StandardCharsets.UTF_8);
            Path log = work.resolve(name + ".log");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                    "-Dai.djl.offline=true"));
            // the test JVM's thread setting (one intra-op thread on a shared VM: see the trainer pom)
            String threads = System.getProperty("ai.djl.pytorch.num_threads");
            if (threads != null) {
                command.add("-Dai.djl.pytorch.num_threads=" + threads);
            }
            command.addAll(List.of(TrainProcessMain.class.getName(), "--config", yaml.toString(), "--run", "file:" + run));
            command.addAll(trainArguments);
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().putAll(env);
            builder.redirectErrorStream(true).redirectOutput(log.toFile());
            return new TrainerProcess(builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for the process to end and returns its exit code; fails after {@code timeout}. */
    int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("trainer did not end within " + timeout + "; log:\n" + log());
        }
        return process.exitValue();
    }

    /** Polls {@code condition} until it holds; fails after {@code timeout} or when the process ends first. */
    void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (!process.isAlive()) {
                throw new AssertionError("trainer ended (exit " + process.exitValue() + ") before " + what + "; log:\n"
                        + log());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; log:\n" + log());
            }
            Thread.sleep(20);
        }
    }

    /** SIGKILL: no handler runs, nothing is flushed. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM. */
    void terminate() {
        process.destroy();
    }

    String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    List<String> logLines() {
        return log().lines().toList();
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
