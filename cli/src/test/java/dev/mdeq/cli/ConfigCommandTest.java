package dev.mdeq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mdeq.config.ConfigLoader;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.runstore.run.ExitCodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mdeq config show|presets} as a user runs them: output, exit codes, error messages. */
class ConfigCommandTest {
    @TempDir
    Path temp;

    @Test
    void showPrintsTheResolvedConfigWhichLoadsBackToTheSameConfig() throws Exception {
        CliRun shown = CliRun.run("config", "show", "cifar/cls_mdeq_TINY", "TRAIN.LR", "0.01", "GPUS", "(0,1)");
        assertEquals(ExitCodes.OK, shown.exit(), shown.err());
        Path saved = Files.writeString(temp.resolve("resolved.yaml"), shown.out());
        ExperimentConfig reloaded = ConfigLoader.load(saved, List.of());
        assertEquals(0.01, reloaded.train().lr(), 0.0);
        assertEquals(List.of(0, 1), reloaded.gpus());
        assertEquals(ConfigLoader.loadFileOrPreset("cifar/cls_mdeq_TINY", List.of("TRAIN.LR", "0.01", "GPUS", "(0,1)"))
                .sha256(), reloaded.sha256());
    }

    @Test
    void showJsonPrintsTheSameTreeAsTheYaml() throws Exception {
        CliRun shown = CliRun.run("config", "show", "--json", "cifar/cls_mdeq_TINY", "MODEL.NUM_LAYERS", "7");
        assertEquals(ExitCodes.OK, shown.exit(), shown.err());
        JsonNode json = new ObjectMapper().readTree(shown.out());
        assertEquals(7, json.path("MODEL").path("NUM_LAYERS").asInt());
        assertEquals(List.of(24, 24), List.of(json.at("/MODEL/EXTRA/FULL_STAGE/NUM_CHANNELS/0").asInt(),
                json.at("/MODEL/EXTRA/FULL_STAGE/NUM_CHANNELS/1").asInt()));
        assertEquals(2.5e-6, json.at("/TRAIN/WD").asDouble(), 0.0);
        assertEquals("broyden", json.at("/DEQ/F_SOLVER").asText());
        assertTrue(json.at("/MODEL/WNORM").asBoolean());
        // every top-level section of the resolved yaml, in the same order
        ExperimentConfig yaml = ConfigLoader.loadFileOrPreset("cifar/cls_mdeq_TINY", List.of("MODEL.NUM_LAYERS", "7"));
        assertEquals(List.copyOf(yaml.tree().asMap().keySet()), iterableToList(json.fieldNames()));
    }

    private static List<String> iterableToList(java.util.Iterator<String> names) {
        List<String> list = new java.util.ArrayList<>();
        names.forEachRemaining(list::add);
        return list;
    }

    @Test
    void presetsListsTheReferenceAndTheSmallPresets() {
        CliRun presets = CliRun.run("config", "presets");
        assertEquals(ExitCodes.OK, presets.exit(), presets.err());
        assertTrue(presets.lines().containsAll(List.of("cifar/cls_mdeq_TINY", "cifar/cls_mdeq_LARGE",
                "imagenet/cls_mdeq_SMALL", "cityscapes/seg_mdeq_SMALL", "demo/seg_mdeq_tiny", "demo/cls_mdeq_tiny",
                "fashion_mnist/cls_mdeq_fmnist")), presets.out());
    }

    @Test
    void badInputExitsWith3AndSaysWhatIsValid() throws Exception {
        CliRun unknownKey = CliRun.run("config", "show", "demo/cls_mdeq_tiny", "TRAIN.LRR", "0.1");
        assertEquals(ExitCodes.INVALID_INPUT, unknownKey.exit());
        assertTrue(unknownKey.err().contains("TRAIN.LRR") && unknownKey.err().contains("TRAIN.LR"), unknownKey.err());
        assertTrue(!unknownKey.err().contains("\tat "), "no stack trace: " + unknownKey.err());

        CliRun wrongType = CliRun.run("config", "show", "demo/cls_mdeq_tiny", "TRAIN.END_EPOCH", "many");
        assertEquals(ExitCodes.INVALID_INPUT, wrongType.exit());
        assertTrue(wrongType.err().contains("TRAIN.END_EPOCH") && wrongType.err().contains("many"), wrongType.err());

        Path yaml = Files.writeString(temp.resolve("typo.yaml"), "TRAIN:\n  LR: 0.1\n  MOMENTUN: 0.9\n");
        CliRun inFile = CliRun.run("config", "show", yaml.toString());
        assertEquals(ExitCodes.INVALID_INPUT, inFile.exit());
        assertTrue(inFile.err().contains("typo.yaml") && inFile.err().contains("MOMENTUN")
                && inFile.err().contains("MOMENTUM"), inFile.err());

        CliRun missing = CliRun.run("config", "show", temp.resolve("nope.yaml").toString());
        assertEquals(ExitCodes.INVALID_INPUT, missing.exit());
        assertTrue(missing.err().contains("nope.yaml"), missing.err());
    }

    @Test
    void anOutOfRangeSolverSettingIsRefusedBeforeAnythingRuns() {
        // The equilibrium solver reads DEQ.ANDERSON_M only after pretraining; the config refuses it at once.
        CliRun shown = CliRun.run("config", "show", "demo/cls_mdeq_tiny", "DEQ.ANDERSON_M", "1");
        assertEquals(ExitCodes.INVALID_INPUT, shown.exit());
        assertTrue(shown.err().contains("DEQ.ANDERSON_M must be at least 2, got 1"), shown.err());
        assertEquals("", shown.out());
    }
}
