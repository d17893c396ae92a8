package dev.mdeq.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.runstore.run.ExitCodes;
import dev.mdeq.runstore.testing.S3TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mdeq store ls|cp|rm} against a local folder and an in-process S3 server. */
class StoreCommandTest {
    static S3TestServer s3;

    @TempDir
    Path temp;

    @BeforeAll
    static void startS3() {
        s3 = S3TestServer.start();
    }

    @AfterAll
    static void stopS3() {
        s3.close();
    }

    @Test
    void everySubcommandHasHelp() {
        for (String sub : List.of("ls", "cp", "rm")) {
            CliRun help = run(Map.of(), "store", sub, "--help");
            assertEquals(0, help.exit(), help.err());
            assertTrue(help.out().contains("Usage: mdeq store " + sub), help.out());
        }
        CliRun store = run(Map.of(), "store", "--help");
        assertTrue(store.out().contains("MDEQ_S3_CREDENTIALS_DIR") && store.out().contains("ls"), store.out());
    }

    @Test
    void aFolderGoesToS3AndComesBackUnchanged() throws IOException {
        Path folder = Files.createDirectories(temp.resolve("run/sub/deeper"));
        byte[] big = new byte[6 << 20];
        new Random(1).nextBytes(big);
        Files.writeString(temp.resolve("run/config.yaml"), "MODEL:\n  NAME: mdeq\n");
        Files.write(temp.resolve("run/sub/params.bin"), big);
        Files.writeString(folder.resolve("note.txt"), "deep");
        String remote = s3.uri("runs/ns/job1");

        CliRun up = run(s3.environment(), "store", "cp", "-r", temp.resolve("run").toString(), remote);
        assertEquals(0, up.exit(), up.err());
        assertEquals(3, up.lines().size(), up.out());
        assertTrue(up.out().contains("-> " + remote + "/sub/params.bin (" + big.length + " bytes)"), up.out());

        CliRun listed = run(s3.environment(), "store", "ls", remote);
        assertEquals(0, listed.exit(), listed.err());
        List<String> lines = listed.lines();
        assertEquals(3, lines.size(), listed.out());
        assertTrue(lines.get(0).trim().startsWith("20 ") && lines.get(0).endsWith(remote + "/config.yaml"),
                lines.get(0));
        assertTrue(lines.get(1).endsWith(remote + "/sub/deeper/note.txt"), lines.get(1));
        assertTrue(lines.get(2).trim().startsWith(big.length + " ") && lines.get(2).endsWith(remote
                + "/sub/params.bin"), lines.get(2));

        CliRun down = run(s3.environment(), "store", "cp", "-r", remote, "file:" + temp.resolve("back"));
        assertEquals(0, down.exit(), down.err());
        assertArrayEquals(big, Files.readAllBytes(temp.resolve("back/sub/params.bin")));
        assertEquals("deep", Files.readString(temp.resolve("back/sub/deeper/note.txt")));
        assertEquals("MODEL:\n  NAME: mdeq\n", Files.readString(temp.resolve("back/config.yaml")));
    }

    @Test
    void singleObjectsCopyBetweenAnyTwoStores() throws IOException {
        Path file = Files.writeString(temp.resolve("report.json"), "{\"miou\": 0.75}");
        String object = s3.uri("single/report.json");

        assertEquals(0, run(s3.environment(), "store", "cp", file.toString(), object).exit());
        assertEquals(0, run(s3.environment(), "store", "cp", object, s3.uri("copies/")).exit());
        assertEquals(0, run(s3.environment(), "store", "cp", s3.uri("copies/report.json"),
                temp.resolve("downloads") + "/").exit());
        assertEquals("{\"miou\": 0.75}", Files.readString(temp.resolve("downloads/report.json")));
        Files.createDirectories(temp.resolve("existing-folder"));
        assertEquals(0, run(s3.environment(), "store", "cp", object, temp.resolve("existing-folder").toString())
                .exit());
        assertTrue(Files.isRegularFile(temp.resolve("existing-folder/report.json")));
        assertEquals(0, run(Map.of(), "store", "cp", file.toString(), temp.resolve("renamed.json").toString())
                .exit());
        assertEquals("{\"miou\": 0.75}", Files.readString(temp.resolve("renamed.json")));
    }

