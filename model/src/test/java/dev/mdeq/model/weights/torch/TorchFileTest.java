package dev.mdeq.model.weights.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.model.weights.RawTensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class TorchFileTest {
    @TempDir
    Path temp;

    static Stream<TorchFixtures.Expected> goodFixtures() {
        return TorchFixtures.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goodFixtures")
    void everyFixtureReadsAsPyTorchWroteIt(TorchFixtures.Expected expected) {
        try (TorchFile checkpoint = TorchFile.open(expected.file())) {
            assertEquals(expected.format(), checkpoint.format().name());
            assertEquals(expected.kind(), checkpoint.kind().name());
            assertEquals(expected.skipped(), new ArrayList<>(checkpoint.skipped().keySet()));

            Map<String, TensorInfo> infos = checkpoint.entries();
            assertEquals(new ArrayList<>(expected.stateDict().keySet()), new ArrayList<>(infos.keySet()));
            infos.forEach((key, info) -> {
                assertEquals(expected.sourceDtypes().get(key), info.dtype().pythonName(), key);
                assertArrayEquals(expected.stateDict().get(key).shape(), info.shape(), key);
            });
            assertSameTensors(expected.stateDict(), checkpoint.stateDict());
            assertSameTensors(expected.modelEntries(), checkpoint.modelStateDict());
            assertEquals(new ArrayList<>(expected.modelEntries().keySet()),
                    new ArrayList<>(checkpoint.modelEntries().keySet()));
        }
    }

    private static void assertSameTensors(Map<String, RawTensor> expected, Map<String, RawTensor> actual) {
        assertEquals(new ArrayList<>(expected.keySet()), new ArrayList<>(actual.keySet()));
        expected.forEach((key, want) -> {
            RawTensor got = actual.get(key);
            assertEquals(want.type(), got.type(), key);
            assertArrayEquals(want.shape(), got.shape(), key);
            assertEquals(want.data(), got.data(), key + ": elements differ");
        });
    }

    @Test
    void theTinyModelInFourShapesGivesTheSameModelEntries() {
        Map<String, RawTensor> bare = TorchFile.readModelStateDict(TorchFixtures.file("tiny_bare.pth"));
        for (String name : List.of("tiny_bare_legacy.pkl", "tiny_checkpoint.pth.tar", "tiny_seg.pth")) {
            assertSameTensors(bare, TorchFile.readModelStateDict(TorchFixtures.file(name)));
        }
        assertTrue(bare.containsKey("fullstage.branches.0.blocks.0.conv1.weight_g"));
        assertTrue(bare.containsKey("downsample.1.num_batches_tracked"));
        assertTrue(bare.keySet().stream().noneMatch(key -> key.startsWith("fullstage_copy.") || key.startsWith("deq.")));
        // demo/cls_mdeq_tiny has DOWNSAMPLE_TIMES 0 and 2 branches: no stage0 (docs/reference-model.md §1.1).
        assertTrue(bare.keySet().stream().noneMatch(key -> key.startsWith("stage0.")));
    }

    @Test
    void aliasesShareTheirStorageAndReadTheSameValues() {
        try (TorchFile checkpoint = TorchFile.open(TorchFixtures.file("tiny_bare.pth"))) {
            String key = "branches.1.blocks.0.conv2.weight_v";
            assertEquals(checkpoint.read("fullstage." + key).data(), checkpoint.read("deq.func." + key).data());
            assertEquals(RawTensor.Type.INT64, checkpoint.read("final_layer.1.num_batches_tracked").type());
            assertEquals(0, checkpoint.read("final_layer.1.num_batches_tracked").shape().length);
        }
    }

    @Test
    void viewsAreMaterialisedInRowMajorOrder() {
        // Independent of the fixture's expected values: base = arange(24).reshape(2, 3, 4) * 0.5 - 3.
        Map<String, RawTensor> views = TorchFile.readModelStateDict(TorchFixtures.file("views.pth"));
        float[] transposed = views.get("transposed").toFloatArray();
        assertArrayEquals(new long[] {4, 3}, views.get("transposed").shape());
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 3; j++) {
                assertEquals((j * 4 + i) * 0.5f - 3, transposed[i * 3 + j]);
            }
        }
        // base[1, 1:, 1:3]: storage offset 17, strides (4, 1).
        assertArrayEquals(new float[] {17 * 0.5f - 3, 18 * 0.5f - 3, 21 * 0.5f - 3, 22 * 0.5f - 3},
                views.get("sliced").toFloatArray());
        assertArrayEquals(new float[] {23 * 0.5f - 3}, views.get("scalar_view").toFloatArray());
        assertArrayEquals(new float[] {1.5f, -2f, 3.25f, 1.5f, -2f, 3.25f}, views.get("expanded").toFloatArray());
        assertArrayEquals(new double[] {2 / 7.0, 5 / 7.0, 8 / 7.0}, views.get("strided").toDoubleArray());
        assertArrayEquals(new long[] {0, 3}, views.get("empty").shape());
    }

    @Test
    void narrowTypesWidenExactly() {
        Map<String, RawTensor> dtypes = TorchFile.readModelStateDict(TorchFixtures.file("dtypes_big_endian.pth"));
        assertArrayEquals(new float[] {0.5f, -1.25f, 65504f, 5.9604645e-8f, Float.POSITIVE_INFINITY},
                dtypes.get("float16").toFloatArray());
        assertArrayEquals(new float[] {1f, -3.140625f, 1.0002555517425873e30f}, dtypes.get("bfloat16").toFloatArray());
        assertArrayEquals(new long[] {-(1L << 31), 12345, (1L << 31) - 1}, dtypes.get("int32").toLongArray());
        assertArrayEquals(new long[] {0, 1, 200, 255}, dtypes.get("uint8").toLongArray());
        assertArrayEquals(new long[] {-128, 0, 127}, dtypes.get("int8").toLongArray());
        assertArrayEquals(new long[] {1, 0, 1}, dtypes.get("bool").toLongArray());
        assertArrayEquals(new long[] {-(1L << 40), 0, 5, 7, 1L << 62, -1}, dtypes.get("int64").toLongArray());
    }

    @Test
    void halfPrecisionConversionCoversEveryClass() {
        assertEquals(0f, TorchDtype.halfToFloat((short) 0));
        assertEquals(-0f, TorchDtype.halfToFloat((short) 0x8000));
        assertEquals(1f, TorchDtype.halfToFloat((short) 0x3c00));
        assertEquals(-2f, TorchDtype.halfToFloat((short) 0xc000));
        assertEquals(0x1p-24f, TorchDtype.halfToFloat((short) 0x0001));
        assertEquals(0x3ffp-24f, TorchDtype.halfToFloat((short) 0x03ff));
        assertEquals(Float.NEGATIVE_INFINITY, TorchDtype.halfToFloat((short) 0xfc00));
        assertTrue(Float.isNaN(TorchDtype.halfToFloat((short) 0x7e00)));
    }

    @Test
    void trainingCheckpointReportsWhatItSkips() {
        try (TorchFile checkpoint = TorchFile.open(TorchFixtures.file("tiny_checkpoint.pth.tar"))) {
            assertEquals("int 7", checkpoint.skipped().get("epoch"));
            assertEquals("str 'mdeq'", checkpoint.skipped().get("model"));
            assertEquals("tensor float32 ()", checkpoint.skipped().get("perf"));
            assertEquals("dict (2 entries)", checkpoint.skipped().get("optimizer"));
        }
    }

    @Test
    void maliciousPicklesAreRefusedByNameAndNeverRun() throws IOException {
        Path marker = TorchFixtures.marker();
        Files.deleteIfExists(marker);
        Path system = TorchFixtures.file("malicious_system.pth");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> TorchFile.open(system));
        assertTrue(e.getMessage().startsWith(system.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("'posix.system'"), e.getMessage());
        Path eval = TorchFixtures.file("malicious_eval_legacy.pth");
        e = assertThrows(InvalidInputException.class, () -> TorchFile.open(eval));
        assertTrue(e.getMessage().startsWith(eval.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("'__builtin__.eval'"), e.getMessage());
        assertFalse(Files.exists(marker), "a payload ran");
    }

    @Test
    void aPickledModuleIsRefusedWithAHint() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> TorchFile.open(TorchFixtures.file("whole_module.pth")));
        assertTrue(e.getMessage().contains("'torch.nn.modules.linear.Linear'"), e.getMessage());
        assertTrue(e.getMessage().contains("model.state_dict()"), e.getMessage());
    }

    @Test
    void complexTensorsAreRejectedNamingTheDtype() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> TorchFile.open(TorchFixtures.file("complex.pth")));
        assertTrue(e.getMessage().contains("complex64"), e.getMessage());
        assertTrue(e.getMessage().contains("not supported"), e.getMessage());
    }

    @Test
    void aStorageShorterThanItsTensorIsRefused() {
        Path file = TorchFixtures.file("short_storage.pth");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> TorchFile.open(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("tensor 'base'"), e.getMessage());
        assertTrue(e.getMessage().contains("holds only 12 element(s)"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 100, 60_000, -22, -1})
    void truncatedZipIsRefused(int cut) throws IOException {
        Path file = truncated("tiny_bare.pth", cut);
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> TorchFile.open(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 20, 140, 2_000, 60_000, -1})
    void truncatedLegacyFileIsRefused(int cut) throws IOException {
        Path file = truncated("tiny_bare_legacy.pkl", cut);
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> TorchFile.open(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    /** The fixture's first {@code cut} bytes (negative: all but the last {@code -cut}). */
    private Path truncated(String name, int cut) throws IOException {
        byte[] bytes = Files.readAllBytes(TorchFixtures.file(name));
        int length = cut >= 0 ? cut : bytes.length + cut;
        Path out = temp.resolve("cut-" + length + "-" + name);
        Files.write(out, java.util.Arrays.copyOf(bytes, length));
        return out;
    }

    @Test
    void corruptPickleInTheLegacyDataIsRefused() throws IOException {
        byte[] bytes = Files.readAllBytes(TorchFixtures.file("views_legacy.pth"));
        // The data pickle starts after magic (15 bytes), protocol (6) and sys_info; its first opcode
        // after PROTO is GLOBAL 'collections OrderedDict': make it an unknown opcode.
        int data = indexOf(bytes, "ccollections\nOrderedDict".getBytes());
        bytes[data] = (byte) 0xff;
        Path file = temp.resolve("corrupt.pth");
        Files.write(file, bytes);
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> TorchFile.open(file));
        assertTrue(e.getMessage().contains("unknown opcode 0xff at byte " + data)
                || e.getMessage().contains("at byte " + data + ": unknown opcode 0xff"), e.getMessage());
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    @Test
    void aMissingStorageEntryIsNamed() throws IOException {
        Path file = rewriteZip("views.pth", name -> !name.endsWith("/data/2"));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> TorchFile.open(file));
        assertTrue(e.getMessage().contains("storage '2'"), e.getMessage());
        assertTrue(e.getMessage().contains("missing from the archive"), e.getMessage());
    }

    @Test
    void aZipWithoutDataPklIsNotACheckpoint() throws IOException {
        Path file = rewriteZip("views.pth", name -> !name.endsWith("/data.pkl"));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> TorchFile.open(file));
        assertTrue(e.getMessage().contains("no <name>/data.pkl entry"), e.getMessage());
    }

    private Path rewriteZip(String name, java.util.function.Predicate<String> keep) throws IOException {
        Path out = temp.resolve("rewritten-" + name);
        try (ZipFile in = new ZipFile(TorchFixtures.file(name).toFile());
             ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(out))) {
            for (ZipEntry entry : Collections.list(in.entries())) {
                if (keep.test(entry.getName())) {
                    zip.putNextEntry(new ZipEntry(entry.getName()));
                    zip.write(in.getInputStream(entry).readAllBytes());
                    zip.closeEntry();
                }
            }
        }
        return out;
    }

    @Test
    void otherFilesAreNotCheckpoints() throws IOException {
        assertMessage(write("empty.pth", new byte[0]), "is empty");
        assertMessage(write("text.pth", "hello world".getBytes()), "not a PyTorch checkpoint: it starts with bytes 68 65");
        // pickle.dumps({}, protocol=2): a plain pickle, not torch.save's sequence.
        assertMessage(write("plain.pkl", new byte[] {(byte) 0x80, 2, '}', 'q', 0, '.'}),
                "the file is a pickle of dict (0 entries), not torch.save's magic number");
        Path npz = temp.resolve("weights.npz");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(npz))) {
            zip.putNextEntry(new ZipEntry("a.npy"));
            zip.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'});
            zip.closeEntry();
        }
        assertMessage(npz, "NumPy .npz");
    }

    @Test
    void aCheckpointThatIsNotADictIsRefused() throws IOException {
        Path file = temp.resolve("list.pth");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new ZipEntry("list/data.pkl"));
            zip.write(new byte[] {(byte) 0x80, 2, ']', 'q', 0, '.'}); // pickle.dumps([], protocol=2)
            zip.closeEntry();
        }
        assertMessage(file, "holds list (0 items), not a state dict");
    }

    @Test
    void aDictWithoutTensorsNamesItsKeys() throws IOException {
        Path file = temp.resolve("meta.pth");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new ZipEntry("meta/data.pkl"));
            // {'epoch': 3} as protocol 2: EMPTY_DICT, BINUNICODE 'epoch', BININT1 3, SETITEM, STOP
            zip.write(new byte[] {(byte) 0x80, 2, '}', 'X', 5, 0, 0, 0, 'e', 'p', 'o', 'c', 'h', 'K', 3, 's', '.'});
            zip.closeEntry();
        }
        assertMessage(file, "no state dict in the checkpoint: its top-level keys are [epoch]");
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path file = temp.resolve(name);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(bytes);
        }
        return file;
    }

    private static void assertMessage(Path file, String fragment) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> TorchFile.open(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void legacyStorageViewsAndTheOldRebuildFunctionAreRead() throws IOException {
        // A legacy file as very old PyTorch wrote it, built by hand from the format's definition:
        // 'a' = _rebuild_tensor(view (root 'r', offset 2, size 3), offset 1, size (2,), stride (1,)),
        // i.e. elements 3 and 4 of the root storage r = [0, 1, 2, 3, 4, 5]; 'b' = the root without a
        // view, size (3,) stride (2,) = [0, 2, 4].
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(TorchFixtures.bytes(0x80, 2, 0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, '.'));
        out.writeBytes(TorchFixtures.bytes(0x80, 2, 'M', 0xe9, 0x03, '.'));
        out.writeBytes(TorchFixtures.bytes(0x80, 2, '}', 0x8c, 13, "little_endian", 0x88, 's', '.'));
        out.writeBytes(TorchFixtures.bytes(0x80, 2, '}', 'q', 0,
                0x8c, 1, "a", 'c', "torch._utils\n_rebuild_tensor\n", 'q', 1,
                '(', '(', 0x8c, 7, "storage", 'c', "torch\nFloatStorage\n", 'q', 2, 0x8c, 1, "r", 0x8c, 3, "cpu",
                'K', 6, 0x8c, 1, "v", 'K', 2, 'K', 3, 0x87, 't', 'Q', 'K', 1, 'K', 2, 0x85, 'K', 1, 0x85, 't', 'R', 's',
                0x8c, 1, "b", 'h', 1,
                '(', '(', 0x8c, 7, "storage", 'h', 2, 0x8c, 1, "r", 0x8c, 3, "cpu", 'K', 6, 'N', 't', 'Q',
                'K', 0, 'K', 3, 0x85, 'K', 2, 0x85, 't', 'R', 's', '.'));
        out.writeBytes(TorchFixtures.bytes(0x80, 2, ']', 0x8c, 1, "r", 'a', '.'));
        ByteBuffer storage = ByteBuffer.allocate(8 + 24).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(6);
        for (int i = 0; i < 6; i++) {
            storage.putFloat(i);
        }
        out.writeBytes(storage.array());
        Path file = write("old.pth", out.toByteArray());
        try (TorchFile checkpoint = TorchFile.open(file)) {
            assertEquals(TorchFileFormat.LEGACY, checkpoint.format());
            assertArrayEquals(new float[] {3, 4}, checkpoint.read("a").toFloatArray());
            assertArrayEquals(new float[] {0, 2, 4}, checkpoint.read("b").toFloatArray());
        }
    }

    @Test
    void rawTensorBytesAreLittleEndianRowMajor() {
        RawTensor t = TorchFile.readModelStateDict(TorchFixtures.file("views_legacy.pth")).get("base");
        ByteBuffer data = t.data();
        assertEquals(-3f, data.getFloat(0));
        assertEquals(-2.5f, data.getFloat(4));
    }
}
