package dev.mdeq.model.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.config.Presets;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.storage.ObjectStores;
import dev.mdeq.runstore.testing.S3TestServer;
import dev.mdeq.model.MdeqModel;
import dev.mdeq.model.weights.torch.TorchFixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link WeightFiles}: formats told apart by content, loading from local paths and S3, and the
 * reference checkpoints of the tiny preset giving exactly the model an equivalent npz gives.
 */
class WeightFilesTest {
    private static final String CLS = "demo/cls_mdeq_tiny";
    private static final String SEG = "demo/seg_mdeq_tiny";
    private static NDManager manager;
    private static S3TestServer s3;

    @TempDir
    Path dir;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager(Device.cpu());
        s3 = S3TestServer.start();
    }

    @AfterAll
    static void close() {
        manager.close();
        s3.close();
    }

    static Stream<String> tinyCheckpoints() {
        return Stream.of("tiny_bare.pth", "tiny_bare_legacy.pkl", "tiny_checkpoint.pth.tar", "tiny_seg.pth");
    }

    /** The fixture's model entries as the script recorded them (from tensor.tolist(), not our reader). */
    static Map<String, RawTensor> expectedTiny() {
        return TorchFixtures.expected("torch-1.13", "tiny_bare.pth").modelEntries();
    }

    private static MdeqModel model(String preset, long seed) {
        return MdeqModel.create(Presets.load(preset, List.of()), Device.cpu(), DataType.FLOAT32, seed);
    }

    @Test
    void theFixtureKeysAreExactlyTheModelsStateDict() {
        // make_fixtures.py builds the reference's names by hand from docs/reference-model.md §6; the model builds
        // them from its blocks. Same keys, same order (the reference's registration order), same shapes.
        Map<String, RawTensor> fixture = expectedTiny();
        try (MdeqModel model = model(CLS, 1)) {
            Map<String, RawTensor> state = model.stateDict();
            assertEquals(List.copyOf(state.keySet()), List.copyOf(fixture.keySet()));
            state.forEach((key, tensor) -> {
                assertArrayEquals(tensor.shape(), fixture.get(key).shape(), key);
                assertEquals(tensor.type(), fixture.get(key).type(), key);
            });
        }
    }

    @ParameterizedTest
    @MethodSource("tinyCheckpoints")
    void everyCheckpointShapeLoadsAsTheEquivalentNpz(String name) throws IOException {
        Path npz = dir.resolve("same.npz");
        Npz.write(npz, expectedTiny());
        try (MdeqModel fromTorch = model(CLS, 1); MdeqModel fromNpz = model(CLS, 2)) {
            StateDict.LoadReport report = WeightFiles.loadInto(fromTorch.net(), TorchFixtures.file(name).toString(),
                    StateDict.Mode.STRICT);
            WeightFiles.loadInto(fromNpz.net(), npz.toString(), StateDict.Mode.STRICT);
            assertEquals(List.copyOf(fromTorch.parameters().keySet()), report.loaded());
            assertTrue(report.missing().isEmpty() && report.unexpected().isEmpty());
            Map<String, RawTensor> a = fromTorch.stateDict();
            Map<String, RawTensor> b = fromNpz.stateDict();
            a.forEach((key, tensor) -> assertEquals(b.get(key).data(), tensor.data(), key));
            assertTrue(report.ignored().keySet().stream().anyMatch(k -> k.contains("deq.func.")), name);
            assertTrue(report.ignored().keySet().stream().anyMatch(k -> k.contains("fullstage_copy.")), name);

            float[] logitsA = evaluate(fromTorch);
            float[] logitsB = evaluate(fromNpz);
            assertTrue(allFinite(logitsA));
            assertArrayEquals(logitsB, logitsA, name);
            try (MdeqModel initial = model(CLS, 2)) {
                assertFalse(Arrays.equals(logitsA, evaluate(initial)), "the weights change the logits");
            }
        }
    }

    @Test
    void trainingCheckpointsReportTheirOtherEntriesAndSegmentationFilesTheirLossWeights() {
        try (MdeqModel model = model(CLS, 1)) {
            StateDict.LoadReport report = WeightFiles.loadInto(model.net(),
                    TorchFixtures.file("tiny_checkpoint.pth.tar").toString(), StateDict.Mode.STRICT);
            assertEquals("training checkpoint entry, not weights", report.ignored().get("optimizer"));
            assertEquals("training checkpoint entry, not weights", report.ignored().get("epoch"));
            report = WeightFiles.loadInto(model.net(), TorchFixtures.file("tiny_seg.pth").toString(),
                    StateDict.Mode.STRICT);
            assertEquals("loss weights of FullModel", report.ignored().get("loss.criterion.weight"));
            String describe = report.describe("tiny_seg.pth");
            assertTrue(describe.startsWith("loaded 98 of 98 model entries from tiny_seg.pth: downsample 12, fullstage 34,"
                    + " incre_modules 36, downsamp_modules 7, final_layer 7, classifier 2"), describe);
            assertTrue(describe.contains("1 x loss weights of FullModel: loss.criterion.weight"), describe);
        }
    }

    @Test
    void strictLoadOfAMismatchedCheckpointListsEveryProblemAndChangesNothing() {
        try (MdeqModel model = model(CLS, 1)) {
            Map<String, RawTensor> before = model.stateDict();
            String file = TorchFixtures.file("tiny_mismatch.pth").toString();
            InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> WeightFiles.loadInto(model.net(), file, StateDict.Mode.STRICT));
            String message = e.getMessage();
            assertTrue(message.startsWith("weights " + file + " do not fit the model (strict load); nothing was loaded"),
                    message);
            assertTrue(message.contains("shape mismatch [1]:\n    classifier.weight: weights (5, 32), model (10, 32)"),
                    message);
            assertTrue(message.contains("missing (the model has them, the weights do not) [1]:\n"
                    + "    fullstage.post_fuse_layers.1.gnorm.bias (16,)"), message);
            assertTrue(message.contains("unexpected (the weights have them, the model does not) [1]:\n"
                    + "    aux_head.weight (3, 32)"), message);
            model.stateDict().forEach((key, tensor) -> assertEquals(before.get(key).data(), tensor.data(), key));
        }
    }

    @Test
    void matchingLoadPutsAClassificationCheckpointsBackboneIntoASegmentationModel() {
        Map<String, RawTensor> expected = expectedTiny();
        try (MdeqModel model = model(SEG, 1)) {
            Map<String, RawTensor> before = model.stateDict();
            StateDict.LoadReport report = WeightFiles.loadInto(model.net(),
                    TorchFixtures.file("tiny_checkpoint.pth.tar").toString(), StateDict.Mode.MATCHING);
            List<String> backbone = model.parameters().keySet().stream()
                    .filter(k -> k.startsWith("downsample.") || k.startsWith("fullstage.")).toList();
            assertEquals(backbone, report.loaded());
            Map<String, RawTensor> after = model.stateDict();
            backbone.forEach(key -> assertEquals(expected.get(key).data(), after.get(key).data(), key));
            assertTrue(report.missing().stream().allMatch(k -> k.startsWith("stage0.") || k.startsWith("last_layer.")));
            assertEquals(before.size() - backbone.size(), report.missing().size());
            after.keySet().stream().filter(k -> !backbone.contains(k))
                    .forEach(key -> assertEquals(before.get(key).data(), after.get(key).data(), key));
            assertEquals(expected.size() - backbone.size(), report.unexpected().size());
            assertTrue(report.unexpected().stream().allMatch(k -> Stream.of("incre_modules.", "downsamp_modules.",
                    "final_layer.", "classifier.").anyMatch(k::startsWith)), report.unexpected().toString());
        }
    }

    @Test
    void aMatchingLoadThatMatchesNothingIsAnError() throws IOException {
        Path npz = dir.resolve("other.npz");
        Npz.write(npz, Map.of("encoder.weight", RawTensor.ofFloats(new long[] {2}, new float[2])));
        try (MdeqModel model = model(CLS, 1)) {
            InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> WeightFiles.loadInto(model.net(), npz.toString(), StateDict.Mode.MATCHING));
            assertTrue(e.getMessage().contains("have no entry of this model") && e.getMessage().contains("encoder.weight"),
                    e.getMessage());
        }
    }

    @Test
    void formatsAreToldApartByContentNotByName() throws IOException {
        Path npzNamedPth = dir.resolve("weights.pth");
        Npz.write(npzNamedPth, expectedTiny());
        assertEquals(WeightFiles.Format.NPZ, WeightFiles.detect(npzNamedPth));
        Path zipNamedNpz = copy("tiny_bare.pth", "weights.npz");
        assertEquals(WeightFiles.Format.TORCH_ZIP, WeightFiles.detect(zipNamedNpz));
        Path legacyNamedNpz = copy("tiny_bare_legacy.pkl", "legacy.npz");
        assertEquals(WeightFiles.Format.TORCH_LEGACY, WeightFiles.detect(legacyNamedNpz));
        try (MdeqModel a = model(CLS, 1); MdeqModel b = model(CLS, 2)) {
            WeightFiles.loadInto(a.net(), npzNamedPth.toString(), StateDict.Mode.STRICT);
            WeightFiles.loadInto(b.net(), legacyNamedNpz.toString(), StateDict.Mode.STRICT);
            a.stateDict().forEach((key, tensor) -> assertEquals(tensor.data(), b.stateDict().get(key).data(), key));
        }
    }

    @Test
    void anythingElseIsRefusedNamingTheFileAndTheAcceptedFormats() throws IOException {
        Map<Path, String> cases = new LinkedHashMap<>();
        cases.put(write("empty.pth", new byte[0]), "the weights file is empty");
        cases.put(write("page.pth", "<html>not found</html>".getBytes(StandardCharsets.US_ASCII)),
                "not a weights file: it starts with bytes 3c 68 74 6d 6c 3e 6e 6f ('<html>no')");
        cases.put(write("one.npy", Npy.toBytes(RawTensor.ofFloats(new long[] {2}, new float[2]))),
                "a single NumPy array (.npy)");
        byte[] tar = new byte[1024];
        System.arraycopy("ustar".getBytes(StandardCharsets.US_ASCII), 0, tar, 257, 5);
        cases.put(write("old.pth.tar", tar), "this is a tar archive");
        byte[] npz = Files.readAllBytes(npz(dir.resolve("w.npz")));
        cases.put(write("cut.npz", Arrays.copyOf(npz, npz.length / 2)), "truncated or corrupt zip archive");
        cases.put(foreignZip(dir.resolve("notes.zip")), "neither an .npz (no .npy entries) nor a PyTorch checkpoint"
                + " (no <name>/data.pkl); entries: notes.txt");
        cases.put(dir.resolve("missing.pth"), "does not exist");
        cases.put(dir, "is a directory");
        cases.forEach((file, expected) -> {
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> WeightFiles.read(file));
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            assertTrue(e.getMessage().contains(expected), e.getMessage());
            if (!expected.equals("does not exist")) {
                assertTrue(e.getMessage().contains(WeightFiles.ACCEPTED), e.getMessage());
            }
        });
    }

    @Test
    void maliciousCheckpointsAreRefusedAndNeverRun() throws IOException {
        Files.deleteIfExists(TorchFixtures.marker());
        for (String name : List.of("malicious_system.pth", "malicious_eval_legacy.pth", "whole_module.pth")) {
            try (MdeqModel model = model(CLS, 1)) {
                InvalidInputException e = assertThrows(InvalidInputException.class,
                        () -> WeightFiles.loadInto(model.net(), TorchFixtures.file(name).toString(), StateDict.Mode.STRICT));
                assertTrue(e.getMessage().contains("refusing to load the global"), e.getMessage());
            }
        }
        assertFalse(Files.exists(TorchFixtures.marker()));
    }

    @Test
    void weightsAreReadFromAndWrittenToAStore() throws IOException {
        Path local = TorchFixtures.file("tiny_checkpoint.pth.tar");
        try (ObjectStore store = s3.open("weights");
                ObjectStores.EnvironmentOverride env = ObjectStores.overrideEnvironment(s3.environment());
                MdeqModel fromS3 = model(CLS, 1);
                MdeqModel fromFile = model(CLS, 2)) {
            store.put("ckpt/checkpoint.pth.tar", local);
            String uri = s3.uri("weights/ckpt/checkpoint.pth.tar");
            StateDict.LoadReport report = WeightFiles.loadInto(fromS3.net(), uri, StateDict.Mode.STRICT);
            WeightFiles.loadInto(fromFile.net(), "file:" + local, StateDict.Mode.STRICT);
            assertEquals(98, report.loaded().size());
            fromS3.stateDict().forEach((key, tensor) -> assertEquals(fromFile.stateDict().get(key).data(),
                    tensor.data(), key));

            String target = s3.uri("weights/imported/tiny.npz");
            WeightFiles.writeNpz(target, fromS3.stateDict(), false);
            assertEquals(WeightFiles.contents(target).tensors().keySet(), fromS3.stateDict().keySet());
            InvalidInputException exists = assertThrows(InvalidInputException.class,
                    () -> WeightFiles.writeNpz(target, Map.of(), false));
            assertTrue(exists.getMessage().contains(target + " already exists; it was left as it is"),
                    exists.getMessage());
            assertEquals(98, WeightFiles.contents(target).tensors().size());
            WeightFiles.writeNpz(target, Map.of("x", RawTensor.ofFloats(new long[] {1}, new float[1])), true);
            assertEquals(List.of("x"), List.copyOf(WeightFiles.contents(target).tensors().keySet()));

            String missing = s3.uri("weights/nothing.pth");
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> WeightFiles.contents(missing));
            assertEquals("weights file " + missing + " does not exist", e.getMessage());

            byte[] bytes = Files.readAllBytes(local);
            store.putBytes("cut.pth", Arrays.copyOf(bytes, bytes.length - 100));
            String cut = s3.uri("weights/cut.pth");
            e = assertThrows(InvalidInputException.class, () -> WeightFiles.contents(cut));
            assertTrue(e.getMessage().startsWith(cut + ": truncated or corrupt zip archive"), e.getMessage());

            // read(location, setting): the trainer's and the evaluator's one way in, the same from a
            // store, a file: URI or a plain path; every refusal names the setting first
            assertEquals(WeightFiles.read(local).keySet(), WeightFiles.read(uri, "TRAIN.MODEL_FILE").keySet());
            assertEquals(WeightFiles.read(local).keySet(), WeightFiles.read(local.toString(), "--weights").keySet());
            e = assertThrows(InvalidInputException.class, () -> WeightFiles.read(missing, "MODEL.PRETRAINED"));
            assertEquals("MODEL.PRETRAINED: weights file " + missing + " does not exist", e.getMessage());
            Path absent = dir.resolve("absent.pth");
            e = assertThrows(InvalidInputException.class, () -> WeightFiles.read("file:" + absent, "TEST.MODEL_FILE"));
            assertEquals("TEST.MODEL_FILE: weights file " + absent + " does not exist", e.getMessage());
        }
    }

    private Path copy(String fixture, String name) throws IOException {
        return Files.copy(TorchFixtures.file(fixture), dir.resolve(name));
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private static Path npz(Path file) throws IOException {
        Npz.write(file, expectedTiny());
        return file;
    }

    private static Path foreignZip(Path file) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new ZipEntry("notes.txt"));
            zip.write("hello".getBytes(StandardCharsets.US_ASCII));
            zip.closeEntry();
        }
        return file;
    }

    /** Logits of the equilibrium evaluation on a fixed batch. */
    private static float[] evaluate(MdeqModel model) {
        java.util.Random random = new java.util.Random(7);
        float[] pixels = new float[2 * 3 * 32 * 32];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextGaussian();
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray images = scope.create(pixels, new Shape(2, 3, 32, 32));
            try (MdeqModel.Evaluation evaluation = model.evaluate(images, MdeqModel.Mode.EQUILIBRIUM, false)) {
                return evaluation.logits().toFloatArray();
            }
        }
    }

    private static boolean allFinite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }
}
