package dev.mdeq.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.mdeq.runstore.storage.ObjectStores;
import dev.mdeq.runstore.testing.S3TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DatasetCommandTest {
    @TempDir
    Path dir;

    /** Runs the command, returning exit code, stdout and stderr. */
    private static String[] run(String... args) {
        CommandLine cli = new CommandLine(new DatasetCommand());
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = cli.execute(args);
            return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8), err.toString()};
        } finally {
            System.setOut(original);
        }
    }

    @Test
    void synthCityscapesThenInfoOnTheDemoPreset() throws Exception {
        Path out = dir.resolve("synth");
        String[] synth = run("synth-cityscapes", "--out", "file:" + out, "--images", "5", "--val", "2", "--size", "64x128",
                "--seed", "3");
        assertEquals("0", synth[0], synth[2]);
        assertTrue(synth[1].startsWith("wrote 5 train + 2 val images (64x128, seed 3) to file:" + out), synth[1]);
        assertEquals(5, Files.readAllLines(out.resolve("list/cityscapes/train.lst")).size());

        String[] info = run("info", "--config", "demo/seg_mdeq_tiny", "DATASET.ROOT", out.toString(),
                "TRAIN.BATCH_SIZE_PER_GPU", "2");
        assertEquals("0", info[0], info[2]);
        assertTrue(info[1].contains("data set: cityscapes (segmentation)"), info[1]);
        assertTrue(info[1].contains("train: cityscapes " + out.resolve("list/cityscapes/train.lst") + " (5 images)"),
                info[1]);
        assertTrue(info[1].contains("sample 3x64x128 (CxHxW after transforms); 2 batches of 2 per epoch (drop_last skips 1)"),
                info[1]);
        assertTrue(info[1].contains("val: cityscapes " + out.resolve("list/cityscapes/val.lst") + " (2 images)"), info[1]);
        assertTrue(info[1].contains("classes (19): road, sidewalk, building"), info[1]);
    }

    @Test
    void synthToS3ThenStageToTheCache() {
        try (S3TestServer s3 = S3TestServer.start()) {
            java.util.Map<String, String> env = new java.util.HashMap<>(s3.environment());
            env.put("MDEQ_CACHE_DIR", dir.resolve("cache").toString());
            try (ObjectStores.EnvironmentOverride override = ObjectStores.overrideEnvironment(env)) {
                String uri = s3.uri("data/synth");
                String[] synth = run("synth-cityscapes", "--out", uri, "--images", "2", "--val", "1", "--size", "32x64");
                assertEquals("0", synth[0], synth[2]);
                String[] stage = run("stage", "--config", "demo/seg_mdeq_tiny", "DATASET.ROOT", uri);
                assertEquals("0", stage[0], stage[2]);
                Path local = dir.resolve("cache/datasets/s3/test-bucket/data/synth");
                assertEquals(local.toString(), stage[1].strip());
                assertTrue(Files.isRegularFile(local.resolve("list/cityscapes/val.lst")));
                assertTrue(Files.isRegularFile(local.resolve(
                        "cityscapes/gtFine/train/bochum/bochum_000000_000019_gtFine_labelIds.png")));
            }
        }
    }

    @Test
    void aMalformedSizeIsAUsageError() {
        String[] r = run("synth-cityscapes", "--out", dir.toString(), "--images", "2", "--size", "64by128");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("--size 64by128: expected HEIGHTxWIDTH, e.g. 256x512"), r[2]);
        String[] tiny = run("synth-cityscapes", "--out", dir.toString(), "--images", "2", "--size", "8x8");
        assertEquals("2", tiny[0]);
        assertTrue(tiny[2].contains("images must be at least 16x16, got 8x8"), tiny[2]);
    }
}
