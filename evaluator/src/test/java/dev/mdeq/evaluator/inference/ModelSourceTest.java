package dev.mdeq.evaluator.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.LocalObjectStore;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.model.checkpoint.CheckpointStore;
import dev.mdeq.model.weights.RawTensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Choosing the checkpoint (BEST, LATEST, named) or weights file of an evaluation, on a real run folder. */
class ModelSourceTest {
    private static final String KEY = "fullstage.branches.0.blocks.0.conv1.weight_v";

    @TempDir
    Path temp;

    private ExperimentConfig config;
    private ObjectStore run;
    private final List<String> log = new ArrayList<>();

    @BeforeEach
    void setUp() {
        config = ModelRuns.classification(temp.resolve("data"));
        run = new LocalObjectStore(temp.resolve("run"));
    }

    private ModelSource resolve(String checkpoint) {
        return ModelSource.resolve(run, checkpoint, null, null, log::add);
    }

    private static void assertSameWeights(Map<String, RawTensor> expected, ModelSource source) {
        assertEquals(expected.keySet(), source.weights().keySet());
        assertEquals(expected.get(KEY).data(), source.weights().get(KEY).data());
    }

    @Test
    void defaultIsBestThenLatestAndNamedFoldersAreFound() throws Exception {
        String step3 = ModelRuns.checkpoint(run, config, 1, 3, temp);
        String step5 = ModelRuns.checkpoint(run, config, 2, 5, temp);
        Map<String, RawTensor> seed1 = ModelRuns.weights(config, 1);
        Map<String, RawTensor> seed2 = ModelRuns.weights(config, 2);

        ModelSource latestByDefault = resolve(null);
        assertEquals("latest", latestByDefault.label());
        assertEquals(step5, latestByDefault.location());
        assertTrue(latestByDefault.selection().contains("no BEST"), latestByDefault.selection());
        assertSameWeights(seed2, latestByDefault);

        ModelRuns.best(run, step3);
        ModelSource best = resolve(null);
        assertEquals("best", best.label());
        assertEquals(step3, best.location());
        assertEquals("BEST pointer (default)", best.selection());
        assertSameWeights(seed1, best);
        assertTrue(log.stream().anyMatch(l -> l.contains(step3) && l.contains("BEST")), log.toString());

        assertEquals(step5, resolve("latest").location());
        assertEquals(step3, resolve("best").location());
        for (String name : List.of("step-000000000003", "checkpoints/step-000000000003/", "3")) {
            ModelSource named = resolve(name);
            assertEquals(step3, named.location(), name);
            assertEquals("step-000000000003", named.label());
            assertSameWeights(seed1, named);
        }
    }

    @Test
    void missingCheckpointsFailListingWhatTheRunHas() throws Exception {
        InvalidInputException none = assertThrows(InvalidInputException.class, () -> resolve(null));
        assertTrue(none.getMessage().contains("has no checkpoints") && none.getMessage().contains("--weights"),
                none.getMessage());

        String step3 = ModelRuns.checkpoint(run, config, 1, 3, temp);
        InvalidInputException noBest = assertThrows(InvalidInputException.class, () -> resolve("best"));
        assertTrue(noBest.getMessage().contains("no " + RunLayout.BEST + " pointer")
                && noBest.getMessage().contains(step3), noBest.getMessage());

        InvalidInputException missing = assertThrows(InvalidInputException.class, () -> resolve("step-000000000099"));
        assertTrue(missing.getMessage().contains("no checkpoint checkpoints/step-000000000099/"), missing.getMessage());
        assertTrue(missing.getMessage().contains("1 checkpoint folder(s): " + step3), missing.getMessage());
        assertTrue(missing.getMessage().contains("BEST -> (none), LATEST -> " + step3), missing.getMessage());
    }

    @Test
    void corruptCheckpointIsRefusedWithTheReason() throws Exception {
        String step3 = ModelRuns.checkpoint(run, config, 1, 3, temp);
        byte[] bytes = run.getBytes(step3 + CheckpointStore.MODEL_PART);
        bytes[bytes.length / 2] ^= 1;
        run.putBytes(step3 + CheckpointStore.MODEL_PART, bytes);
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> resolve(null));
        assertTrue(e.getMessage().contains(step3) && e.getMessage().contains("SHA-256"), e.getMessage());
    }

    @Test
    void weightsFilesWinOverCheckpoints() throws Exception {
        ModelRuns.checkpoint(run, config, 1, 3, temp);
        Map<String, RawTensor> seed4 = ModelRuns.weights(config, 4);
        Path file = ModelRuns.npz(temp.resolve("w/model_best.pth.npz"), seed4);
        ModelSource weights = ModelSource.resolve(run, null, file.toString(), null, log::add);
        assertEquals("weights-model_best.pth", weights.label());
        assertEquals(file.toString(), weights.location());
        assertSameWeights(seed4, weights);

        ModelSource modelFile = ModelSource.resolve(run, null, null, "file:" + file, log::add);
        assertEquals("weights file (TEST.MODEL_FILE)", modelFile.selection());
        assertSameWeights(seed4, modelFile);
        // an explicit checkpoint wins over TEST.MODEL_FILE
        assertEquals("step-000000000003", ModelSource.resolve(run, "3", null, file.toString(), log::add).label());

        InvalidInputException missing = assertThrows(InvalidInputException.class,
                () -> ModelSource.resolve(run, null, temp.resolve("nope.npz").toString(), null, log::add));
        assertTrue(missing.getMessage().contains("nope.npz"), missing.getMessage());
    }
}
