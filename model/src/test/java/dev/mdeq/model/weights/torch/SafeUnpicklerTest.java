package dev.mdeq.model.weights.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.runstore.run.InvalidInputException;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The opcodes one by one, on pickles written by hand from the pickle format's definition. */
class SafeUnpicklerTest {

    private static byte[] pickle(Object... parts) {
        return TorchFixtures.bytes(parts);
    }

    private static Object load(byte[] bytes) {
        PickleInput in = new PickleInput(new ByteArrayInputStream(bytes), "test.pkl", 0, bytes.length);
        return new SafeUnpickler(in, new TorchGlobals(), (id, at) -> StorageRef.parse(id, "test.pkl", at)).load();
    }

    private static String error(byte[] bytes) {
        return assertThrows(InvalidInputException.class, () -> load(bytes)).getMessage();
    }

    @Test
    void integers() {
        assertEquals(5L, load(pickle(0x80, 2, 'K', 5, '.')));
        assertEquals(65535L, load(pickle(0x80, 2, 'M', 0xff, 0xff, '.')));
        assertEquals(-1L, load(pickle(0x80, 2, 'J', 0xff, 0xff, 0xff, 0xff, '.')));
        assertEquals(-2L, load(pickle(0x80, 2, 0x8a, 1, 0xfe, '.')));
        assertEquals(0L, load(pickle(0x80, 2, 0x8a, 0, '.')));
        assertEquals(Long.MIN_VALUE, load(pickle(0x80, 2, 0x8a, 8, 0, 0, 0, 0, 0, 0, 0, 0x80, '.')));
        assertEquals(BigInteger.ONE.shiftLeft(64), load(pickle(0x80, 2, 0x8b, 9, 0, 0, 0, /* 9 bytes */ 0, 0, 0, 0, 0, 0, 0, 0, 1, '.')));
    }

    @Test
    void theLegacyMagicNumberAsTorchWritesIt() {
        // The first 15 bytes of every legacy torch.save file.
        byte[] magic = pickle(0x80, 2, 0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, '.');
        assertEquals(TorchLegacyFile.MAGIC_NUMBER, load(magic));
        assertEquals(new BigInteger("119547037146038801333356"), load(magic));
    }

    @Test
    void floatsStringsBytesAndConstants() {
        assertEquals(1.0, load(pickle(0x80, 2, 'G', 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, '.')));
        assertEquals(-2.5, load(pickle(0x80, 2, 'G', 0xc0, 0x04, 0, 0, 0, 0, 0, 0, '.')));
        assertEquals("é", load(pickle(0x80, 2, 'X', 2, 0, 0, 0, 0xc3, 0xa9, '.')));
        assertEquals("ab", load(pickle(0x80, 4, 0x8c, 2, "ab", '.')));
        assertEquals("ab", load(pickle(0x80, 4, 0x8d, 2, 0, 0, 0, 0, 0, 0, 0, "ab", '.')));
        assertEquals("py2", load(pickle(0x80, 2, 'U', 3, "py2", '.')));
        assertArrayEquals(new byte[] {1, 2}, (byte[]) load(pickle(0x80, 3, 'C', 2, 1, 2, '.')));
        assertArrayEquals(new byte[] {7}, (byte[]) load(pickle(0x80, 3, 'B', 1, 0, 0, 0, 7, '.')));
        assertEquals(Boolean.TRUE, load(pickle(0x80, 2, 0x88, '.')));
        assertEquals(Boolean.FALSE, load(pickle(0x80, 2, 0x89, '.')));
        assertEquals(null, load(pickle(0x80, 2, 'N', '.')));
    }

    @Test
    void containersAndMemo() {
        // ([1, (2, 'a'), {'k': None}],): the list is stored with BINPUT, popped, fetched back with BINGET.
        Object value = load(pickle(0x80, 2, ']', 'q', 0, '(', 'K', 1, 'K', 2, 0x8c, 1, "a", 0x86,
                '}', 0x8c, 1, "k", 'N', 's', 'e', '0', 'h', 0, 0x85, '.'));
        PyTuple outer = assertInstanceOf(PyTuple.class, value);
        List<?> list = assertInstanceOf(List.class, outer.get(0));
        assertEquals(3, list.size());
        assertEquals(1L, list.get(0));
        assertEquals(PyTuple.of(2L, "a"), list.get(1));
        Map<?, ?> dict = assertInstanceOf(Map.class, list.get(2));
        assertTrue(dict.containsKey("k"));
        assertEquals(null, dict.get("k"));
        // Protocol 4: FRAME, MEMOIZE, STACK-free tuple of the same string twice.
        Object framed = load(pickle(0x80, 4, 0x95, 7, 0, 0, 0, 0, 0, 0, 0, 0x8c, 2, "hi", 0x94, 'h', 0, 0x86, '.'));
        assertEquals(PyTuple.of("hi", "hi"), framed);
        // MARK ... TUPLE, LIST, DICT, POP, DUP, POP_MARK, sets.
        assertEquals(PyTuple.of(1L, 2L, 3L), load(pickle(0x80, 2, '(', 'K', 1, 'K', 2, 'K', 3, 't', '.')));
        assertEquals(Arrays.asList(1L), load(pickle(0x80, 2, '(', 'K', 1, 'l', '.')));
        assertEquals(Map.of("a", 1L), load(pickle(0x80, 2, '(', 0x8c, 1, "a", 'K', 1, 'd', '.')));
        assertEquals(4L, load(pickle(0x80, 2, 'K', 4, 'K', 9, '0', '.')));
        assertEquals(PyTuple.of(4L, 4L), load(pickle(0x80, 2, 'K', 4, '2', 0x86, '.')));
        assertEquals(5L, load(pickle(0x80, 2, 'K', 5, '(', 'K', 1, 'K', 2, '1', '.')));
        assertEquals(java.util.Set.of(1L, 2L), load(pickle(0x80, 4, 0x8f, '(', 'K', 1, 'K', 2, 0x90, '.')));
    }

