package dev.mdeq.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    static List<String> presets() {
        return Presets.names();
    }

    @Test
    void shipsEveryReferencePresetAndTheSmallOnes() {
        assertTrue(Presets.names().containsAll(List.of(
                "cifar/cls_mdeq_TINY", "cifar/cls_mdeq_LARGE",
                "imagenet/cls_mdeq_SMALL", "imagenet/cls_mdeq_LARGE", "imagenet/cls_mdeq_XL",
                "cityscapes/seg_mdeq_SMALL", "cityscapes/seg_mdeq_LARGE", "cityscapes/seg_mdeq_XL",
                "demo/seg_mdeq_tiny", "demo/cls_mdeq_tiny")), Presets.names().toString());
    }

    @ParameterizedTest
    @MethodSource("presets")
    void everyPresetLoadsAndSurvivesAYamlRoundTrip(String name) {
        ExperimentConfig config = Presets.load(name, List.of());
        ExperimentConfig again = ConfigLoader.parse(config.toYaml(), "round trip of " + name, List.of());
        assertEquals(config.tree(), again.tree());
        assertEquals(config.model(), again.model());
        assertEquals(config.train(), again.train());
        assertEquals(config.sha256(), again.sha256());
    }

    @Test
    void readsTheReferenceCifarTinyYamlAsTheReferenceDoes() {
        ExperimentConfig config = Presets.load("cifar/cls_mdeq_TINY", List.of());
        assertEquals(List.of(0, 1), config.gpus()); // GPUS: (0,1), a Python tuple
        assertFalse(config.dataset().augment()); // AUGMENT: False
        assertEquals(2.5e-6, config.train().wd());
        assertEquals(List.of(24, 24), config.model().stage().numChannels());
        assertEquals(List.of(8, 16), config.model().stage().headChannels());
        assertEquals(200, config.model().stage().finalChansize());
        assertEquals(22, config.model().fThres());
        assertEquals(0, config.model().downsampleTimes());
        assertEquals(TrainConfig.Optimizer.ADAM, config.train().optimizer());
        assertEquals(TrainConfig.LrSchedule.COSINE, config.train().lrScheduler());
        assertEquals(Task.CLASSIFICATION, config.task());
        // keys the yaml does not set keep the reference's defaults
        assertEquals(0.9, config.train().momentum());
        assertEquals(List.of(1.0), config.test().scaleList());
        // this project's extensions default to the reference's behaviour
        assertEquals(DeqConfig.Solver.BROYDEN, config.deq().fSolver());
        assertEquals(DeqConfig.StopMode.REFERENCE, config.deq().stopMode());
        assertFalse(config.deq().useBThres());
    }

    @Test
    void readsCityscapesSmall() {
        ExperimentConfig config = Presets.load("cityscapes/seg_mdeq_SMALL", List.of());
        assertEquals(Task.SEGMENTATION, config.task());
        assertEquals(List.of(0, 1, 2, 3), config.gpus());
        assertEquals(List.of(1024, 512), config.train().imageSize());
        assertEquals(255, config.train().ignoreLabel());
        assertEquals(60000, config.train().pretrainSteps());
        assertEquals(19, config.dataset().numClasses());
        assertEquals("list/cityscapes/train.lst", config.dataset().trainSet());
    }

    @Test
    void overridesAreTypedByTheirDefault() {
        ExperimentConfig config = Presets.load("cifar/cls_mdeq_TINY", List.of(
                "TRAIN.LR", "0.01", "TRAIN.END_EPOCH", "3", "GPUS", "(0,1,2)", "DATASET.AUGMENT", "true",
                "TRAIN.WD", "0", "DATASET.ROOT", "/data/cifar", "TEST.SCALE_LIST", "[0.75,1.0,1.25]",
                "DEQ.F_SOLVER", "anderson", "MODEL.EXTRA.MY_NEW_KEY", "[1,2]"));
        assertEquals(0.01, config.train().lr());
        assertEquals(3, config.train().endEpoch());
        assertEquals(List.of(0, 1, 2), config.gpus());
        assertTrue(config.dataset().augment());
        assertEquals(0.0, config.train().wd()); // an integer where a number is expected
        assertEquals("/data/cifar", config.dataset().root());
        assertEquals(List.of(0.75, 1.0, 1.25), config.test().scaleList());
        assertEquals(DeqConfig.Solver.ANDERSON, config.deq().fSolver());
        assertEquals(List.of(1L, 2L), config.tree().get("MODEL.EXTRA.MY_NEW_KEY"));
    }

    @Test
    void referenceExactIsAnExtensionKeyOfTheReferencesTestSection() throws Exception {
        ExperimentConfig preset = Presets.load("cityscapes/seg_mdeq_SMALL", List.of());
        assertTrue(preset.test().referenceExact(), "defaults to the reference's behaviour");
        assertEquals(Boolean.TRUE, preset.tree().get("TEST.REFERENCE_EXACT"));
        // the reference's own TEST keys are still there, beside it
        assertEquals(2048, preset.test().baseSize());
        assertFalse(Presets.load("cityscapes/seg_mdeq_SMALL", List.of("TEST.REFERENCE_EXACT", "False"))
                .test().referenceExact());
        Path file = dir.resolve("corrected.yaml");
        Files.writeString(file, "DATASET:\n  DATASET: cityscapes\n"
                + "TEST:\n  FLIP_TEST: true\n  REFERENCE_EXACT: false\n");
        ExperimentConfig fromFile = ConfigLoader.load(file, List.of());
        assertFalse(fromFile.test().referenceExact());
        assertTrue(fromFile.test().flipTest());
        assertTrue(fromFile.toYaml().contains("REFERENCE_EXACT: false"), "kept in the run's config.yaml");

        ConfigException bad = assertThrows(ConfigException.class,
                () -> Presets.load("cityscapes/seg_mdeq_SMALL", List.of("TEST.REFERENCE_EXACT", "corrected")));
        assertTrue(bad.getMessage().contains("TEST.REFERENCE_EXACT expects a boolean (true or false) (default true)"),
                bad.getMessage());
        assertTrue(bad.getMessage().contains("'corrected'"), bad.getMessage());
    }

    @Test
    void unknownKeyInAFileNamesFileKeyAndClosestKey() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "DATASET:\n  DATASET: cifar10\nTRAIN:\n  LRR: 0.1\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("unknown key TRAIN.LRR"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean TRAIN.LR?"), e.getMessage());
    }

    @Test
    void unknownTopLevelKeySuggestsTheSectionItBelongsTo() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Presets.load("cifar/cls_mdeq_TINY", List.of("F_THRES", "10")));
        assertTrue(e.getMessage().contains("did you mean MODEL.F_THRES?"), e.getMessage());
    }

    @Test
    void wrongTypeNamesKeyExpectedTypeAndValue() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Presets.load("cifar/cls_mdeq_TINY", List.of("TRAIN.LR", "fast")));
        assertTrue(e.getMessage().contains("TRAIN.LR"), e.getMessage());
        assertTrue(e.getMessage().contains("expects a number"), e.getMessage());
        assertTrue(e.getMessage().contains("'fast'"), e.getMessage());

        ConfigException intError = assertThrows(ConfigException.class,
                () -> Presets.load("cifar/cls_mdeq_TINY", List.of("MODEL.NUM_LAYERS", "2.5")));
        assertTrue(intError.getMessage().contains("MODEL.NUM_LAYERS expects an integer"), intError.getMessage());
    }

    @Test
    void wrongTypeInAFileNamesTheFile() throws Exception {
        Path file = dir.resolve("types.yaml");
        Files.writeString(file, "DATASET:\n  DATASET: cifar10\n  AUGMENT: maybe\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("DATASET.AUGMENT expects a boolean"), e.getMessage());
    }

    @Test
    void sectionGivenAScalarIsRefused() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Presets.load("cifar/cls_mdeq_TINY", List.of("TRAIN", "5")));
        assertTrue(e.getMessage().contains("TRAIN is a section"), e.getMessage());
    }

    @Test
    void missingFileNamesThePath() {
        Path missing = dir.resolve("nope.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(missing, List.of()));
        assertTrue(e.getMessage().contains(missing.toAbsolutePath().toString()), e.getMessage());
    }

    @Test
    void invalidYamlNamesTheLine() throws Exception {
        Path file = dir.resolve("broken.yaml");
        Files.writeString(file, "DATASET:\n  DATASET: cifar10\n TRAIN: [\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("line"), e.getMessage());
    }

    @Test
    void overrideWithoutValueIsRefused() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Presets.load("cifar/cls_mdeq_TINY", List.of("TRAIN.LR", "0.1", "TRAIN.WD")));
        assertTrue(e.getMessage().contains("TRAIN.WD"), e.getMessage());
    }

    @Test
    void semanticChecksNameTheKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> Presets.load("cifar/cls_mdeq_TINY",
                List.of("MODEL.EXTRA.FULL_STAGE.NUM_CHANNELS", "[24, 24, 48]")));
        assertTrue(e.getMessage().contains("NUM_CHANNELS must have one entry per branch"), e.getMessage());

        ConfigException dataset = assertThrows(ConfigException.class,
                () -> Presets.load("cifar/cls_mdeq_TINY", List.of("DATASET.DATASET", "mpii")));
        assertTrue(dataset.getMessage().contains("'mpii' is not supported"), dataset.getMessage());
        assertTrue(dataset.getMessage().contains("cityscapes"), dataset.getMessage());

        ConfigException choice = assertThrows(ConfigException.class,
                () -> Presets.load("cifar/cls_mdeq_TINY", List.of("TRAIN.OPTIMIZER", "rmsprop")));
        assertTrue(choice.getMessage().contains("TRAIN.OPTIMIZER must be one of [adam, sgd]"), choice.getMessage());
    }

    @ParameterizedTest
    @CsvSource({
            "DEQ.ANDERSON_M, 1, DEQ.ANDERSON_M must be at least 2",
            "DEQ.BROYDEN_MEMORY, 0, DEQ.BROYDEN_MEMORY must be at least 1",
            "DEQ.F_EPS, -1e-5, DEQ.F_EPS must be a number >= 0",
            "DEQ.B_EPS, -2e-10, DEQ.B_EPS must be a number >= 0",
            "DEQ.ANDERSON_LAM, -0.1, DEQ.ANDERSON_LAM must be a number >= 0",
            "DEQ.ANDERSON_BETA, 1.5, DEQ.ANDERSON_BETA must be in (0, 1]",
            "MODEL.F_THRES, 0, MODEL.F_THRES must be at least 1"})
    void solverSettingsAreCheckedWhenTheConfigIsLoaded(String key, String value, String message) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Presets.load("cifar/cls_mdeq_TINY", List.of(key, value)));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void unknownPresetListsTheValidOnes() {
        ConfigException e = assertThrows(ConfigException.class, () -> Presets.load("cifar/cls_mdeq_HUGE", List.of()));
        assertTrue(e.getMessage().contains("cifar/cls_mdeq_TINY"), e.getMessage());
        assertFalse(Presets.exists("../pom"));
    }

    @Test
    void withOverridesChangesOnlyTheNamedKeysAndTheHash() {
        ExperimentConfig base = Presets.load("demo/cls_mdeq_tiny", List.of());
        ExperimentConfig changed = ConfigLoader.withOverrides(base, List.of("TRAIN.LR", "0.5"));
        assertEquals(0.5, changed.train().lr());
        assertEquals(base.model(), changed.model());
        assertFalse(base.sha256().equals(changed.sha256()));
    }

    @Test
    void loadFileOrPresetPrefersAnExistingFileThenAPresetName() throws Exception {
        Path file = dir.resolve("mine.yaml");
        Files.writeString(file, Presets.yaml("demo/cls_mdeq_tiny").replace("LR: 0.001", "LR: 0.123"));
        assertEquals(0.123, ConfigLoader.loadFileOrPreset(file.toString(), List.of()).train().lr());
        assertEquals(0.001, ConfigLoader.loadFileOrPreset("demo/cls_mdeq_tiny", List.of()).train().lr());
        ConfigException missing = assertThrows(ConfigException.class,
                () -> ConfigLoader.loadFileOrPreset("no/such_thing", List.of()));
        assertTrue(missing.getMessage().contains("not found"), missing.getMessage());
    }
}
