package dev.mdeq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.evaluator.report.EvalReport;
import dev.mdeq.runstore.run.ExitCodes;
import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.runstore.run.RunLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mdeq demo} end to end, shrunk by overrides to seconds: synthetic data written, the tiny
 * preset trained, its best checkpoint evaluated, the report where the printed summary says; a
 * second invocation reuses the finished run and its data.
 */
class DemoCommandTest {
    @TempDir
    Path dir;

    @Test
    void trainsEvaluatesAndPrintsWhereEverythingIs() throws Exception {
        String[] args = {"demo", "--dir", dir.toString(), "--images", "8", "TRAIN.END_EPOCH", "1",
            "TRAIN.PRETRAIN_STEPS", "1", "MODEL.F_THRES", "3", "MODEL.B_THRES", "3"};
        String out = runCapturingStdout(args);
        Path run = dir.resolve("run").toAbsolutePath();
        assertTrue(Files.isRegularFile(dir.resolve("data/synth-cityscapes/list/cityscapes/train.lst")));
        assertTrue(out.contains("report:       " + run.resolve(RunLayout.reportHtml("demo"))), out);
        assertTrue(out.contains(", best step-"), out);
        assertTrue(Files.size(run.resolve(RunLayout.reportHtml("demo"))) > 1000);
        EvalReport report = RunJson.read(Files.readAllBytes(run.resolve(RunLayout.report("demo"))), EvalReport.class,
                "report.json");
        assertTrue(report.miou() >= 0 && report.miou() <= 100, "mIoU " + report.miou());
        assertEquals(2L, report.samples(), "the 2 validation images (a quarter of 8) were scored");
        assertTrue(report.checkpoint().contains("step-"), report.checkpoint());

        long trainList = Files.getLastModifiedTime(dir.resolve("data/synth-cityscapes/list/cityscapes/train.lst"))
                .toMillis();
        String again = runCapturingStdout(args);
        assertTrue(again.contains(", best step-"), again);
        assertEquals(trainList, Files.getLastModifiedTime(
                dir.resolve("data/synth-cityscapes/list/cityscapes/train.lst")).toMillis(), "data set reused");
    }

    private static String runCapturingStdout(String... args) {
        CliRun run = CliRun.run(args);
        assertEquals(ExitCodes.OK, run.exit(), run.out() + run.err());
        return run.out();
    }
}