    @Test
    void orderedDictAndTensorRebuild() {
        // OrderedDict([('w', _rebuild_tensor_v2(<storage '0' float32 x6>, 1, (2, 2), (1, 2), False, OrderedDict()))])
        byte[] bytes = pickle(0x80, 2, 'c', "collections\nOrderedDict\n", 'q', 0, ')', 'R', '(',
                0x8c, 1, "w", 'c', "torch._utils\n_rebuild_tensor_v2\n",
                '(', '(', 0x8c, 7, "storage", 'c', "torch\nFloatStorage\n", 0x8c, 1, "0", 0x8c, 3, "cpu", 'K', 6, 't', 'Q',
                'K', 1, 'K', 2, 'K', 2, 0x86, 'K', 1, 'K', 2, 0x86, 0x89, 'h', 0, ')', 'R', 't', 'R',
                'u', '}', 'b', '.');
        Map<?, ?> dict = assertInstanceOf(Map.class, load(bytes));
        TorchTensor tensor = assertInstanceOf(TorchTensor.class, dict.get("w"));
        assertEquals(1, tensor.offset());
        assertArrayEquals(new long[] {2, 2}, tensor.size());
        assertArrayEquals(new long[] {1, 2}, tensor.stride());
        assertEquals(TorchDtype.FLOAT32, tensor.dtype());
        assertEquals(new StorageRef("0", TorchDtype.FLOAT32, 6, "cpu", 0, 6), tensor.storage());
    }

    @Test
    void disallowedGlobalsAreRefusedWhenNamed() {
        String message = error(pickle(0x80, 4, 0x8c, 5, "posix", 0x8c, 6, "system", 0x93, 0x8c, 2, "ls", 0x85, 'R', '.'));
        assertTrue(message.startsWith("test.pkl: refusing to load the global 'posix.system' (pickle byte 17)"), message);
        assertTrue(error(pickle(0x80, 2, 'c', "builtins\neval\n", '.')).contains("'builtins.eval'"));
        assertTrue(error(pickle(0x80, 2, 'c', "torch\nload\n", '.')).contains("'torch.load'"));
        assertTrue(error(pickle(0x80, 2, 'c', "__torch__.m\nNet\n", '.')).contains("TorchScript"));
        assertTrue(error(pickle(0x80, 2, 'c', "numpy.core.multiarray\nscalar\n", '.')).contains("NumPy"));
        // An allowed storage class is still not callable.
        assertTrue(error(pickle(0x80, 2, 'c', "torch\nFloatStorage\n", ')', 'R', '.')).contains("cannot be called"));
    }

    @Test
    void corruptPicklesAreRefusedWithThePosition() {
        assertTrue(error(pickle(0x80, 2, 0x85, '.')).contains("at byte 2: stack underflow"));
        assertTrue(error(pickle(0x80, 2, 'h', 7, '.')).contains("memo entry 7 was never stored"));
        assertTrue(error(pickle(0x80, 2, 'I', "1\n", '.')).contains("text opcode"));
        assertTrue(error(pickle(0x80, 2, 'i', "os\nsystem\n", '.')).contains("INST/OBJ"));
        assertTrue(error(pickle(0x80, 6, '.')).contains("protocol 6"));
        assertTrue(error(pickle(0x80, 2, 'K', 1, 'K', 2, '.')).contains("STOP with 2 object(s)"));
        assertTrue(error(pickle(0x80, 2, 0xfe, '.')).contains("unknown opcode 0xfe"));
        assertTrue(error(pickle(0x80, 2, '}', ']', 'K', 1, 's', '.')).contains("unhashable dict key"));
        assertTrue(error(pickle(0x80, 2, 'K', 1, 'K', 2, 'a', '.')).contains("APPEND to int 1"));
        assertTrue(error(pickle(0x80, 2, ']', 'N', 'b', '.')).contains("BUILD of list"));
        assertTrue(error(pickle(0x80, 2, 'X', 0xff, 0xff, 0xff, 0x7f, "ab")).contains("truncated or corrupt pickle"));
        assertTrue(error(pickle(0x80, 2, 'X', 1, 0, 0, 0, 0xff, '.')).contains("not valid UTF-8"));
        assertTrue(error(pickle(0x80, 2, 'K')).contains("truncated"));
        assertTrue(error(pickle(0x80, 2, 'K', 1, 'Q', '.')).contains("unsupported persistent id"));
        // _rebuild_tensor_v2 with a string where the storage belongs.
        assertTrue(error(pickle(0x80, 2, 'c', "torch._utils\n_rebuild_tensor_v2\n", '(', 0x8c, 1, "x", 'K', 0,
                ')', ')', 0x89, 'N', 't', 'R', '.')).contains("tensor storage is str 'x'"));
    }
}
