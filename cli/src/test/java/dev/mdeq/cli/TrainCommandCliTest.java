package dev.mdeq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.config.ConfigLoader;
import dev.mdeq.runstore.run.ExitCodes;
import dev.mdeq.runstore.run.RunLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mdeq train} as an operator pod runs it: on the run folder's own config.yaml. */
class TrainCommandCliTest {
    @TempDir
    Path temp;

    @Test
    void aSavedConfigWithAnOutOfRangeSolverSettingExitsWith3BeforeAnyStep() throws Exception {
        // DEQ.ANDERSON_M 1 would only reach the Anderson solver after the pretraining steps.
        String yaml = ConfigLoader.loadFileOrPreset("demo/cls_mdeq_tiny", List.of("DEQ.F_SOLVER", "anderson")).toYaml();
        assertTrue(yaml.contains("ANDERSON_M: 6"), yaml);
        Path run = Files.createDirectories(temp.resolve("run"));
        Files.writeString(run.resolve(RunLayout.CONFIG), yaml.replace("ANDERSON_M: 6", "ANDERSON_M: 1"));

        CliRun train = CliRun.run("train", "--run", "file:" + run);

        assertEquals(ExitCodes.INVALID_INPUT, train.exit(), train.err());
        assertTrue(train.err().contains("DEQ.ANDERSON_M must be at least 2, got 1"), train.err());
        assertFalse(Files.exists(run.resolve(RunLayout.CHECKPOINTS)), "no step ran: no checkpoint");
        assertFalse(Files.exists(run.resolve(RunLayout.METRICS)), "no step ran: no metrics");
    }
}
