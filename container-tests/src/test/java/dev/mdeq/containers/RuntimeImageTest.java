package dev.mdeq.containers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CPU runtime image as a user first meets it: {@code mdeq demo} as uid 10001 with a read-only root
 * filesystem, a tmpfs /tmp, no network at all, and only the image's own cache volume and a mounted
 * output folder writable. The demo trains, evaluates and writes its HTML report with charts (fonts)
 * into the mounted folder.
 */
class RuntimeImageTest {
    @TempDir
    static Path temp;
    private static String image;

    @BeforeAll
    static void build() {
        Podman.assumeEnabled();
        image = Images.runtimeCpu();
    }

    @Test
    void theDemoRunsAsUser10001OnAReadOnlyRootWithoutNetworkAndWritesItsReportToTheMountedFolder() throws Exception {
        Path out = Folders.writable(temp, "out");
        List<String> args = new ArrayList<>(Podman.command("run", "--rm", "--user", "10001",
                "--read-only", "--read-only-tmpfs=false", "--tmpfs", "/tmp:rw,mode=1777,size=512m",
                "--network", "none", "--cap-drop", "all", "--security-opt", "no-new-privileges",
                "-v", out + ":/out", image,
                "demo", "--dir", "/out/demo", "--images", "8",
                // one epoch of 2 steps, 1 of them pretraining: both phases, a validation, the best checkpoint
                "TRAIN.END_EPOCH", "1", "TRAIN.PRETRAIN_STEPS", "1"));
        long start = System.nanoTime();
        Podman.Result demo = Podman.run(Duration.ofMinutes(8), args);
        long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
        System.err.printf("[mdeq] mdeq demo in the runtime image: %d s%n", seconds);
        assertEquals(0, demo.exit(), demo.output());
        assertTrue(demo.output().contains("report:       /out/demo/run/eval/demo/report.html"), demo.output());

        Path report = out.resolve("demo/run/eval/demo");
        String html = Files.readString(report.resolve("report.html"));
        assertTrue(html.contains("mIoU"), html.substring(0, Math.min(html.length(), 2000)));
        assertTrue(Files.exists(report.resolve("report.json")), "report.json");
        // the charts (drawn with the image's fonts) are inline PNGs; the predictions are files
        assertTrue(html.contains("data:image/png;base64,"), "the report's charts");
        try (var files = Files.list(report.resolve("samples"))) {
            assertTrue(files.anyMatch(f -> f.toString().endsWith("_prediction.png")), "prediction images in " + report);
        }
        // written by the image's user, not root
        assertEquals(10001, (int) Files.getAttribute(report.resolve("report.html"), "unix:uid"));
        assertTrue(Files.exists(out.resolve("demo/run/checkpoints/BEST")), "the best checkpoint");
    }

    @Test
    void theEntryPointIsMdeqAndTheImageRunsAsUser10001() {
        Podman.Result help = Podman.run(Duration.ofMinutes(2), "run", "--rm", "--network", "none", "--read-only", image);
        assertEquals(0, help.exit(), help.output());
        assertTrue(help.output().contains("Usage: mdeq"), help.output());
        String user = Podman.check(Duration.ofMinutes(1), "image", "inspect", "--format", "{{.Config.User}}", image).trim();
        assertEquals("10001:10001", user);
    }
}
