package dev.mdeq.containers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mdeq.runstore.run.CheckpointManifest;
import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.storage.S3Settings;
import dev.mdeq.runstore.testing.S3TestServer;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trainer containers of the CPU runtime image against s3proxy on the host, as the operator runs them:
 * uid 10001, read-only root, a fresh cache folder and tmpfs /tmp per container, the S3 credentials as
 * read-only files, host networking only to reach s3proxy on 127.0.0.1 (nothing but loopback). A
 * container killed with SIGKILL mid-run and started again ends bit-identical to an uninterrupted run;
 * one stopped with SIGTERM checkpoints and exits 75, and is resumed from that checkpoint.
 */
class TrainerContainerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DATA = "datasets/synth";

    @TempDir
    static Path temp;
    private static S3TestServer s3;
    private static String image;
    private static Path credentials;
    private static int containers;

    @BeforeAll
    static void start() {
        Podman.assumeEnabled();
        image = Images.runtimeCpu();
        s3 = S3TestServer.start();
        credentials = Folders.secretFiles(temp, "credentials", Map.of(S3Settings.ACCESS_KEY_ID, s3.accessKey(),
                S3Settings.SECRET_ACCESS_KEY, s3.secretKey()), "r--r--r--");
        long begin = System.nanoTime();
        Podman.Result data = Podman.run(Duration.ofMinutes(3), mdeq("data", "dataset", "synth-cityscapes",
                "--out", s3.uri(DATA), "--images", "16", "--val", "4", "--size", "128x256"));
        assertEquals(0, data.exit(), data.output());
        System.err.printf("[mdeq] synthetic data set into s3proxy from a container: %d s%n",
                Duration.ofNanos(System.nanoTime() - begin).toSeconds());
    }

    @AfterAll
    static void stop() {
        if (s3 != null) {
            s3.close();
        }
    }

    /** podman run of the runtime image as a trainer pod runs it, with the mdeq arguments given. */
    private static List<String> mdeq(String name, String... args) {
        containers++;
        Path cache = Folders.writable(temp, "cache-" + containers);
        List<String> command = new ArrayList<>(Podman.command("run", "--rm", "--name", name, "--replace",
                "--user", "10001", "--read-only", "--read-only-tmpfs=false", "--tmpfs", "/tmp:rw,mode=1777,size=512m",
                "--cap-drop", "all", "--security-opt", "no-new-privileges",
                "--network", "host", // s3proxy listens on the host's 127.0.0.1 only
                "-e", S3Settings.ENDPOINT + "=" + s3.endpoint(), "-e", S3Settings.PATH_STYLE + "=true",
                "-e", S3Settings.CREDENTIALS_DIR + "=/var/run/secrets/mdeq/store",
                "-v", credentials + ":/var/run/secrets/mdeq/store:ro",
                "-v", cache + ":/var/cache/mdeq",
                image));
        command.addAll(List.of(args));
        return command;
    }

    /** The trainer's arguments: the tiny demo preset, 2 epochs of 4 steps (3 of pretraining), a checkpoint every 2 steps. */
    private static String[] train(String run) {
        return new String[] {"train", "--config", "demo/seg_mdeq_tiny", "--run", s3.uri(run),
            "DATASET.ROOT", s3.uri(DATA), "RUN.DEVICE", "cpu", "TRAIN.END_EPOCH", "2", "TRAIN.PRETRAIN_STEPS", "3",
            "RUN.CHECKPOINT_EVERY_STEPS", "2", "PRINT_FREQ", "1"};
    }

    @Test
    void aTrainerKilledMidRunAndStartedAgainEndsBitIdenticalToAnUninterruptedRun() throws Exception {
        Podman.Result reference = Podman.run(Duration.ofMinutes(5), mdeq("reference", train("runs/reference")));
        assertEquals(0, reference.exit(), reference.output());

        // SIGKILL after step 5: the checkpoint of step 4 is the newest; step 5 is trained again.
        Podman.Result killed = runUntil("killed", train("runs/killed"), "train: step 5/", "KILL");
        assertEquals(137, killed.exit(), killed.output());
        Podman.Result again = Podman.run(Duration.ofMinutes(5), mdeq("killed", train("runs/killed")));
        assertEquals(0, again.exit(), again.output());
        assertTrue(again.output().contains("resumed from " + RunLayout.checkpointFolder(4)), again.output());

        assertEquals(finalWeights("runs/reference"), finalWeights("runs/killed"),
                "the resumed run's last checkpoint differs from the uninterrupted run's");
    }

    @Test
    void aTrainerStoppedWithSigtermCheckpointsAndExits75ThenResumesFromThatCheckpoint() throws Exception {
        Podman.Result stopped = runUntil("stopped", train("runs/stopped"), "train: step 3/", "TERM");
        assertEquals(75, stopped.exit(), stopped.output());
        String latest;
        long step;
        try (ObjectStore run = s3.open("runs/stopped")) {
            latest = run.readPointer(RunLayout.LATEST).orElseThrow();
            JsonNode progress = JSON.readTree(run.getBytes(RunLayout.PROGRESS));
            assertEquals("INTERRUPTED", progress.path("phase").asText(), progress.toString());
            step = progress.path("step").asLong();
            assertEquals(latest, progress.path("lastCheckpoint").asText());
        }
        assertEquals(RunLayout.checkpointFolder(step), latest, "the checkpoint of the step it stopped at");
        assertTrue(step >= 3 && step < 8, "stopped at step " + step);

        Podman.Result resumed = Podman.run(Duration.ofMinutes(5), mdeq("stopped", train("runs/stopped")));
        assertEquals(0, resumed.exit(), resumed.output());
        assertTrue(resumed.output().contains("resumed from " + latest), resumed.output());
    }

    /**
     * Starts a trainer container, waits for a line of its log, sends it the signal and returns its
     * exit and output.
     */
    private static Podman.Result runUntil(String name, String[] args, String line, String signal) throws Exception {
        Path log = temp.resolve(name + ".log");
        List<String> command = mdeq(name, args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!Files.readString(log, StandardCharsets.UTF_8).contains(line)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.destroyForcibly();
                fail("the trainer ended or took too long before '" + line + "':\n" + Files.readString(log));
            }
            Thread.sleep(50);
        }
        Podman.check(Duration.ofMinutes(1), "kill", "--signal", signal, name);
        if (!process.waitFor(3, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            fail("the trainer did not end after SIG" + signal + ":\n" + Files.readString(log));
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        Podman.run(Duration.ofMinutes(1), "rm", "--force", name);
        return new Podman.Result(process.exitValue(), output);
    }

    /**
     * The run's newest checkpoint: its step and the SHA-256 of every array in its .npz parts (model and
     * optimizer: parameters, BatchNorm statistics, moments). The .npz files themselves are zip archives
     * whose entries carry the time they were written, so their own hashes differ from run to run;
     * state.json holds timings besides the step, epoch and position, which the step stands for.
     */
    private static String finalWeights(String run) throws Exception {
        try (ObjectStore store = s3.open(run)) {
            String latest = store.readPointer(RunLayout.LATEST).orElseThrow();
            CheckpointManifest manifest = RunJson.read(store.getBytes(latest + CheckpointManifest.KEY),
                    CheckpointManifest.class, "manifest");
            StringBuilder out = new StringBuilder("step " + manifest.step() + ", epoch " + manifest.epoch() + "\n");
            int arrays = 0;
            for (CheckpointManifest.Part part : manifest.parts()) {
                if (!part.name().endsWith(".npz")) {
                    continue;
                }
                try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(store.getBytes(latest + part.name())))) {
                    for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                        byte[] digest = MessageDigest.getInstance("SHA-256").digest(zip.readAllBytes());
                        out.append(part.name()).append('/').append(entry.getName()).append(' ')
                                .append(HexFormat.of().formatHex(digest)).append('\n');
                        arrays++;
                    }
                }
            }
            assertTrue(arrays > 10, "arrays in " + latest + ": " + out);
            return out.toString();
        }
    }
}
