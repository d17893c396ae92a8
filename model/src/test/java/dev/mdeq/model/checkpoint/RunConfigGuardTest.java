package dev.mdeq.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.Presets;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.LocalObjectStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunConfigGuardTest {
    @TempDir
    Path temp;

    private final List<String> log = new ArrayList<>();

    @Test
    void theFirstStartSavesTheConfigAndLaterStartsMayOmitIt() {
        LocalObjectStore run = new LocalObjectStore(temp);
        ExperimentConfig config = Presets.load("demo/cls_mdeq_tiny", List.of("TRAIN.LR", "0.005"));
        assertEquals(config, RunConfigGuard.resolve(run, config, false, log::add));
        assertEquals(config.toYaml(), new String(run.getBytes(RunLayout.CONFIG), StandardCharsets.UTF_8));
        ExperimentConfig again = RunConfigGuard.resolve(run, null, false, log::add);
        assertEquals(config.sha256(), again.sha256());
        assertEquals(config.sha256(), RunConfigGuard.resolve(run, config, false, log::add).sha256());
        assertTrue(log.isEmpty());
    }

    @Test
    void aDifferentConfigIsRefusedNamingTheKeysAndNothingIsOverwritten() {
        LocalObjectStore run = new LocalObjectStore(temp);
        ExperimentConfig config = Presets.load("demo/cls_mdeq_tiny", List.of());
        RunConfigGuard.resolve(run, config, false, log::add);
        ExperimentConfig changed = Presets.load("demo/cls_mdeq_tiny", List.of("TRAIN.LR", "0.01", "RUN.SEED", "7"));
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> RunConfigGuard.resolve(run, changed, false, log::add));
        assertTrue(e.getMessage().contains("TRAIN.LR: 0.001 in the run, 0.01 given"), e.getMessage());
        assertTrue(e.getMessage().contains("RUN.SEED: 0 in the run, 7 given"), e.getMessage());
        assertTrue(e.getMessage().contains("--allow-config-change"), e.getMessage());
        assertEquals(config.toYaml(), new String(run.getBytes(RunLayout.CONFIG), StandardCharsets.UTF_8));

        assertEquals(changed, RunConfigGuard.resolve(run, changed, true, log::add));
        assertEquals(changed.toYaml(), new String(run.getBytes(RunLayout.CONFIG), StandardCharsets.UTF_8));
        assertEquals(1, log.size());
        assertTrue(log.get(0).contains("TRAIN.LR"), log.get(0));
    }

    @Test
    void aRunWithoutConfigNeedsOne() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> RunConfigGuard.resolve(new LocalObjectStore(temp), null, false, log::add));
        assertTrue(e.getMessage().contains("--config"), e.getMessage());
    }
}
