package dev.mdeq.evaluator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.evaluator.image.LabelImage;
import dev.mdeq.evaluator.image.LabelPngs;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.run.Progress;
import dev.mdeq.runstore.run.ReportSummary;
import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.LocalObjectStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The evaluate commands on real files (the CLI's exit-code mapping is Mdeq's, in the cli module). */
class EvaluateCommandTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cmd = new CommandLine(new EvaluateCommand());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    @BeforeEach
    void files() {
        LocalObjectStore gt = new LocalObjectStore(dir.resolve("gt"));
        LocalObjectStore pred = new LocalObjectStore(dir.resolve("pred"));
        // two 4x2 images: road (7) and car (26) with one unlabeled (0) ground-truth pixel
        byte[] truth = {7, 7, 7, 7, 26, 26, 26, 0};
        byte[] guess = {7, 7, 7, 26, 26, 26, 7, 7};
        for (String stem : new String[] {"aachen_000000_000019", "aachen_000001_000019"}) {
            gt.putBytes("aachen/" + stem + "_gtFine_labelIds.png", LabelPngs.writeGrey(new LabelImage(4, 2, truth)));
            pred.putBytes(stem + "_leftImg8bit.png", LabelPngs.writeGrey(new LabelImage(4, 2, guess)));
        }
    }

    @Test
    void scoresPredictionsAndPrintsTheHeadline() {
        String runDir = dir.resolve("run").toString();
        int code = run("predictions", "--pred", dir.resolve("pred").toString(), "--gt",
                "file:" + dir.resolve("gt"), "--out", runDir, "--eval-id", "cli", "--progress", "log");
        assertEquals(0, code, err.toString());
        // road: tp 3, fp 1, fn 1 -> 60 %; car: tp 2, fp 1, fn 1 -> 50 %; 17 classes absent
        assertTrue(out.toString().contains("mIoU 55.00 % (Cityscapes benchmark), 5.79 % (MDEQ reference formula)"),
                out.toString());
        assertTrue(out.toString().contains("pixel accuracy 71.43 %"), out.toString());
        assertTrue(out.toString().contains("report: file:" + runDir + "/eval/cli/report.html"), out.toString());
        ReportSummary s = RunJson.read(new LocalObjectStore(Path.of(runDir)).getBytes(RunLayout.report("cli")),
                ReportSummary.class, "report");
        assertEquals(55.0, s.miou(), 1e-9);
    }

    @Test
    void shardsThenMerge() {
        String runDir = dir.resolve("run").toString();
        for (int i = 0; i < 2; i++) {
            assertEquals(0, run("predictions", "--pred", dir.resolve("pred").toString(), "--gt",
                    dir.resolve("gt").toString(), "--out", runDir, "--shard", i + "/2", "--progress", "log"));
        }
        assertTrue(out.toString().contains("mdeq evaluate merge --run file:" + runDir + " --eval-id predictions "
                + "--shards 2"), out.toString());
        assertEquals(0, run("merge", "--run", runDir, "--eval-id", "predictions", "--shards", "2"), err.toString());
        assertTrue(out.toString().contains("mIoU 55.00 %"), out.toString());
        Progress p = RunJson.read(new LocalObjectStore(Path.of(runDir)).getBytes(
                RunLayout.evalProgress("predictions")), Progress.class, "progress");
        assertEquals(Progress.Phase.SUCCEEDED, p.phase());
    }

    @Test
    void mergeOfAnIncompleteSetFailsWithTheMissingShards() {
        String runDir = dir.resolve("run").toString();
        assertEquals(0, run("predictions", "--pred", dir.resolve("pred").toString(), "--gt",
                dir.resolve("gt").toString(), "--out", runDir, "--shard", "1/3", "--progress", "log"));
        CommandLine cmd = new CommandLine(new EvaluateCommand());
        Exception[] thrown = new Exception[1];
        cmd.setExecutionExceptionHandler((ex, c, parsed) -> {
            thrown[0] = ex;
            return 3;
        });
        assertEquals(3, cmd.execute("merge", "--run", runDir, "--eval-id", "predictions", "--shards", "3"));
        InvalidInputException e = assertInstanceOf(InvalidInputException.class, thrown[0]);
        assertTrue(e.getMessage().contains("shard 0, 2"), e.getMessage());
        Progress p = RunJson.read(new LocalObjectStore(Path.of(runDir)).getBytes(
                RunLayout.evalProgress("predictions")), Progress.class, "progress");
        assertEquals(Progress.Phase.FAILED, p.phase());
    }

    @Test
    void foldersThatAreNotThereFailAtOnceNamingTheOption() throws IOException {
        String runDir = dir.resolve("run").toString();
        assertEquals(2, run("predictions", "--pred", dir.resolve("none").toString(), "--gt", dir.resolve("gt")
                .toString(), "--out", runDir));
        assertTrue(err.toString().startsWith("--pred: the predictions folder " + dir.resolve("none")
                + " does not exist"), err.toString());
        Path file = Files.writeString(dir.resolve("file.txt"), "x");
        assertEquals(2, run("predictions", "--pred", dir.resolve("pred").toString(), "--gt", file.toString(),
                "--out", runDir));
        assertTrue(err.toString().contains("--gt: " + file + " is a file, not a folder"), err.toString());
        assertEquals(2, run("predictions", "--pred", dir.resolve("pred").toString(), "--gt", dir.resolve("gt")
                .toString(), "--images", dir.resolve("no-images").toString(), "--out", runDir));
        assertTrue(err.toString().contains("--images: the images folder"), err.toString());
        assertEquals(2, run("--run", dir.resolve("no-run").toString()));
        assertTrue(err.toString().contains("--run: the run folder " + dir.resolve("no-run") + " does not exist"),
                err.toString());
        assertEquals(2, run("merge", "--run", dir.resolve("no-run").toString(), "--eval-id", "e", "--shards", "2"));
        assertTrue(Files.notExists(dir.resolve("run")) && Files.notExists(dir.resolve("no-run")), "nothing written");
    }

    @Test
    void manyMismatchedFilesAreAFewExamplesAndACount() {
        LocalObjectStore gt = new LocalObjectStore(dir.resolve("many-gt"));
        LocalObjectStore pred = new LocalObjectStore(dir.resolve("many-pred"));
        byte[] pixels = new byte[8];
        for (int i = 0; i < 60; i++) {
            gt.putBytes(String.format("bonn/bonn_%06d_000019_gtFine_labelIds.png", i),
                    LabelPngs.writeGrey(new LabelImage(4, 2, pixels)));
            pred.putBytes(String.format("ulm_%06d_000019_leftImg8bit.png", i),
                    LabelPngs.writeGrey(new LabelImage(4, 2, pixels)));
        }
        CommandLine cmd = new CommandLine(new EvaluateCommand());
        Exception[] thrown = new Exception[1];
        cmd.setExecutionExceptionHandler((ex, c, parsed) -> {
            thrown[0] = ex;
            return 3;
        });
        assertEquals(3, cmd.execute("predictions", "--pred", pred.root().toString(), "--gt", gt.root().toString(),
                "--out", dir.resolve("run").toString()));
        String message = thrown[0].getMessage();
        List<String> lines = List.of(message.split("\n"));
        assertEquals(4, lines.size(), "a line per kind of problem: " + message);
        assertTrue(lines.get(1).startsWith("- 60 ground truth image(s) in ") && lines.get(1).endsWith(
                "bonn_000004_000019, and 55 more"), lines.get(1));
        assertTrue(lines.get(2).startsWith("- 60 prediction file(s) in ") && lines.get(2).endsWith(", and 55 more"),
                lines.get(2));
        assertTrue(lines.stream().allMatch(l -> l.length() < 400), message);
    }

    @Test
    void usageErrorsSayWhatIsValid() {
        assertEquals(2, run("predictions", "--pred", "p", "--gt", "g", "--shard", "3/3"));
        assertTrue(err.toString().contains("outside 0..2"), err.toString());
        assertEquals(2, run("predictions", "--pred", "p", "--gt", "g", "--eval-id", "../x"));
        assertTrue(err.toString().contains("not a valid id"), err.toString());
        assertEquals(2, run());
        assertTrue(err.toString().contains("mdeq evaluate predictions"), err.toString());
        assertEquals(2, run("merge", "--run", "r", "--eval-id", "e", "--shards", "0"));
    }
}