    @Test
    void rmDeletesAnObjectOrAFolderAndSaysWhat() {
        String base = "rm-test";
        for (String key : List.of("a.txt", "dir/b.txt", "dir/sub/c.txt")) {
            s3.putDirectly(base + "/" + key, key.getBytes(StandardCharsets.UTF_8));
        }
        CliRun one = run(s3.environment(), "store", "rm", s3.uri(base + "/a.txt"));
        assertEquals(0, one.exit(), one.err());
        assertEquals(List.of("deleted " + s3.uri(base + "/a.txt")), one.lines());

        CliRun folderWithoutR = run(s3.environment(), "store", "rm", s3.uri(base + "/dir"));
        assertEquals(ExitCodes.INVALID_INPUT, folderWithoutR.exit());
        assertTrue(folderWithoutR.err().contains("use -r"), folderWithoutR.err());

        CliRun all = run(s3.environment(), "store", "rm", "-r", s3.uri(base));
        assertEquals(0, all.exit(), all.err());
        assertEquals(List.of("deleted " + s3.uri(base + "/dir/b.txt"), "deleted " + s3.uri(base + "/dir/sub/c.txt")),
                all.lines());
        assertEquals(List.of(), run(s3.environment(), "store", "ls", s3.uri(base)).lines());

        CliRun missing = run(s3.environment(), "store", "rm", s3.uri(base + "/a.txt"));
        assertEquals(ExitCodes.INVALID_INPUT, missing.exit());
        assertTrue(missing.err().contains("no object at " + s3.uri(base + "/a.txt")), missing.err());
        CliRun nothing = run(s3.environment(), "store", "rm", "-r", s3.uri(base));
        assertEquals(0, nothing.exit());
        assertTrue(nothing.err().contains("nothing to delete"), nothing.err());
    }

    @Test
    void aLocalFolderIsAStoreToo() throws IOException {
        Path store = Files.createDirectories(temp.resolve("store/checkpoints/step-1"));
        Files.write(store.resolve("params.bin"), new byte[] {1, 2, 3});
        Files.writeString(temp.resolve("store/checkpoints/LATEST"), "checkpoints/step-1/");

        CliRun listed = run(Map.of(), "store", "ls", temp.resolve("store").toString());
        assertEquals(2, listed.lines().size(), listed.out());
        assertTrue(listed.lines().get(0).endsWith("file:" + temp.resolve("store/checkpoints/LATEST")), listed.out());
        CliRun itself = run(Map.of(), "store", "ls", "file:" + store.resolve("params.bin"));
        assertEquals(1, itself.lines().size(), itself.out());
        assertTrue(itself.lines().get(0).trim().startsWith("3 "), itself.out());

        CliRun removed = run(Map.of(), "store", "rm", "-r", temp.resolve("store/checkpoints").toString());
        assertEquals(2, removed.lines().size(), removed.out());
        assertFalse(Files.exists(temp.resolve("store/checkpoints/step-1/params.bin")));
    }

    @Test
    void errorsAreClearAndCarryTheRightExitCode() throws IOException {
        CliRun scheme = run(Map.of(), "store", "ls", "gs://bucket/x");
        assertEquals(ExitCodes.INVALID_INPUT, scheme.exit());
        assertTrue(scheme.err().contains("s3://bucket/prefix"), scheme.err());

        CliRun noSettings = run(Map.of(), "store", "ls", s3.uri("x"));
        assertEquals(ExitCodes.INVALID_INPUT, noSettings.exit());
        assertTrue(noSettings.err().contains("MDEQ_S3_ENDPOINT"), noSettings.err());

        Map<String, String> wrongSecret = new HashMap<>(s3.environment());
        wrongSecret.put("AWS_SECRET_ACCESS_KEY", "not-the-secret-" + s3.secretKey());
        CliRun denied = run(wrongSecret, "store", "ls", s3.uri("x"));
        assertEquals(ExitCodes.INVALID_INPUT, denied.exit());
        assertTrue(denied.err().contains("access denied") && denied.err().contains(s3.endpoint()), denied.err());
        assertFalse(denied.err().contains(s3.secretKey()), denied.err());
        assertFalse(denied.err().contains("\tat "), "no stack trace: " + denied.err());

        Path file = Files.writeString(temp.resolve("f.txt"), "x");
        CliRun badKey = run(s3.environment(), "store", "cp", file.toString(), s3.uri("a") + "//b");
        assertEquals(ExitCodes.INVALID_INPUT, badKey.exit(), badKey.err());
        assertTrue(badKey.err().contains("invalid object"), badKey.err());

        CliRun usage = run(Map.of(), "store", "cp", "only-one-argument");
        assertEquals(ExitCodes.USAGE, usage.exit());
    }

    /** Runs mdeq with {@code env} as the environment the store factory reads, capturing its output. */

    private static CliRun run(Map<String, String> env, String... args) {
        return CliRun.run(env, args);
    }
}
