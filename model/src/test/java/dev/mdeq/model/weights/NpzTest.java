package dev.mdeq.model.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.runstore.run.InvalidInputException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpzTest {

    @Test
    void writesNumpyVersion1HeadersAlignedTo64Bytes() {
        byte[] bytes = Npy.toBytes(RawTensor.ofFloats(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
        assertEquals((byte) 0x93, bytes[0]);
        assertEquals("NUMPY", new String(bytes, 1, 5, StandardCharsets.ISO_8859_1));
        assertEquals(1, bytes[6]);
        assertEquals(0, bytes[7]);
        int headerLength = ByteBuffer.wrap(bytes, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
        assertEquals(0, (10 + headerLength) % 64);
        String header = new String(bytes, 10, headerLength, StandardCharsets.ISO_8859_1);
        assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", header.trim());
        assertEquals('\n', header.charAt(header.length() - 1));
        assertEquals(10 + headerLength + 24, bytes.length);
        assertEquals(6f, ByteBuffer.wrap(bytes, bytes.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat());
    }

    @Test
    void roundTripsEveryTypeAndScalars(@TempDir Path dir) throws IOException {
        Map<String, RawTensor> arrays = new LinkedHashMap<>();
        arrays.put("a.weight", RawTensor.ofFloats(new long[] {3}, new float[] {1.5f, -2, 3}));
        arrays.put("b", RawTensor.ofDoubles(new long[] {1, 2}, new double[] {Math.PI, -1e-300}));
        arrays.put("bn.num_batches_tracked", RawTensor.ofLongs(new long[] {}, new long[] {42}));
        arrays.put("empty", RawTensor.ofFloats(new long[] {0, 4}, new float[0]));
        Path file = dir.resolve("w.npz");
        Npz.write(file, arrays);
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry entry = zip.getEntry("a.weight.npy");
            assertEquals(ZipEntry.STORED, entry.getMethod(), "numpy.savez stores entries uncompressed");
        }
        Map<String, RawTensor> back = Npz.read(file);
        assertEquals(List.copyOf(arrays.keySet()), List.copyOf(back.keySet()));
        for (String key : arrays.keySet()) {
            assertEquals(arrays.get(key).type(), back.get(key).type(), key);
            assertArrayEquals(arrays.get(key).shape(), back.get(key).shape(), key);
            assertEquals(arrays.get(key).data(), back.get(key).data(), key);
        }
        assertEquals("()", back.get("bn.num_batches_tracked").shapeText());
    }

    @Test
    void readsArchivesWrittenByNumpy() throws Exception {
        // Written by numpy.savez in make_reference_fixture.py.
        Path file = Path.of(getClass().getResource("/dev/mdeq/model/reference/cls_weights.npz").toURI());
        Map<String, RawTensor> weights = Npz.read(file);
        assertEquals(RawTensor.Type.FLOAT64, weights.get("downsample.0.weight").type());
        assertArrayEquals(new long[] {4, 3, 3, 3}, weights.get("downsample.0.weight").shape());
        assertEquals(RawTensor.Type.INT64, weights.get("downsample.1.num_batches_tracked").type());
        assertEquals(7, weights.get("downsample.1.num_batches_tracked").toLongArray()[0]);
    }

    @Test
    void refusesWhatItCannotRepresentWithTheReason() {
        String header = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }";
        InvalidInputException fortran = assertThrows(InvalidInputException.class,
                () -> Npy.read(new ByteArrayInputStream(npy(header, 16)), "x.npy"));
        assertTrue(fortran.getMessage().contains("x.npy") && fortran.getMessage().contains("Fortran"));
        InvalidInputException type = assertThrows(InvalidInputException.class, () -> Npy.read(
                new ByteArrayInputStream(npy("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", 2)), "m.npy"));
        assertTrue(type.getMessage().contains("'|b1'"), type.getMessage());
        InvalidInputException truncated = assertThrows(InvalidInputException.class, () -> Npy.read(
                new ByteArrayInputStream(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", 8)), "t.npy"));
        assertTrue(truncated.getMessage().contains("truncated"), truncated.getMessage());
        assertThrows(InvalidInputException.class, () -> Npy.read(new ByteArrayInputStream(new byte[20]), "z.npy"));
    }

    @Test
    void missingOrCorruptArchivesAreInvalidInput(@TempDir Path dir) throws IOException {
        InvalidInputException missing = assertThrows(InvalidInputException.class, () -> Npz.read(dir.resolve("no.npz")));
        assertTrue(missing.getMessage().contains("no.npz"));
        Path junk = dir.resolve("junk.npz");
        Files.writeString(junk, "not a zip");
        assertThrows(InvalidInputException.class, () -> Npz.read(junk));
    }

    @Test
    void widensInt32(@TempDir Path dir) throws IOException {
        byte[] data = npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", 8);
        ByteBuffer.wrap(data, data.length - 8, 8).order(ByteOrder.LITTLE_ENDIAN).putInt(-3).putInt(9);
        RawTensor tensor = Npy.read(new ByteArrayInputStream(data), "i.npy");
        assertArrayEquals(new long[] {-3, 9}, tensor.toLongArray());
    }

    private static byte[] npy(String header, int dataBytes) {
        String padded = header + " ".repeat(Math.max(0, 63 - header.length())) + "\n";
        ByteBuffer out = ByteBuffer.allocate(10 + padded.length() + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        out.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        out.putShort((short) padded.length());
        out.put(padded.getBytes(StandardCharsets.ISO_8859_1));
        return out.array();
    }
}
